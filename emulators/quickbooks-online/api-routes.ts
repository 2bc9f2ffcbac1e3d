import { createHash } from "node:crypto";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { changeDataCapture } from "./cdc.js";
import type { EmulatorCore } from "./core.js";
import { type EntityContext, isPlainObject, readEntity, writeEntity } from "./entities.js";
import { faults, gatewayFaultBody, type Obj, QboFault, throttleXml, toIntuitXml } from "./faults.js";
import { parseJsonText, relativePath, requestFacts, sendInjectedFault, sendRaw, sleep } from "./http-util.js";
import { runQuery } from "./query.js";
import { ENTITY_NAMES, type EntityName, type RealmState } from "./state.js";
import { formatTimestamp } from "./time.js";

const REQUEST_ID_MAX = 50;
const BATCH_REQUEST_ID_MAX = 36;

interface ApiResult {
  status: number;
  body: Obj;
}

interface Rendered {
  status: number;
  contentType: string;
  body: string;
}

function entityFromPath(segment: string): EntityName | undefined {
  const lower = segment.toLowerCase();
  return ENTITY_NAMES.find((name) => name.toLowerCase() === lower);
}

function wantsJson(request: FastifyRequest): boolean {
  // Without an explicit JSON Accept header the service answers in XML.
  return /json/i.test(String(request.headers.accept ?? ""));
}

function render(core: EmulatorCore, request: FastifyRequest, result: ApiResult): Rendered {
  const body = { ...result.body, time: formatTimestamp(core.nowMs(), true) };
  if (wantsJson(request))
    return { status: result.status, contentType: "application/json", body: JSON.stringify(body) };
  return { status: result.status, contentType: "application/xml", body: toIntuitXml(body) };
}

function faultResult(fault: QboFault): ApiResult {
  return { status: fault.status, body: { Fault: fault.toFaultObject() } };
}

function checkMinorVersion(value: unknown): void {
  if (value === undefined || value === "") return;
  // Values below the floor (or absent) are served as the floor; only garbage is refused.
  if (typeof value !== "string" || !/^\d+$/.test(value)) {
    throw new QboFault(
      "2010",
      `Property Name:minorversion specified value ${String(value)} is not supported`,
      "minorversion",
    );
  }
}

function parseBody(request: FastifyRequest): unknown {
  const contentType = String(request.headers["content-type"] ?? "");
  if (/xml/i.test(contentType)) {
    throw new QboFault(
      "2010",
      "Property Name:Content-Type application/xml request bodies are not supported; send JSON",
    );
  }
  const raw = typeof request.body === "string" ? request.body : "";
  try {
    return parseJsonText(raw);
  } catch (error) {
    throw new QboFault(
      "2010",
      `Property Name:Request body could not be parsed as JSON (${(error as Error).message}) specified value is not supported`,
    );
  }
}

function runBatch(core: EmulatorCore, ctx: EntityContext, body: unknown): Obj {
  if (!isPlainObject(body) || !Array.isArray(body.BatchItemRequest))
    throw faults.required("BatchItemRequest");
  const items = body.BatchItemRequest;
  const max = core.state.settings.batchMaxItems;
  if (items.length > max) {
    throw new QboFault(
      "1040",
      `Batch size exceeds allowed limit. The maximum number of batch items is ${max}.`,
    );
  }
  const responses = items.map((item: unknown) => {
    const bId = isPlainObject(item) && item.bId !== undefined ? String(item.bId) : undefined;
    core.countCall(
      ctx.realm.realmId,
      isPlainObject(item) && typeof item.Query === "string" ? "read" : "write",
    );
    try {
      if (!isPlainObject(item)) throw faults.invalidValue("BatchItemRequest", item);
      if (typeof item.Query === "string") return { bId, QueryResponse: runQuery(ctx.realm, item.Query) };
      const entity = Object.keys(item)
        .map((key) => ENTITY_NAMES.find((name) => name === key))
        .find((name): name is EntityName => name !== undefined);
      if (!entity) throw faults.unsupportedOperation("Batch item has no supported entity or query.");
      const operation = typeof item.operation === "string" ? item.operation : "create";
      return { bId, [entity]: writeEntity(ctx, entity, item[entity], operation) };
    } catch (error) {
      if (error instanceof QboFault) return { bId, Fault: error.toFaultObject() };
      throw error;
    }
  });
  return { BatchItemResponse: responses };
}

function execute(
  core: EmulatorCore,
  request: FastifyRequest,
  realm: RealmState,
  segments: string[],
): ApiResult {
  const ctx: EntityContext = core.entityContext(realm);
  const query = request.query as Record<string, unknown>;
  const method = request.method;
  const [head = "", id, extra] = segments;
  const first = head.toLowerCase();

  if (first === "query" && segments.length === 1) {
    let text: unknown;
    if (method === "GET") {
      text = query.query;
    } else {
      const contentType = String(request.headers["content-type"] ?? "");
      if (!/^(application\/text|text\/plain)/i.test(contentType)) {
        throw faults.unsupportedOperation("A query sent with POST must use Content-Type application/text.");
      }
      text = request.body;
    }
    if (typeof text !== "string" || text.trim() === "")
      throw faults.queryParse('Encountered "<EOF>" at line 1, column 1.');
    return { status: 200, body: { QueryResponse: runQuery(realm, text) } };
  }
  if (first === "cdc" && segments.length === 1 && method === "GET") {
    return { status: 200, body: changeDataCapture(realm, query, ctx.nowMs) };
  }
  if (first === "batch" && segments.length === 1 && method === "POST") {
    return { status: 200, body: runBatch(core, ctx, parseBody(request)) };
  }
  if (first === "companyinfo" && method === "GET") {
    if (id !== undefined && id !== realm.realmId) throw faults.notFound();
    return { status: 200, body: { CompanyInfo: realm.companyInfo } };
  }
  if (first === "preferences" && method === "GET" && segments.length === 1) {
    return { status: 200, body: { Preferences: realm.preferences } };
  }
  const entity = entityFromPath(head);
  if (entity && extra === undefined) {
    if (method === "GET" && id !== undefined)
      return { status: 200, body: { [entity]: readEntity(ctx, entity, id) } };
    if (method === "POST" && id === undefined) {
      const operation = typeof query.operation === "string" ? query.operation : undefined;
      // Intuit: a duplicate DocNumber is refused unless `include=allowduplicatedocnum` is on the URI.
      const allowDuplicateDocNumber = String(query.include ?? "")
        .split(",")
        .some((part) => part.trim().toLowerCase() === "allowduplicatedocnum");
      return {
        status: 200,
        body: {
          [entity]: writeEntity(ctx, entity, parseBody(request), operation, { allowDuplicateDocNumber }),
        },
      };
    }
  }
  throw faults.unsupportedOperation(`Operation ${method} ${segments.join("/")} is not supported.`);
}

