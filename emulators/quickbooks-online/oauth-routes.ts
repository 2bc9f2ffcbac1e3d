import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { ACCOUNTING_SCOPE, type EmulatorCore, type TokenOutcome } from "./core.js";
import { escapeXml } from "./faults.js";
import { parseJsonText, relativePath, sendInjectedFault, sendJson, sendRaw, sleep } from "./http-util.js";

function errorPage(reply: FastifyReply, message: string): FastifyReply {
  const html = `<!doctype html><html><head><title>Intuit - Error</title></head><body><h1>Something went wrong</h1><p>${escapeXml(message)}</p></body></html>`;
  return sendRaw(reply, 400, "text/html; charset=utf-8", html);
}

function readClientCredentials(header: string | undefined): { id: string; secret: string } | null {
  const match = header ? /^Basic\s+(\S+)\s*$/i.exec(header) : null;
  if (!match) return null;
  const decoded = Buffer.from(match[1] as string, "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  if (colon === -1) return null;
  return { id: decoded.slice(0, colon), secret: decoded.slice(colon + 1) };
}

function readParams(request: FastifyRequest): Record<string, string> {
  const body = request.body;
  const out: Record<string, string> = {};
  if (typeof body !== "string" || body === "") return out;
  const contentType = String(request.headers["content-type"] ?? "");
  if (contentType.includes("json")) {
    try {
      const parsed = parseJsonText(body);
      if (parsed && typeof parsed === "object") {
        for (const [key, value] of Object.entries(parsed)) if (typeof value === "string") out[key] = value;
      }
    } catch {
      return out;
    }
    return out;
  }
  for (const [key, value] of new URLSearchParams(body)) out[key] = value;
  return out;
}

export function registerOAuthRoutes(app: FastifyInstance, core: EmulatorCore, prefix: string): void {
  app.get("/connect/oauth2", async (request, reply) => {
    const query = request.query as Record<string, string | undefined>;
    if (query.client_id !== core.clientId)
      return errorPage(reply, "The client_id is not valid for this app.");
    const redirectUri = query.redirect_uri;
    if (!redirectUri || !core.isRedirectUriAllowed(redirectUri)) {
      return errorPage(
        reply,
        "The redirect_uri query parameter value is invalid. Make sure it is listed in the Redirect URIs section on your app's keys tab.",
      );
    }
    const target = new URL(redirectUri);
    const back = (params: Record<string, string>) => {
      for (const [key, value] of Object.entries(params)) target.searchParams.set(key, value);
      if (query.state !== undefined) target.searchParams.set("state", query.state);
      return reply.header("cache-control", "no-store").redirect(target.toString(), 302);
    };
    if (query.response_type !== "code") return back({ error: "unsupported_response_type" });
    const scopes = (query.scope ?? "").split(/[\s+]+/);
    if (!scopes.includes(ACCOUNTING_SCOPE)) return back({ error: "invalid_scope" });
    if (core.state.settings.consent === "deny") return back({ error: "access_denied" });
    const realmId = core.consentRealmId();
    const code = core.issueAuthCode(core.clientId, redirectUri, realmId);
    return back({ code, realmId });
  });

  const tokenHandler = async (request: FastifyRequest, reply: FastifyReply) => {
    const { path, pathWithQuery } = relativePath(request, prefix);
    const rule = core.takeFault(request.method, path, pathWithQuery);
    if (rule?.mode === "respond") return sendInjectedFault(reply, rule, core);
    if (rule?.mode === "delay") await sleep(rule.delayMs);
    const credentials = readClientCredentials(request.headers.authorization);
    reply.header("cache-control", "no-cache, no-store").header("pragma", "no-cache");
    if (!credentials || credentials.id !== core.clientId || credentials.secret !== core.clientSecret) {
      return sendJson(reply, 401, { error: "invalid_client" });
    }
    const params = readParams(request);
    const includeHard = String(request.headers["x-include-refresh-token-hard-expires-in"] ?? "") === "true";
    let outcome: TokenOutcome;
    if (!params.grant_type) return sendJson(reply, 400, { error: "invalid_request" });
    if (params.grant_type === "authorization_code") {
      if (!params.code || !params.redirect_uri) return sendJson(reply, 400, { error: "invalid_request" });
      outcome = core.exchangeCode(credentials.id, params.code, params.redirect_uri, includeHard);
    } else if (params.grant_type === "refresh_token") {
      if (!params.refresh_token) return sendJson(reply, 400, { error: "invalid_request" });
      outcome = core.refresh(credentials.id, params.refresh_token, includeHard);
    } else {
      return sendJson(reply, 400, { error: "unsupported_grant_type" });
    }
    if (rule?.mode === "commit_then_fail") return sendInjectedFault(reply, rule, core);
    return outcome.ok ? sendJson(reply, 200, { ...outcome.body }) : sendJson(reply, 400, outcome.body);
  };
  app.post("/oauth2/v1/tokens/bearer", tokenHandler);

  const revokeHandler = async (request: FastifyRequest, reply: FastifyReply) => {
    const { path, pathWithQuery } = relativePath(request, prefix);
    const rule = core.takeFault(request.method, path, pathWithQuery);
    if (rule?.mode === "respond") return sendInjectedFault(reply, rule, core);
    if (rule?.mode === "delay") await sleep(rule.delayMs);
    const credentials = readClientCredentials(request.headers.authorization);
    if (!credentials || credentials.id !== core.clientId || credentials.secret !== core.clientSecret) {
      return sendJson(reply, 401, { error: "invalid_client" });
    }
    const token = readParams(request).token;
    if (!token) return sendJson(reply, 400, { error: "invalid_request" });
    core.revokeToken(token);
    if (rule?.mode === "commit_then_fail") return sendInjectedFault(reply, rule, core);
    return sendRaw(reply, 200, "application/json", "");
  };
  // The product documents `{base}/oauth2/v1/tokens/revoke`; Intuit's own host serves `/v2/oauth2/tokens/revoke`.
  app.post("/oauth2/v1/tokens/revoke", revokeHandler);
  app.post("/v2/oauth2/tokens/revoke", revokeHandler);

  const discovery = async (request: FastifyRequest, reply: FastifyReply) => {
    const base = `${request.protocol}://${request.host}${prefix}`;
    return sendJson(reply, 200, {
      issuer: `${base}/op/v1`,
      authorization_endpoint: `${base}/connect/oauth2`,
      token_endpoint: `${base}/oauth2/v1/tokens/bearer`,
      revocation_endpoint: `${base}/oauth2/v1/tokens/revoke`,
      response_types_supported: ["code"],
      grant_types_supported: ["authorization_code", "refresh_token"],
      scopes_supported: [ACCOUNTING_SCOPE],
      token_endpoint_auth_methods_supported: ["client_secret_basic"],
    });
  };
  app.get("/.well-known/openid_configuration", discovery);
  app.get("/.well-known/openid_sandbox_configuration", discovery);
}
