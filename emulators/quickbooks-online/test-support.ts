import { type QboEmulatorOptions, type StartedQboEmulator, startQboEmulator } from "./index.js";

export const CLIENT_BASIC = `Basic ${Buffer.from("demo-client-id:demo-client-secret").toString("base64")}`;
export const REDIRECT_URI = "http://127.0.0.1:9/callback";

/** Generous limits so functional tests are not throttled; the throttling tests set their own. */
export const RELAXED_LIMITS = {
  perMinute: 100_000,
  perSecond: 100_000,
  concurrent: 1000,
  batchPerMinute: 1000,
};

export interface Harness {
  server: StartedQboEmulator;
  url: string;
  realmId: string;
  accessToken: string;
  refreshToken: string;
  /** Calls `{url}/v3/company/{realmId}{path}` with the bearer token and `Accept: application/json`. */
  api(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<Response>;
  control(method: string, path: string, body?: unknown): Promise<Response>;
  close(): Promise<void>;
}

export async function startHarness(options: QboEmulatorOptions = {}): Promise<Harness> {
  const server = await startQboEmulator({ port: 0, limits: RELAXED_LIMITS, ...options });
  const tokens = server.emulator.issueTokens();
  const realmId = server.emulator.defaultRealmId;
  const harness: Harness = {
    server,
    url: server.url,
    realmId,
    accessToken: tokens.access_token,
    refreshToken: tokens.refresh_token,
    api: (method, path, body, headers = {}) =>
      fetch(`${server.url}/v3/company/${realmId}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${harness.accessToken}`,
          accept: "application/json",
          ...(body === undefined ? {} : { "content-type": "application/json" }),
          ...headers,
        },
        body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
      }),
    control: (method, path, body) =>
      fetch(`${server.url}/__emulator${path}`, {
        method,
        headers: body === undefined ? {} : { "content-type": "application/json" },
        body: body === undefined ? undefined : JSON.stringify(body),
      }),
    close: () => server.close(),
  };
  return harness;
}

// biome-ignore lint/suspicious/noExplicitAny: test responses are inspected structurally
export type AnyJson = any;

export async function json(response: Response): Promise<AnyJson> {
  return (await response.json()) as AnyJson;
}

export function faultCode(body: AnyJson): string | undefined {
  return body?.Fault?.Error?.[0]?.code;
}

export async function authorize(url: string, params: Record<string, string> = {}): Promise<URL> {
  const query = new URLSearchParams({
    client_id: "demo-client-id",
    response_type: "code",
    scope: "com.intuit.quickbooks.accounting openid",
    redirect_uri: REDIRECT_URI,
    state: "csrf-123",
    ...params,
  });
  const response = await fetch(`${url}/connect/oauth2?${query}`, { redirect: "manual" });
  if (response.status !== 302)
    throw new Error(`authorize answered ${response.status}: ${await response.text()}`);
  return new URL(response.headers.get("location") as string);
}

export function tokenRequest(
  url: string,
  params: Record<string, string>,
  headers: Record<string, string> = {},
) {
  return fetch(`${url}/oauth2/v1/tokens/bearer`, {
    method: "POST",
    headers: {
      authorization: CLIENT_BASIC,
      accept: "application/json",
      "content-type": "application/x-www-form-urlencoded",
      ...headers,
    },
    body: new URLSearchParams(params).toString(),
  });
}
