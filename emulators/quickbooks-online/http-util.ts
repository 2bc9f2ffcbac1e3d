import { randomBytes } from "node:crypto";
import type { FastifyReply, FastifyRequest } from "fastify";
import type { EmulatorCore, FaultRule } from "./core.js";
import { faultBody, gatewayFaultBody, type Obj, QboFault, throttleXml } from "./faults.js";
import { formatTimestamp } from "./time.js";

/** Per-request facts the request log needs once the response is out. */
export interface RequestFacts {
  logged: boolean;
  requestid: string | null;
  replayed: boolean;
  realmId: string | null;
}

const facts = new WeakMap<FastifyRequest, RequestFacts>();

export function requestFacts(request: FastifyRequest): RequestFacts {
  let found = facts.get(request);
  if (!found) {
    found = { logged: false, requestid: null, replayed: false, realmId: null };
    facts.set(request, found);
  }
  return found;
}

export function intuitTid(): string {
  return `1-${randomBytes(4).toString("hex")}-${randomBytes(12).toString("hex")}`;
}

/** The request path relative to where the emulator is mounted, without and with the query string. */
export function relativePath(
  request: FastifyRequest,
  prefix: string,
): { path: string; pathWithQuery: string } {
  const full = request.url.startsWith(prefix) ? request.url.slice(prefix.length) : request.url;
  const withSlash = full.startsWith("/") ? full : `/${full}`;
  const queryAt = withSlash.indexOf("?");
  return { path: queryAt === -1 ? withSlash : withSlash.slice(0, queryAt), pathWithQuery: withSlash };
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export function parseJsonText(text: string): unknown {
  if (text.trim() === "") return undefined;
  return JSON.parse(text);
}

function defaultFaultBody(status: number, core: EmulatorCore): unknown {
  const time = formatTimestamp(core.nowMs(), true);
  if (status === 401 || status === 403)
    return gatewayFaultBody(status, "Injected authentication failure", core.nowMs());
  if (status === 429) return throttleXml(time);
  if (status === 502 || status === 503 || status === 504) {
    return `<html><head><title>${status} Service Unavailable</title></head><body><center><h1>${status} Service Temporarily Unavailable</h1></center></body></html>`;
  }
  if (status >= 500) {
    return faultBody(
      new QboFault(
        "10000",
        "System Failure Error: An unexpected error occurred while accessing or saving your data. Please wait a few minutes and try again. If the problem persists, contact customer support.",
        "",
        { status, type: "SystemFault" },
      ),
      time,
    );
  }
  if (status >= 400) {
    return faultBody(new QboFault("6000", "Business Validation Error: Injected failure"), time);
  }
  return {};
}

export function sendRaw(
  reply: FastifyReply,
  status: number,
  contentType: string,
  body: string,
): FastifyReply {
  return reply.code(status).header("intuit_tid", intuitTid()).type(contentType).send(body);
}

export function contentTypeFor(text: string): string {
  const trimmed = text.trimStart();
  if (trimmed.startsWith("<?xml") || trimmed.startsWith("<IntuitResponse")) return "application/xml";
  if (trimmed.startsWith("<")) return "text/html";
  return "text/plain";
}

export function sendInjectedFault(reply: FastifyReply, rule: FaultRule, core: EmulatorCore): FastifyReply {
  const body =
    rule.body === undefined || rule.body === null ? defaultFaultBody(rule.status, core) : rule.body;
  if (typeof body === "string") return sendRaw(reply, rule.status, contentTypeFor(body), body);
  return sendRaw(reply, rule.status, "application/json", JSON.stringify(body));
}

export function sendJson(reply: FastifyReply, status: number, body: Obj | unknown[]): FastifyReply {
  return sendRaw(reply, status, "application/json", JSON.stringify(body));
}
