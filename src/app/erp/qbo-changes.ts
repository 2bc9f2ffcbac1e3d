/**
 * What changed in a connected QuickBooks Online company, learnt without polling the objects themselves: Intuit's
 * webhooks (verified, stored, processed by a job) and, when webhooks are not configured or have been quiet, change
 * data capture (one call per company on a schedule). Both feed `takeInChanges`, which is idempotent: a notification
 * about a change already taken in (or an older one) changes nothing, so duplicates and reordering are harmless.
 */
import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import { sql } from "kysely";
import { z } from "zod";
import { QboApiError } from "../../erp/quickbooks-online/errors.js";
import { ownedDigest } from "../../erp/quickbooks-online/mapping.js";
import { refKey } from "../../erp/quickbooks-online/reference-cache.js";
import type { QboEstimate } from "../../erp/quickbooks-online/types.js";
import { enqueue } from "../../jobs/catalog.js";
import type { AppContext } from "../context.js";
import { forgetUnlessCurrent, PgReferenceCache } from "./pg-reference-cache.js";
import { qboServiceFor } from "./qbo-service.js";

/**
 * The entities Costbridge follows: its estimates, and the references an export uses (vendors and the purchase
 * orders of commitments included: a change to one forgets what the reference cache holds about it).
 */
export const WATCHED_ENTITIES = ["Estimate", "Customer", "Item", "Class", "Vendor", "PurchaseOrder"] as const;
export type WatchedEntity = (typeof WATCHED_ENTITIES)[number];
export type ReferenceEntity = Exclude<WatchedEntity, "Estimate">;

/** Without webhooks, change data capture runs for every company at each tick (every minute). */
export const CAPTURE_EVERY_MS_WITHOUT_WEBHOOKS = 60_000;
/** With webhooks, a company none has arrived for in this long gets a change data capture call, at most this often. */
export const WEBHOOKS_QUIET_AFTER_MS = 15 * 60_000;
/** Intuit answers changes of the last 30 days; a first call looks back at most a day less. */
const CAPTURE_MAX_LOOKBACK_MS = 29 * 24 * 3600 * 1000;
/** QuickBooks timestamps are whole seconds: the next call overlaps the last answer by this much. */
const CAPTURE_OVERLAP_MS = 2_000;
const CAPTURE_MAX_OBJECTS = 1000;
const DELIVERY_KEEP_MS = 7 * 24 * 3600 * 1000;

export interface ChangeEvent {
  entity: string;
  id: string;
  operation: string;
  lastUpdated: Date;
  /** The object as QuickBooks holds it now (change data capture carries it; a webhook does not). */
  object?: Record<string, unknown>;
}

export interface ReferenceChange {
  entity: ReferenceEntity;
  id: string;
  operation: string;
  lastUpdated: Date;
}

// -----------------------------------------------------------------------------------------------------------------
// Webhooks

/** Whether `signature` (the `intuit-signature` header) is the HMAC-SHA256 of exactly `raw` under `token`. */
export function verifyIntuitSignature(
  raw: Buffer | string,
  signature: string | undefined,
  token: string,
): boolean {
  if (!signature || signature.length > 200) return false;
  const expected = createHmac("sha256", token).update(raw).digest();
  let given: Buffer;
  try {
    given = Buffer.from(signature.trim(), "base64");
  } catch {
    return false;
  }
  // Equal lengths first (timingSafeEqual requires it); the comparison itself takes the same time for any content.
  if (given.length !== expected.length) return false;
  return timingSafeEqual(given, expected);
}

const notificationSchema = z.object({
  eventNotifications: z
    .array(
      z.object({
        realmId: z.string().min(1).max(100),
        dataChangeEvent: z
          .object({
            entities: z
              .array(
                z.object({
                  name: z.string().min(1).max(100),
                  id: z.string().min(1).max(100),
                  operation: z.string().min(1).max(50),
                  lastUpdated: z.string().min(1).max(100),
                }),
              )
              .max(10_000),
          })
          .optional(),
      }),
    )
    .max(1_000),
});
type Notification = z.infer<typeof notificationSchema>;

/** Parses a verified webhook body; null when it is not a notification Costbridge can read. */
export function parseNotification(raw: string): Notification | null {
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    return null;
  }
  const parsed = notificationSchema.safeParse(json);
  return parsed.success ? parsed.data : null;
}

