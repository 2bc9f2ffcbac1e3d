import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { EmulatorCore, FaultMode } from "./core.js";
import { applyCountryPreset, COUNTRIES, isCountry, type PresetOptions } from "./countries.js";
import { editOutOfBand, isPlainObject, removeOutOfBand } from "./entities.js";
import type { Obj } from "./faults.js";
import { parseJsonText, sendJson } from "./http-util.js";
import { ENTITY_NAMES, type EntityName, type Limits } from "./state.js";
import { formatTimestamp } from "./time.js";
import type { WebhookSettings } from "./webhooks.js";

class ControlError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
}

function body(request: FastifyRequest): Obj {
  let parsed: unknown;
  try {
    parsed = parseJsonText(typeof request.body === "string" ? request.body : "");
  } catch {
    throw new ControlError(400, "invalid_json", "The request body is not valid JSON.");
  }
  if (parsed === undefined) return {};
  if (!isPlainObject(parsed))
    throw new ControlError(400, "invalid_input", "The request body must be a JSON object.");
  return parsed;
}

function positiveInteger(
  input: Obj,
  field: string,
  options: { allowZero?: boolean } = {},
): number | undefined {
  const value = input[field];
  if (value === undefined) return undefined;
  const min = options.allowZero ? 0 : 1;
  if (typeof value !== "number" || !Number.isInteger(value) || value < min) {
    throw new ControlError(400, "invalid_input", `${field} must be an integer of at least ${min}.`, field);
  }
  return value;
}

function oneOf<T extends string>(input: Obj, field: string, allowed: readonly T[]): T | undefined {
  const value = input[field];
  if (value === undefined) return undefined;
  if (typeof value !== "string" || !allowed.includes(value as T)) {
    throw new ControlError(400, "invalid_input", `${field} must be one of ${allowed.join(", ")}.`, field);
  }
  return value as T;
}

function deepMerge(target: Obj, patch: Obj): Obj {
  const out: Obj = { ...target };
  for (const [key, value] of Object.entries(patch)) {
    const current = out[key];
    out[key] = isPlainObject(current) && isPlainObject(value) ? deepMerge(current, value) : value;
  }
  return out;
}

