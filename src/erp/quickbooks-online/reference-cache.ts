/**
 * What QuickBooks Online told us about the records an export refers to, kept per company (realm) so the next export
 * does not ask again: reads and queries are metered by Intuit, writes are not. Every entry is a hint, never the
 * truth: QuickBooks refuses a write that uses a stale one (610, 2500, 5010), and the export then refreshes that
 * entry and tries once more (see docs/decisions/0008-qbo-reference-cache.md).
 */

/** One remembered record: the QuickBooks entity as last seen (a write's response or a look-up). */
export interface CachedReference {
  /**
   * QuickBooks entity name: Customer, Vendor, Item, Class, Account, Estimate, PurchaseOrder, or Preferences for the
   * company setup.
   */
  entityType: string;
  entityId: string | null;
  syncToken: string | null;
  data: unknown;
  /** When it was stored (ms since the epoch); set by the store. */
  storedAtMs?: number;
}

export interface QboReferenceCache {
  /** The entries stored under these keys for the realm; keys without an entry are absent from the map. */
  load(realmId: string, keys: readonly string[]): Promise<Map<string, CachedReference>>;
  store(realmId: string, entries: ReadonlyArray<readonly [string, CachedReference]>): Promise<void>;
  forget(realmId: string, keys: readonly string[]): Promise<void>;
}

/** Keys of the cache; names are compared the way QuickBooks compares them (trimmed, case-insensitive). */
export const refKey = {
  setup: (currency: string) => `setup:${currency.toUpperCase()}`,
  customerById: (id: string) => `customer:id:${id}`,
  customerByName: (name: string) => `customer:name:${fold(name)}`,
  itemById: (id: string) => `item:id:${id}`,
  itemByName: (name: string) => `item:name:${fold(name)}`,
  incomeAccount: () => "account:income",
  classByName: (name: string) => `class:name:${fold(name)}`,
  estimate: (id: string) => `estimate:id:${id}`,
  vendorById: (id: string) => `vendor:id:${id}`,
  vendorByName: (name: string) => `vendor:name:${fold(name)}`,
  expenseAccount: () => "account:expense",
  payablesAccount: () => "account:payables",
  purchaseOrder: (id: string) => `purchaseorder:id:${id}`,
};

function fold(name: string): string {
  return name.trim().toLowerCase();
}

/** No cache: every look-up goes to QuickBooks (the behaviour before the cache, kept for unit tests). */
export const NO_REFERENCE_CACHE: QboReferenceCache = {
  load: async () => new Map(),
  store: async () => {},
  forget: async () => {},
};

/** A cache held in this process only (unit tests, tools); the product uses the PostgreSQL one. */
export class InMemoryReferenceCache implements QboReferenceCache {
  private readonly entries = new Map<string, CachedReference>();

  async load(realmId: string, keys: readonly string[]): Promise<Map<string, CachedReference>> {
    const out = new Map<string, CachedReference>();
    for (const key of keys) {
      const hit = this.entries.get(`${realmId}\u0000${key}`);
      if (hit) out.set(key, structuredClone(hit));
    }
    return out;
  }

  async store(realmId: string, entries: ReadonlyArray<readonly [string, CachedReference]>): Promise<void> {
    for (const [key, ref] of entries) {
      this.entries.set(`${realmId}\u0000${key}`, { ...structuredClone(ref), storedAtMs: Date.now() });
    }
  }

  async forget(realmId: string, keys: readonly string[]): Promise<void> {
    for (const key of keys) this.entries.delete(`${realmId}\u0000${key}`);
  }

  get size(): number {
    return this.entries.size;
  }
}