/**
 * Stores a verified delivery and queues its processing, in one transaction; answers at once. A delivery Intuit
 * repeats (same body) is stored once. Every company it names is marked as having heard from its webhooks now.
 */
export async function receiveWebhook(
  ctx: AppContext,
  raw: string,
  notification: Notification,
): Promise<void> {
  const sha = createHash("sha256").update(raw).digest("hex");
  const now = ctx.now();
  const realms = [...new Set(notification.eventNotifications.map((n) => n.realmId))];
  await ctx.db.transaction().execute(async (tx) => {
    const stored = await tx
      .insertInto("qbo_webhook_deliveries")
      .values({ body_sha256: sha, body: raw, received_at: now })
      .onConflict((oc) => oc.column("body_sha256").doNothing())
      .returning("id")
      .executeTakeFirst();
    for (const realmId of realms) {
      await tx
        .insertInto("qbo_realm_sync")
        .values({ realm_id: realmId, last_webhook_at: now })
        .onConflict((oc) => oc.column("realm_id").doUpdateSet({ last_webhook_at: now }))
        .execute();
    }
    if (stored) {
      await enqueue(tx, "qbo_webhook_delivery", { deliveryId: String(stored.id) });
    }
  });
}

/** The job: takes in the changes a stored delivery names, company by company, then marks it processed. */
export async function processWebhookDelivery(ctx: AppContext, deliveryId: string): Promise<void> {
  const row = await ctx.db
    .selectFrom("qbo_webhook_deliveries")
    .select(["body", "processed_at"])
    .where("id", "=", BigInt(deliveryId))
    .executeTakeFirst();
  if (!row || row.processed_at) return;
  const notification = notificationSchema.safeParse(row.body);
  if (notification.success) {
    for (const n of notification.data.eventNotifications) {
      const events: ChangeEvent[] = [];
      for (const e of n.dataChangeEvent?.entities ?? []) {
        const at = parseQboTime(e.lastUpdated);
        if (at) events.push({ entity: e.name, id: e.id, operation: e.operation, lastUpdated: at });
      }
      await takeInChanges(ctx, n.realmId, events);
    }
  }
  await ctx.db
    .updateTable("qbo_webhook_deliveries")
    .set({ processed_at: ctx.now() })
    .where("id", "=", BigInt(deliveryId))
    .execute();
}

/** QuickBooks writes `2026-03-02T10:14:05-08:00` (and `-0800` in webhooks); null when unreadable. */
export function parseQboTime(text: unknown): Date | null {
  if (typeof text !== "string") return null;
  const normalized = text.replace(/([+-]\d{2})(\d{2})$/, "$1:$2");
  const ms = Date.parse(normalized);
  return Number.isNaN(ms) ? null : new Date(ms);
}

// -----------------------------------------------------------------------------------------------------------------
// Change data capture

interface CaptureOptions {
  /** Call for every company whatever the schedule says (tests, the benchmark). */
  force?: boolean;
  /** Only this company. */
  companyId?: string;
}

/**
 * The scheduled job: one change data capture call per connected company that is due. Without webhooks every
 * company is due at each tick; with webhooks, only one none has arrived for in `WEBHOOKS_QUIET_AFTER_MS`, at most
 * that often. A company's failure is recorded and does not stop the others.
 */
