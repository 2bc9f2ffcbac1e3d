import { sql } from "kysely";
import type { Db } from "../../db/database.js";
import type { CachedReference, QboReferenceCache } from "../../erp/quickbooks-online/reference-cache.js";

/**
 * The QuickBooks Online reference cache in PostgreSQL, so the web and worker processes share what any of them
 * learned. One round trip to load an export's entries, one per write to store what QuickBooks answered.
 */
export class PgReferenceCache implements QboReferenceCache {
  constructor(private readonly db: Db) {}

  async load(realmId: string, keys: readonly string[]): Promise<Map<string, CachedReference>> {
    const out = new Map<string, CachedReference>();
    if (keys.length === 0) return out;
    const rows = await this.db
      .selectFrom("qbo_reference_cache")
      .select(["cache_key", "entity_type", "entity_id", "sync_token", "data", "stored_at"])
      .where("realm_id", "=", realmId)
      .where("cache_key", "in", [...keys])
      .execute();
    for (const r of rows) {
      out.set(r.cache_key, {
        entityType: r.entity_type,
        entityId: r.entity_id,
        syncToken: r.sync_token,
        data: r.data,
        storedAtMs: r.stored_at.getTime(),
      });
    }
    return out;
  }

  async store(realmId: string, entries: ReadonlyArray<readonly [string, CachedReference]>): Promise<void> {
    if (entries.length === 0) return;
    // One row per key: the last entry for a key in this batch wins.
    const byKey = new Map(entries.map(([key, ref]) => [key, ref]));
    await this.db
      .insertInto("qbo_reference_cache")
      .values(
        [...byKey].map(([key, ref]) => ({
          realm_id: realmId,
          cache_key: key,
          entity_type: ref.entityType,
          entity_id: ref.entityId,
          sync_token: ref.syncToken,
          data: JSON.stringify(ref.data),
        })),
      )
      .onConflict((oc) =>
        oc.columns(["realm_id", "cache_key"]).doUpdateSet((eb) => ({
          entity_type: eb.ref("excluded.entity_type"),
          entity_id: eb.ref("excluded.entity_id"),
          sync_token: eb.ref("excluded.sync_token"),
          data: eb.ref("excluded.data"),
          stored_at: sql<Date>`now()`,
        })),
      )
      .execute();
  }

  async forget(realmId: string, keys: readonly string[]): Promise<void> {
    if (keys.length === 0) return;
    await this.db
      .deleteFrom("qbo_reference_cache")
      .where("realm_id", "=", realmId)
      .where("cache_key", "in", [...keys])
      .execute();
  }
}

/**
 * A change notice about one record: forgets what the cache holds about it unless the cache already holds that
 * version or a newer one (Costbridge's own writes come back as notices and must not empty the cache). A deletion
 * always forgets. `updatedAt` reads the time QuickBooks last changed a cached entity. Returns entries removed.
 */
export async function forgetUnlessCurrent(
  db: Db,
  realmId: string,
  change: { entityType: string; entityId: string; operation: string; lastUpdated: Date },
  updatedAt: (data: unknown) => Date | null,
): Promise<number> {
  const rows = await db
    .selectFrom("qbo_reference_cache")
    .select(["cache_key", "data"])
    .where("realm_id", "=", realmId)
    .where("entity_type", "=", change.entityType)
    .where("entity_id", "=", change.entityId)
    .execute();
  const stale = rows
    .filter((r) => {
      if (change.operation === "Delete") return true;
      const cachedAt = updatedAt(r.data);
      return cachedAt === null || cachedAt.getTime() < change.lastUpdated.getTime();
    })
    .map((r) => r.cache_key);
  if (stale.length === 0) return 0;
  await new PgReferenceCache(db).forget(realmId, stale);
  return stale.length;
}

/** Entity types a change notice can name; Preferences and CompanyInfo (and tax codes) stand for the company setup. */
export type QuickBooksEntityType =
  | "Customer"
  | "Vendor"
  | "Item"
  | "Class"
  | "Account"
  | "Estimate"
  | "PurchaseOrder"
  | "Preferences"
  | "CompanyInfo"
  | "TaxCode"
  | "TaxRate"
  | "CompanyCurrency"
  | (string & {});

const SETUP_TYPES = new Set(["Preferences", "CompanyInfo", "TaxCode", "TaxRate", "CompanyCurrency"]);

/**
 * Forgets what the cache holds about one QuickBooks record of a realm (every key it is stored under), so the next
 * export looks it up again. For Preferences, CompanyInfo, TaxCode, TaxRate and CompanyCurrency the id is not needed:
 * the company setup as a whole is forgotten. Returns how many entries were removed.
 */
export async function forgetQuickBooksReference(
  db: Db,
  realmId: string,
  entityType: QuickBooksEntityType,
  entityId: string | null,
): Promise<number> {
  let q = db.deleteFrom("qbo_reference_cache").where("realm_id", "=", realmId);
  if (SETUP_TYPES.has(entityType)) {
    q = q.where("entity_type", "=", "Preferences");
  } else {
    if (entityId === null) return 0;
    q = q.where("entity_type", "=", entityType).where("entity_id", "=", entityId);
  }
  const result = await q.executeTakeFirst();
  return Number(result.numDeletedRows ?? 0);
}