export function registerControlRoutes(app: FastifyInstance, core: EmulatorCore): void {
  const base = "/__emulator";
  const wrap =
    (handler: (request: FastifyRequest, reply: FastifyReply) => Promise<FastifyReply> | FastifyReply) =>
    async (request: FastifyRequest, reply: FastifyReply) => {
      try {
        return await handler(request, reply);
      } catch (error) {
        if (error instanceof ControlError) {
          const payload: Obj = { code: error.code, message: error.message };
          if (error.field) payload.field = error.field;
          return sendJson(reply, error.status, { error: payload });
        }
        throw error;
      }
    };

  const realmOr404 = (realmId: string) => {
    const realm = core.realm(realmId);
    if (!realm) throw new ControlError(404, "unknown_realm", `No company with realm id ${realmId}.`);
    return realm;
  };

  app.get(
    `${base}/state`,
    wrap((_request, reply) =>
      sendJson(reply, 200, { defaultRealmId: core.state.defaultRealmId, ...core.snapshot() }),
    ),
  );

  app.get(
    `${base}/requests`,
    wrap((request, reply) => {
      const query = request.query as Record<string, string | undefined>;
      let pathFilter: RegExp | null = null;
      if (query.path) {
        try {
          pathFilter = new RegExp(query.path);
        } catch {
          throw new ControlError(400, "invalid_input", "path must be a valid regular expression.", "path");
        }
      }
      const items = core.log.filter(
        (entry) =>
          (!query.method || entry.method.toUpperCase() === query.method.toUpperCase()) &&
          (!pathFilter || pathFilter.test(entry.path)),
      );
      return sendJson(reply, 200, { items });
    }),
  );
  app.delete(
    `${base}/requests`,
    wrap((_request, reply) => {
      core.log = [];
      return reply.code(204).send();
    }),
  );

  // Metered calls per realm: reads (GET, queries) and writes (create, update, delete, void), since the last reset.
  const callsOf = (realmId: string) => {
    const { reads, writes } = core.callCounts(realmId);
    return { realmId, reads, writes, total: reads + writes };
  };
  app.get(
    `${base}/calls`,
    wrap((_request, reply) =>
      sendJson(reply, 200, { items: Object.keys(core.allCallCounts()).sort().map(callsOf) }),
    ),
  );
  app.get(
    `${base}/calls/:realmId`,
    wrap((request, reply) => {
      const { realmId } = request.params as { realmId: string };
      return sendJson(reply, 200, callsOf(realmOr404(realmId).realmId));
    }),
  );
  app.delete(
    `${base}/calls`,
    wrap((_request, reply) => {
      core.resetCalls();
      return reply.code(204).send();
    }),
  );
  app.delete(
    `${base}/calls/:realmId`,
    wrap((request, reply) => {
      const { realmId } = request.params as { realmId: string };
      core.resetCalls(realmOr404(realmId).realmId);
      return reply.code(204).send();
    }),
  );

  app.put(
    `${base}/limits`,
    wrap((request, reply) => {
      const input = body(request);
      const patch: Partial<Limits> = {};
      for (const field of ["perMinute", "perSecond", "concurrent", "batchPerMinute"] as const) {
        const value = positiveInteger(input, field);
        if (value !== undefined) patch[field] = value;
      }
      return sendJson(reply, 200, { ...core.setLimits(patch) });
    }),
  );

  app.post(
    `${base}/reset`,
    wrap((request, reply) => {
      const input = body(request);
      core.reset(input.keepTokens === true);
      return sendJson(reply, 200, { ok: true, defaultRealmId: core.state.defaultRealmId });
    }),
  );

  app.post(
    `${base}/realms`,
    wrap((_request, reply) => sendJson(reply, 201, { realmId: core.createRealm() })),
  );

  const entityName = (raw: string): EntityName | "Preferences" | "CompanyInfo" => {
    const lower = raw.toLowerCase();
    if (lower === "preferences") return "Preferences";
    if (lower === "companyinfo") return "CompanyInfo";
    const found = ENTITY_NAMES.find((name) => name.toLowerCase() === lower);
    if (!found) throw new ControlError(404, "unknown_entity", `Unknown entity ${raw}.`);
    return found;
  };

  app.post(
    `${base}/edit/:realmId/:entity/:id`,
    wrap((request, reply) => {
      const params = request.params as { realmId: string; entity: string; id: string };
      const realm = realmOr404(params.realmId);
      const entity = entityName(params.entity);
      const fields = body(request);
      const nowMs = core.nowMs();
      if (entity === "Preferences" || entity === "CompanyInfo") {
        const key = entity === "Preferences" ? "preferences" : "companyInfo";
        const merged = deepMerge(realm[key], fields);
        const meta = isPlainObject(merged.MetaData) ? merged.MetaData : {};
        merged.SyncToken = String(Number(realm[key].SyncToken ?? 0) + 1);
        merged.MetaData = { ...meta, LastUpdatedTime: formatTimestamp(nowMs) };
        realm[key] = merged;
        core.markDirty();
        return sendJson(reply, 200, { [entity]: merged });
      }
      const saved = editOutOfBand(core.entityContext(realm), entity, params.id, fields);
      if (!saved) throw new ControlError(404, "unknown_object", `No ${entity} with id ${params.id}.`);
      core.markDirty();
      return sendJson(reply, 200, { [entity]: saved });
    }),
  );

  app.post(
    `${base}/preset/:realmId`,
    wrap((request, reply) => {
      const params = request.params as { realmId: string };
      const realm = realmOr404(params.realmId);
      const input = body(request);
      if (!isCountry(input.country)) {
        throw new ControlError(
          400,
          "invalid_input",
          `country must be one of ${COUNTRIES.join(", ")}.`,
          "country",
        );
      }
      if (input.multicurrency !== undefined && typeof input.multicurrency !== "boolean") {
        throw new ControlError(400, "invalid_input", "multicurrency must be true or false.", "multicurrency");
      }
      if (input.customTxnNumbers !== undefined && typeof input.customTxnNumbers !== "boolean") {
        throw new ControlError(
          400,
          "invalid_input",
          "customTxnNumbers must be true or false.",
          "customTxnNumbers",
        );
      }
      const currencies = input.currencies ?? [];
      if (
        !Array.isArray(currencies) ||
        !currencies.every((c) => typeof c === "string" && /^[A-Z]{3}$/.test(c))
      ) {
        throw new ControlError(400, "invalid_input", "currencies must be ISO 4217 codes.", "currencies");
      }
      const options: PresetOptions = { country: input.country, currencies: currencies as string[] };
      if (typeof input.multicurrency === "boolean") options.multicurrency = input.multicurrency;
      if (typeof input.customTxnNumbers === "boolean") options.customTxnNumbers = input.customTxnNumbers;
      applyCountryPreset(realm, options);
      core.markDirty();
      return sendJson(reply, 200, {
        CompanyInfo: realm.companyInfo,
        Preferences: realm.preferences,
        TaxCode: realm.taxCodes ?? [],
        CompanyCurrency: realm.currencies ?? [],
      });
    }),
  );

  // What a bookkeeper's "Convert to invoice" leaves on the estimate: a link to the invoice and status Closed.
  app.post(
    `${base}/invoice/:realmId/:id`,
    wrap((request, reply) => {
      const params = request.params as { realmId: string; id: string };
      const realm = realmOr404(params.realmId);
      const existing = realm.entities.Estimate[params.id];
      if (!existing) throw new ControlError(404, "unknown_object", `No Estimate with id ${params.id}.`);
      realm.invoiceSeq = (realm.invoiceSeq ?? 0) + 1;
      const invoiceId = String(1000 + realm.invoiceSeq);
      const linked = Array.isArray(existing.LinkedTxn) ? existing.LinkedTxn : [];
      const saved = editOutOfBand(core.entityContext(realm), "Estimate", params.id, {
        TxnStatus: "Closed",
        LinkedTxn: [...linked, { TxnId: invoiceId, TxnType: "Invoice" }],
      });
      core.markDirty();
      return sendJson(reply, 200, { Estimate: saved, Invoice: { Id: invoiceId } });
    }),
  );

  app.post(
    `${base}/delete/:realmId/:entity/:id`,
    wrap((request, reply) => {
      const params = request.params as { realmId: string; entity: string; id: string };
      const realm = realmOr404(params.realmId);
      const entity = entityName(params.entity);
      if (entity === "Preferences" || entity === "CompanyInfo") {
        throw new ControlError(400, "not_deletable", `${entity} cannot be deleted.`);
      }
      const result = removeOutOfBand(core.entityContext(realm), entity, params.id);
      if (!result) throw new ControlError(404, "unknown_object", `No ${entity} with id ${params.id}.`);
      core.markDirty();
      return sendJson(reply, 200, { [entity]: result });
    }),
  );

  app.post(
    `${base}/faults`,
    wrap((request, reply) => {
      const input = body(request);
      const method = input.method;
      if (method !== undefined && typeof method !== "string") {
        throw new ControlError(400, "invalid_input", "method must be a string.", "method");
      }
      const path = input.path;
      if (path !== undefined) {
        if (typeof path !== "string")
          throw new ControlError(400, "invalid_input", "path must be a string.", "path");
        try {
          new RegExp(path);
        } catch {
          throw new ControlError(400, "invalid_input", "path must be a valid regular expression.", "path");
        }
      }
      const count = positiveInteger(input, "count") ?? 1;
      const status = positiveInteger(input, "status") ?? 500;
      if (status < 100 || status > 599)
        throw new ControlError(400, "invalid_input", "status must be an HTTP status.", "status");
      const mode = oneOf<FaultMode>(input, "mode", ["respond", "commit_then_fail", "delay"]) ?? "respond";
      const delayMs = positiveInteger(input, "delayMs", { allowZero: true }) ?? 0;
      const rule = core.addFault({
        method: method ?? null,
        path: path ?? null,
        status,
        body: input.body,
        remaining: count,
        mode,
        delayMs,
      });
      return sendJson(reply, 201, { ...rule, count });
    }),
  );
  app.get(
    `${base}/faults`,
    wrap((_request, reply) => sendJson(reply, 200, { items: core.faults })),
  );
  app.delete(
    `${base}/faults`,
    wrap((_request, reply) => {
      core.faults = [];
      return reply.code(204).send();
    }),
  );

  app.get(
    `${base}/clock`,
    wrap((_request, reply) =>
      sendJson(reply, 200, {
        now: new Date(core.nowMs()).toISOString(),
        offsetSeconds: core.state.clockOffsetMs / 1000,
      }),
    ),
  );
  app.post(
    `${base}/clock/advance`,
    wrap((request, reply) => {
      const seconds = body(request).seconds;
      if (typeof seconds !== "number" || !Number.isFinite(seconds) || seconds < 0) {
        throw new ControlError(400, "invalid_input", "seconds must be a non-negative number.", "seconds");
      }
      core.advanceClock(seconds);
      return sendJson(reply, 200, {
        now: new Date(core.nowMs()).toISOString(),
        offsetSeconds: core.state.clockOffsetMs / 1000,
      });
    }),
  );

  app.put(
    `${base}/consent`,
    wrap((request, reply) => {
      const input = body(request);
      const mode = oneOf(input, "mode", ["allow", "deny"] as const);
      if (mode) core.state.settings.consent = mode;
      if (input.realmId !== undefined) {
        if (input.realmId === null) core.state.settings.consentRealmId = null;
        else core.state.settings.consentRealmId = realmOr404(String(input.realmId)).realmId;
      }
      core.markDirty();
      return sendJson(reply, 200, { mode: core.state.settings.consent, realmId: core.consentRealmId() });
    }),
  );

  app.put(
    `${base}/tokens/policy`,
    wrap((request, reply) => {
      const rotation = oneOf(body(request), "rotation", ["24h", "always"] as const);
      if (rotation) core.setRotation(rotation);
      return sendJson(reply, 200, { rotation: core.state.settings.rotation });
    }),
  );
  app.post(
    `${base}/tokens/revoke`,
    wrap((request, reply) => {
      const realmId = body(request).realmId;
      if (typeof realmId !== "string")
        throw new ControlError(400, "invalid_input", "realmId is required.", "realmId");
      realmOr404(realmId);
      return sendJson(reply, 200, { revoked: core.revokeRealm(realmId) });
    }),
  );
  app.post(
    `${base}/tokens/expire`,
    wrap((request, reply) => {
      const realmId = body(request).realmId;
      if (realmId !== undefined && typeof realmId !== "string") {
        throw new ControlError(400, "invalid_input", "realmId must be a string.", "realmId");
      }
      return sendJson(reply, 200, { expired: core.expireAccessTokens(realmId ?? null) });
    }),
  );
  app.post(
    `${base}/tokens/issue`,
    wrap((request, reply) => {
      const realmId = body(request).realmId;
      const target = typeof realmId === "string" ? realmOr404(realmId).realmId : core.state.defaultRealmId;
      return sendJson(reply, 201, { realmId: target, ...core.issueTokens(target) });
    }),
  );

  app.get(
    `${base}/settings`,
    wrap((_request, reply) => sendJson(reply, 200, { ...core.state.settings })),
  );
  app.put(
    `${base}/settings`,
    wrap((request, reply) => {
      const input = body(request);
      const settings = core.state.settings;
      settings.requestIdMismatch =
        oneOf(input, "requestIdMismatch", ["replay", "fault600"] as const) ?? settings.requestIdMismatch;
      settings.replayTtlSeconds = positiveInteger(input, "replayTtlSeconds") ?? settings.replayTtlSeconds;
      settings.batchMaxItems = positiveInteger(input, "batchMaxItems") ?? settings.batchMaxItems;
      core.markDirty();
      return sendJson(reply, 200, { ...settings });
    }),
  );

  const webhookView = () => {
    const { verifierToken, ...rest } = core.webhooks.settings;
    return { ...rest, verifierTokenSet: Boolean(verifierToken), enabled: core.webhooks.enabled() };
  };
  app.get(
    `${base}/webhooks`,
    wrap((_request, reply) =>
      sendJson(reply, 200, { ...webhookView(), deliveries: core.webhooks.deliveries }),
    ),
  );
  app.put(
    `${base}/webhooks`,
    wrap((request, reply) => {
      const input = body(request);
      const patch: Partial<WebhookSettings> = {};
      for (const field of ["url", "verifierToken"] as const) {
        const value = input[field];
        if (value === undefined) continue;
        if (value !== null && (typeof value !== "string" || value === "")) {
          throw new ControlError(400, "invalid_input", `${field} must be a non-empty string or null.`, field);
        }
        if (field === "url" && typeof value === "string" && !/^https?:\/\/\S+$/.test(value)) {
          throw new ControlError(400, "invalid_input", "url must be an http(s) URL.", "url");
        }
        patch[field] = value as string | null;
      }
      for (const field of ["batchDelayMs", "retryBaseMs"] as const) {
        const value = positiveInteger(input, field, { allowZero: true });
        if (value !== undefined) patch[field] = value;
      }
      for (const field of ["timeoutMs", "maxAttempts"] as const) {
        const value = positiveInteger(input, field);
        if (value !== undefined) patch[field] = value;
      }
      if (input.entities !== undefined) {
        const list = input.entities;
        if (!Array.isArray(list) || !list.every((e) => ENTITY_NAMES.includes(e as EntityName))) {
          throw new ControlError(
            400,
            "invalid_input",
            `entities must list some of ${ENTITY_NAMES.join(", ")}.`,
            "entities",
          );
        }
        patch.entities = list as EntityName[];
      }
      core.webhooks.configure(patch);
      return sendJson(reply, 200, webhookView());
    }),
  );
  app.post(
    `${base}/webhooks/flush`,
    wrap(async (_request, reply) => {
      await core.webhooks.flush();
      return sendJson(reply, 200, { deliveries: core.webhooks.deliveries.length });
    }),
  );
  app.delete(
    `${base}/webhooks/deliveries`,
    wrap((_request, reply) => {
      core.webhooks.deliveries = [];
      return reply.code(204).send();
    }),
  );
}