export async function runChangeCapture(ctx: AppContext, opts: CaptureOptions = {}): Promise<number> {
  // Processed deliveries are kept a week: long enough to recognise any repeat Intuit still sends.
  await ctx.db
    .deleteFrom("qbo_webhook_deliveries")
    .where("processed_at", "<", new Date(ctx.now().getTime() - DELIVERY_KEEP_MS))
    .execute();
  let query = ctx.db
    .selectFrom("erp_connections")
    .leftJoin("qbo_realm_sync", "qbo_realm_sync.realm_id", "erp_connections.realm_id")
    .select([
      "erp_connections.company_id",
      "erp_connections.realm_id",
      "erp_connections.connected_at",
      "qbo_realm_sync.last_webhook_at",
      "qbo_realm_sync.cdc_changed_since",
      "qbo_realm_sync.last_cdc_at",
    ])
    .where("erp_connections.type", "=", "quickbooks_online")
    .where("erp_connections.status", "=", "connected")
    .where("erp_connections.realm_id", "is not", null);
  if (opts.companyId) query = query.where("erp_connections.company_id", "=", opts.companyId);
  const rows = await query.execute();
  const now = ctx.now().getTime();
  const webhooks = ctx.config.quickbooks.webhookVerifierToken !== null;
  let calls = 0;
  const asked = new Set<string>();
  for (const r of rows) {
    const realmId = r.realm_id as string;
    // One call per QuickBooks company, whichever Costbridge company connected it.
    if (asked.has(realmId)) continue;
    asked.add(realmId);
    // With webhooks: due once nothing (webhook, change data capture, the connection itself) happened for the
    // company in the quiet period.
    const lastHeard = Math.max(
      r.last_webhook_at?.getTime() ?? 0,
      r.last_cdc_at?.getTime() ?? 0,
      r.connected_at?.getTime() ?? 0,
    );
    const due = opts.force || !webhooks || now - lastHeard >= WEBHOOKS_QUIET_AFTER_MS;
    if (!due) continue;
    const floor = now - CAPTURE_MAX_LOOKBACK_MS;
    const since = Math.max(
      floor,
      r.cdc_changed_since?.getTime() ?? r.connected_at?.getTime() ?? now - 3600_000,
    );
    calls++;
    try {
      await captureRealm(ctx, r.company_id, realmId, new Date(since));
    } catch (e) {
      ctx.log.warn({ realmId, err: String(e) }, "QuickBooks change data capture failed");
      await ctx.db
        .insertInto("qbo_realm_sync")
        .values({ realm_id: realmId, last_cdc_at: ctx.now(), last_cdc_error: String(e).slice(0, 500) })
        .onConflict((oc) =>
          oc
            .column("realm_id")
            .doUpdateSet({ last_cdc_at: ctx.now(), last_cdc_error: String(e).slice(0, 500) }),
        )
        .execute();
    }
  }
  return calls;
}

async function captureRealm(ctx: AppContext, companyId: string, realmId: string, since: Date): Promise<void> {
  const client = await qboServiceFor(ctx).clientFor(companyId, { maxPauseMs: 10_000 });
  const asked = ctx.now();
  const answer = await client.changesSince([...WATCHED_ENTITIES], since);
  const events: ChangeEvent[] = [];
  let newest = 0;
  let count = 0;
  for (const [entity, objects] of Object.entries(answer.objects)) {
    for (const object of objects) {
      count++;
      const meta = object.MetaData as { LastUpdatedTime?: string } | undefined;
      const at = parseQboTime(meta?.LastUpdatedTime) ?? asked;
      newest = Math.max(newest, at.getTime());
      const deleted = object.status === "Deleted";
      events.push({
        entity,
        id: String(object.Id),
        operation: deleted ? "Delete" : "Update",
        lastUpdated: at,
        ...(deleted ? {} : { object }),
      });
    }
  }
  await takeInChanges(ctx, realmId, events);
  // A full answer may have left newer changes out: continue from the newest taken in. Otherwise everything up to
  // QuickBooks' own clock when it answered is in.
  const serverNow = parseQboTime(answer.time)?.getTime() ?? asked.getTime();
  const next =
    count >= CAPTURE_MAX_OBJECTS ? newest : Math.max(since.getTime(), serverNow - CAPTURE_OVERLAP_MS);
  const values = { cdc_changed_since: new Date(next), last_cdc_at: ctx.now(), last_cdc_error: null };
  await ctx.db
    .insertInto("qbo_realm_sync")
    .values({ realm_id: realmId, ...values })
    .onConflict((oc) => oc.column("realm_id").doUpdateSet(values))
    .execute();
}

// -----------------------------------------------------------------------------------------------------------------
// Processing

/**
 * Takes in changes of one QuickBooks company. Per object, only a change newer than (or as new as) the last one
 * taken in counts; estimates Costbridge wrote are checked for edits to what it owns; reference changes are handed
 * to `referencesChanged`.
 */
