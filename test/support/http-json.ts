export type Json = Record<string, unknown>;

/**
 * One JSON call to a running product over real HTTP (for the scripts that start it as a process): the bearer token
 * and body are optional, redirects are returned as they are, and any 4xx or 5xx throws with the start of the answer.
 */
export async function callJson(base: string, method: string, url: string, token?: string, body?: unknown) {
  const res = await fetch(`${base}${url}`, {
    method,
    redirect: "manual",
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body !== undefined ? { "content-type": "application/json" } : {}),
    },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  let json: Json = {};
  try {
    json = JSON.parse(text) as Json;
  } catch {}
  if (res.status >= 400) throw new Error(`${method} ${url} → ${res.status} ${text.slice(0, 300)}`);
  return { status: res.status, json, headers: res.headers };
}