/**
 * How QuickBooks meters a call: a GET (an entity, preferences, company info, change data capture, a report) or a
 * query is a read; a POST that creates, updates, deletes or voids is a write. A batch is metered by its items.
 */
function callKind(method: string, segments: string[]): "read" | "write" | "batch" {
  const first = (segments[0] ?? "").toLowerCase();
  if (first === "batch") return "batch";
  if (method === "GET" || first === "query") return "read";
  return "write";
}

function fingerprint(request: FastifyRequest, path: string): string {
  const raw = typeof request.body === "string" ? request.body : "";
  return createHash("sha256").update(`${request.method} ${path.toLowerCase()}\n${raw}`).digest("hex");
}

function send(reply: FastifyReply, rendered: Rendered): FastifyReply {
  return sendRaw(reply, rendered.status, rendered.contentType, rendered.body);
}

export function registerApiRoutes(app: FastifyInstance, core: EmulatorCore, prefix: string): void {
  const handler = async (request: FastifyRequest, reply: FastifyReply) => {
    const params = request.params as { realmId: string; "*": string };
    const realmId = params.realmId;
    const segments = params["*"]
      .split("/")
      .filter((segment) => segment !== "")
      .map(decodeURIComponent);
    const query = request.query as Record<string, unknown>;
    const facts = requestFacts(request);
    facts.realmId = realmId;
    facts.requestid = typeof query.requestid === "string" ? query.requestid : null;

    const auth = core.authenticate(request.headers.authorization, realmId);
    if (!auth.ok) {
      if (auth.status === 401)
        reply.header("www-authenticate", 'Bearer realm="Intuit", error="invalid_token"');
      return sendRaw(
        reply,
        auth.status,
        "application/json",
        JSON.stringify(gatewayFaultBody(auth.status, auth.detail, core.nowMs())),
      );
    }
    const isBatch = segments[0]?.toLowerCase() === "batch";
    if (!core.admit(realmId, isBatch)) {
      return sendRaw(reply, 429, "application/xml", throttleXml(formatTimestamp(core.nowMs(), true)));
    }
    const realm = core.realm(realmId) as RealmState;
    const kind = callKind(request.method, segments);
    if (kind !== "batch") core.countCall(realmId, kind);
    core.enter(realmId);
    try {
      const { path, pathWithQuery } = relativePath(request, prefix);
      const rule = core.takeFault(request.method, path, pathWithQuery);
      if (rule?.mode === "respond") return sendInjectedFault(reply, rule, core);
      if (rule?.mode === "delay") await sleep(rule.delayMs);

      const requestid = facts.requestid;
      const replayable = request.method === "POST" && requestid !== null;
      try {
        checkMinorVersion(query.minorversion);
        if (replayable && requestid.length > (isBatch ? BATCH_REQUEST_ID_MAX : REQUEST_ID_MAX)) {
          throw faults.length("requestid", isBatch ? BATCH_REQUEST_ID_MAX : REQUEST_ID_MAX, requestid.length);
        }
      } catch (error) {
        if (error instanceof QboFault) return send(reply, render(core, request, faultResult(error)));
        throw error;
      }

      const print = fingerprint(request, path);
      if (replayable) {
        const stored = core.lookupReplay(realmId, requestid);
        if (stored) {
          if (stored.fingerprint !== print && core.state.settings.requestIdMismatch === "fault600") {
            return send(
              reply,
              render(
                core,
                request,
                faultResult(
                  new QboFault(
                    "600",
                    `RequestId ${requestid} already exists in the system, duplicate request is detected`,
                  ),
                ),
              ),
            );
          }
          facts.replayed = true;
          if (rule?.mode === "commit_then_fail") return sendInjectedFault(reply, rule, core);
          return send(reply, { status: stored.status, contentType: stored.contentType, body: stored.body });
        }
      }

      let result: ApiResult;
      try {
        result = execute(core, request, realm, segments);
        if (request.method === "POST") core.markDirty();
      } catch (error) {
        if (!(error instanceof QboFault)) throw error;
        result = faultResult(error);
      }
      const rendered = render(core, request, result);
      if (replayable && rendered.status < 500) {
        core.storeReplay(realmId, requestid, {
          status: rendered.status,
          contentType: rendered.contentType,
          body: rendered.body,
          fingerprint: print,
        });
      }
      if (rule?.mode === "commit_then_fail") return sendInjectedFault(reply, rule, core);
      return send(reply, rendered);
    } finally {
      core.leave(realmId);
    }
  };
  app.route({ method: ["GET", "POST"], url: "/v3/company/:realmId/*", handler });
}