export async function takeInChanges(ctx: AppContext, realmId: string, events: ChangeEvent[]): Promise<void> {
  // The newest event per object within the batch.
  const newest = new Map<string, ChangeEvent>();
  for (const e of events) {
    if (!(WATCHED_ENTITIES as readonly string[]).includes(e.entity)) continue;
    const key = `${e.entity}\u0000${e.id}`;
    const seen = newest.get(key);
    if (!seen || seen.lastUpdated.getTime() <= e.lastUpdated.getTime()) newest.set(key, e);
  }
  if (newest.size === 0) return;
  // Normally one company per QuickBooks company; several are possible (each its own Costbridge company).
  const companies = (
    await ctx.db
      .selectFrom("erp_connections")
      .select(["company_id"])
      .where("realm_id", "=", realmId)
      .where("type", "=", "quickbooks_online")
      .where("status", "<>", "disconnected")
      .execute()
  ).map((c) => c.company_id);
  const references: ReferenceChange[] = [];
  for (const e of newest.values()) {
    const fresh = await ctx.db
      .insertInto("qbo_entity_changes")
      .values({
        realm_id: realmId,
        entity: e.entity,
        entity_id: e.id,
        operation: e.operation,
        last_updated: e.lastUpdated,
        seen_at: ctx.now(),
      })
      .onConflict((oc) =>
        oc
          .columns(["realm_id", "entity", "entity_id"])
          .doUpdateSet({
            operation: e.operation,
            last_updated: e.lastUpdated,
            seen_at: ctx.now(),
          })
          .where("qbo_entity_changes.last_updated", "<=", e.lastUpdated),
      )
      .returning("entity_id")
      .executeTakeFirst();
    // Older than what was taken in already: it arrived out of order and changes nothing.
    if (!fresh) continue;
    if (e.entity === "Estimate") {
      for (const companyId of companies) await estimateChanged(ctx, companyId, realmId, e);
    } else {
      references.push({
        entity: e.entity as ReferenceEntity,
        id: e.id,
        operation: e.operation,
        lastUpdated: e.lastUpdated,
      });
    }
  }
  if (references.length > 0) {
    for (const companyId of companies) await referencesChanged(ctx, companyId, realmId, references);
  }
}

/**
 * Customers, items or classes changed in QuickBooks. Each change is recorded in `qbo_entity_changes` (by
 * `takeInChanges`, before this is called); this is the one place that acts on them, e.g. dropping what is kept
 * about those references so the next export looks them up again.
 */
export async function referencesChanged(
  ctx: AppContext,
  companyId: string,
  realmId: string,
  changes: ReferenceChange[],
): Promise<void> {
  let forgotten = 0;
  for (const c of changes) {
    forgotten += await forgetUnlessCurrent(
      ctx.db,
      realmId,
      { entityType: c.entity, entityId: c.id, operation: c.operation, lastUpdated: c.lastUpdated },
      lastUpdatedOf,
    );
  }
  ctx.log.debug({ companyId, realmId, changes: changes.length, forgotten }, "QuickBooks references changed");
}

/** When QuickBooks last changed an entity it returned (its `MetaData.LastUpdatedTime`). */
function lastUpdatedOf(data: unknown): Date | null {
  const meta = (data as { MetaData?: { LastUpdatedTime?: unknown } } | null)?.MetaData;
  return parseQboTime(meta?.LastUpdatedTime);
}

/**
 * The estimate as the reference cache holds it, when that is the version the notice is about (Costbridge's own
 * write coming back as a notice): it is then known without a metered read.
 */
async function cachedEstimateAsOf(ctx: AppContext, realmId: string, e: ChangeEvent) {
  const cached = (await new PgReferenceCache(ctx.db).load(realmId, [refKey.estimate(e.id)])).get(
    refKey.estimate(e.id),
  );
  const at = cached ? lastUpdatedOf(cached.data) : null;
  if (!cached || at === null || at.getTime() < e.lastUpdated.getTime()) return undefined;
  return cached.data as Record<string, unknown>;
}

/**
 * An estimate changed in QuickBooks. When it is the one Costbridge last wrote for a project and what Costbridge
 * owns on it (job, lines: amount, item, class, description) differs from what the export recorded, or it was
 * deleted, the export is marked "changed in QuickBooks". Costbridge's own write (same SyncToken) and edits to
 * anything else leave it unmarked; an edit that puts back what Costbridge wrote clears the mark.
 */
