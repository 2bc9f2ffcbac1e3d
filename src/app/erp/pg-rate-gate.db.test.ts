import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../../../test/support/db.js";
import { createDatabase, type Database } from "../../db/database.js";
import { PgRateGate } from "./pg-rate-gate.js";

// Two connection pools on one database stand for two worker processes: the gate must hold across them.
let t: TestDatabase;
let other: Database;

beforeAll(async () => {
  t = await createTestDatabase();
  other = createDatabase(t.url, { max: 5 });
});
afterAll(async () => {
  await other.close();
  await t.drop();
});

/** Start instants the database recorded for a realm's admitted calls, in ms, oldest first. */
async function starts(realmId: string): Promise<number[]> {
  const rows = await t.db
    .selectFrom("qbo_rate_calls")
    .select("started_at")
    .where("realm_id", "=", realmId)
    .orderBy("started_at")
    .execute();
  return rows.map((r) => r.started_at.getTime());
}

/**
 * Runs `count` calls through the gates in turn, each released as soon as it is let through, and returns the
 * instants the gate holds them at: when each answer was back, the latest QuickBooks could have counted it.
 */
async function run(gates: PgRateGate[], realmId: string, count: number): Promise<number[]> {
  await Promise.all(
    Array.from({ length: count }, (_, i) => gates[i % gates.length]!.acquire(realmId).then((r) => r())),
  );
  // Releases are recorded in the background; wait until every one is.
  for (;;) {
    const open = await t.db
      .selectFrom("qbo_rate_calls")
      .select("id")
      .where("realm_id", "=", realmId)
      .where("lease_until", "is not", null)
      .execute();
    if (open.length === 0) break;
    await new Promise((r) => setTimeout(r, 10));
  }
  return starts(realmId);
}

/** The most calls that started within any window of `ms`. */
function busiest(times: number[], ms: number): number {
  let best = 0;
  for (let i = 0; i < times.length; i++) {
    let n = 0;
    for (let j = i; j < times.length && times[j]! - times[i]! < ms; j++) n++;
    best = Math.max(best, n);
  }
  return best;
}

describe("PostgreSQL rate gate", () => {
  it("keeps two processes together within the per-second limit, and uses it", async () => {
    const opts = { perSecond: 4, perMinute: 1000, secondWindowMs: 300, minuteWindowMs: 10_000 };
    const a = new PgRateGate(t.db, opts);
    const b = new PgRateGate(other.db, opts);
    const times = await run([a, b], "realm-second", 24);
    expect(times).toHaveLength(24);
    expect(busiest(times, 300)).toBe(4);
  });

  it("keeps the per-minute limit across processes", async () => {
    const opts = { perSecond: 100, perMinute: 5, secondWindowMs: 100, minuteWindowMs: 600 };
    const a = new PgRateGate(t.db, opts);
    const b = new PgRateGate(other.db, opts);
    const times = await run([a, b], "realm-minute", 12);
    expect(times).toHaveLength(12);
    expect(busiest(times, 600)).toBe(5);
  });

  it("lets no more calls be in flight than allowed until one is released", async () => {
    const a = new PgRateGate(t.db, { concurrent: 2 });
    const b = new PgRateGate(other.db, { concurrent: 2 });
    const first = await a.acquire("realm-conc");
    await a.acquire("realm-conc");
    let third = false;
    const waiting = b.acquire("realm-conc").then((release) => {
      third = true;
      return release;
    });
    // Give the waiting process several looks at the database: it must stay out while two are in flight.
    await new Promise((r) => setTimeout(r, 150));
    expect(third).toBe(false);
    first();
    (await waiting)();
    expect(third).toBe(true);
  });

  it("counts a call still in flight as just started, so a slow request cannot make later ones look early", async () => {
    const a = new PgRateGate(t.db, { perSecond: 1, perMinute: 1000, secondWindowMs: 200 });
    const b = new PgRateGate(other.db, { perSecond: 1, perMinute: 1000, secondWindowMs: 200 });
    const slow = await a.acquire("realm-slow");
    // Long after it was admitted the call is still out: it holds the one slot of the current second.
    await new Promise((r) => setTimeout(r, 300));
    let admitted = false;
    const next = b.acquire("realm-slow").then((release) => {
      admitted = true;
      return release;
    });
    await new Promise((r) => setTimeout(r, 100));
    expect(admitted).toBe(false);
    slow();
    const times = await run([b], "realm-slow", 0);
    (await next)();
    const [slowAt, nextAt] = await run([b], "realm-slow", 0);
    expect(times).toHaveLength(1);
    // The slow call is on record from when its answer came; the next one a full window after that.
    expect(nextAt! - slowAt!).toBeGreaterThanOrEqual(200);
  });

  it("gives back the slot of a process that died holding it once its lease runs out", async () => {
    const dead = new PgRateGate(t.db, { concurrent: 1, leaseMs: 200 });
    const alive = new PgRateGate(other.db, { concurrent: 1, leaseMs: 200 });
    await dead.acquire("realm-lease"); // never released
    (await alive.acquire("realm-lease"))();
    const [held, next] = await starts("realm-lease");
    expect(next! - held!).toBeGreaterThanOrEqual(190);
  });

  it("pauses every process after a 429 seen by one", async () => {
    const a = new PgRateGate(t.db);
    const b = new PgRateGate(other.db);
    await a.backOff("realm-429", 250);
    const pause = await t.db
      .selectFrom("qbo_rate_realms")
      .select("paused_until")
      .where("realm_id", "=", "realm-429")
      .executeTakeFirstOrThrow();
    (await b.acquire("realm-429"))();
    const [at] = await starts("realm-429");
    expect(at).toBeGreaterThanOrEqual(pause.paused_until!.getTime());
  });

  it("applies a realm's own limits over the process defaults", async () => {
    const a = new PgRateGate(t.db, { perSecond: 100, secondWindowMs: 300 });
    await a.setRealmLimits("realm-own", { perSecond: 2 });
    expect(busiest(await run([a], "realm-own", 6), 300)).toBe(2);
    // Other realms keep the defaults.
    expect(busiest(await run([a], "realm-default", 6), 300)).toBe(6);
  });
});