async function estimateChanged(ctx: AppContext, companyId: string, realmId: string, e: ChangeEvent) {
  const ours = await ctx.db
    .selectFrom("erp_estimates")
    .select(["project_id", "version", "owned_digest", "changed_in_erp_at"])
    .where("company_id", "=", companyId)
    .where("erp_type", "=", "quickbooks_online")
    .where("estimate_id", "=", e.id)
    .execute();
  if (ours.length === 0) return;
  let current: Record<string, unknown> | null | undefined = e.object;
  if (current === undefined && e.operation !== "Delete") current = await cachedEstimateAsOf(ctx, realmId, e);
  if (current === undefined && e.operation !== "Delete") {
    try {
      const client = await qboServiceFor(ctx).clientFor(companyId, { maxPauseMs: 10_000 });
      current = await client.read<Record<string, unknown>>("estimate", e.id);
    } catch (err) {
      // Deleted since the notification was sent (610 object not found, or "deleted transaction").
      if (
        err instanceof QboApiError &&
        err.fault.status === 400 &&
        /610|deleted/i.test(`${err.fault.code} ${err.fault.detail}`)
      ) {
        current = null;
      } else throw err;
    }
  }
  if (e.operation === "Delete") current = null;
  for (const row of ours) {
    const version = current ? String(current.SyncToken ?? "") : "deleted";
    if (current && version === row.version) continue;
    const moved =
      current === null ||
      row.owned_digest === null ||
      ownedDigest(current as unknown as Pick<QboEstimate, "CustomerRef" | "Line">) !== row.owned_digest;
    if (!moved && row.changed_in_erp_at === null) continue;
    await ctx.db
      .updateTable("erp_estimates")
      .set(
        moved
          ? {
              changed_in_erp_at: sql`coalesce(changed_in_erp_at, ${ctx.now()})`,
              changed_in_erp_version: version,
            }
          : { changed_in_erp_at: null, changed_in_erp_version: null },
      )
      .where("company_id", "=", companyId)
      .where("project_id", "=", row.project_id)
      .where("erp_type", "=", "quickbooks_online")
      .where("estimate_id", "=", e.id)
      // An export that rewrote the estimate meanwhile has its own version: not this change's business.
      .where("version", "=", row.version)
      .execute();
  }
}

// -----------------------------------------------------------------------------------------------------------------
// What the screens show

/** The "changed in QuickBooks" mark of a project's exported estimate, or null. */
export async function changedInQuickBooks(
  ctx: AppContext,
  companyId: string,
  projectId: string,
): Promise<{ at: string; estimateId: string; submissionId: string } | null> {
  const row = await ctx.db
    .selectFrom("erp_estimates")
    .select(["changed_in_erp_at", "estimate_id", "submission_id"])
    .where("company_id", "=", companyId)
    .where("project_id", "=", projectId)
    .where("erp_type", "=", "quickbooks_online")
    .where("changed_in_erp_at", "is not", null)
    .executeTakeFirst();
  if (!row?.changed_in_erp_at) return null;
  return {
    at: row.changed_in_erp_at.toISOString(),
    estimateId: row.estimate_id,
    submissionId: row.submission_id,
  };
}

/** For the Connection tab: whether webhooks are configured and arriving, and how change data capture fares. */
export async function changeNotificationsOf(ctx: AppContext, realmId: string | null) {
  const sync = realmId
    ? await ctx.db.selectFrom("qbo_realm_sync").selectAll().where("realm_id", "=", realmId).executeTakeFirst()
    : undefined;
  const configured = ctx.config.quickbooks.webhookVerifierToken !== null;
  return {
    webhooksConfigured: configured,
    lastWebhookAt: sync?.last_webhook_at?.toISOString() ?? null,
    lastChangeCaptureAt: sync?.last_cdc_at?.toISOString() ?? null,
    lastChangeCaptureError: sync?.last_cdc_error ?? null,
    /** How often change data capture runs for this company now. */
    changeCaptureEverySeconds: configured
      ? WEBHOOKS_QUIET_AFTER_MS / 1000
      : CAPTURE_EVERY_MS_WITHOUT_WEBHOOKS / 1000,
  };
}
