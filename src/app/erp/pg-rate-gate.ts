import { sql } from "kysely";
import type { Db } from "../../db/database.js";
import {
  type AcquireOptions,
  type RateGate,
  RealmPausedError,
} from "../../erp/quickbooks-online/rate-gate.js";

export interface PgRateGateOptions {
  /** Calls per rolling minute per realm; default 490 (QuickBooks: 500; the rest absorbs clock and travel jitter). */
  perMinute?: number;
  /** Calls per rolling second per realm; default 10 (QuickBooks: 10), over a window stretched by `marginMs`. */
  perSecond?: number;
  /** Calls in flight per realm; default 10 (QuickBooks: 10). */
  concurrent?: number;
  /**
   * How much longer than QuickBooks' own our windows are; default 100 ms on the second and 1 s on the minute.
   * Our instant is taken before a request travels, QuickBooks' on arrival: one call held up on the way would
   * otherwise let the next ones land inside the same QuickBooks second.
   */
  secondWindowMs?: number;
  minuteWindowMs?: number;
  /** A slot held this long is given back even if its process died before releasing it; default 70 s. */
  leaseMs?: number;
  sleep?: (ms: number) => Promise<void>;
}

interface Admission {
  call_id: bigint | string | null;
  wait_ms: number;
  reason: string;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * The QuickBooks Online pace shared by every process through PostgreSQL: per realm, a sliding-window count of
 * the calls of the last second and minute and the calls still in flight, decided under a row lock of the realm
 * by one SQL function (migrations/0004_perf.sql). A finished call is counted from when its answer came back and
 * one in flight as if it started now, so a request that waited in an event loop or on the network can never
 * look later to QuickBooks than to us. Sliding windows rather than a refilling bucket
 * because that is how QuickBooks counts: a bucket that can never trip 10-per-second while sustaining 8 a second
 * allows a burst of only one or two, where a window lets a small export's ten calls go at once and still fills
 * the minute. Within a process, callers for one realm queue in order, so only one of them asks the database at
 * a time; across processes the row lock orders them.
 */
export class PgRateGate implements RateGate {
  private readonly perMinute: number;
  private readonly perSecond: number;
  private readonly concurrent: number;
  private readonly secondWindowMs: number;
  private readonly minuteWindowMs: number;
  private readonly leaseMs: number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly tails = new Map<string, Promise<void>>();
  /** Woken when a call of this process releases its slot, instead of waiting for the next look. */
  private readonly releaseWaiters = new Map<string, Array<() => void>>();

  constructor(
    private readonly db: Db,
    options: PgRateGateOptions = {},
  ) {
    this.perMinute = options.perMinute ?? 490;
    this.perSecond = options.perSecond ?? 10;
    this.concurrent = options.concurrent ?? 10;
    this.secondWindowMs = options.secondWindowMs ?? 1_100;
    this.minuteWindowMs = options.minuteWindowMs ?? 61_000;
    this.leaseMs = options.leaseMs ?? 70_000;
    this.sleep = options.sleep ?? defaultSleep;
  }

  acquire(realmId: string, opts: AcquireOptions = {}): Promise<() => void> {
    const before = this.tails.get(realmId) ?? Promise.resolve();
    const turn = before.then(() => this.admit(realmId, opts.maxPauseMs));
    const tail = turn.then(
      () => undefined,
      () => undefined,
    );
    this.tails.set(realmId, tail);
    // Forget an idle realm so the map does not grow with every realm ever seen.
    void tail.then(() => {
      if (this.tails.get(realmId) === tail) this.tails.delete(realmId);
    });
    return turn;
  }

  async backOff(realmId: string, ms: number): Promise<void> {
    await sql`insert into qbo_rate_realms (realm_id, paused_until, updated_at)
      values (${realmId}, clock_timestamp() + make_interval(secs => ${Math.max(0, ms)}::float8 / 1000), now())
      on conflict (realm_id) do update
        set paused_until = greatest(qbo_rate_realms.paused_until, excluded.paused_until), updated_at = now()`.execute(
      this.db,
    );
  }

  /** Per-realm limits that differ from this process's defaults (null = default). */
  async setRealmLimits(
    realmId: string,
    limits: { perMinute?: number | null; perSecond?: number | null; concurrent?: number | null },
  ): Promise<void> {
    await sql`insert into qbo_rate_realms (realm_id, per_minute, per_second, concurrent, updated_at)
      values (${realmId}, ${limits.perMinute ?? null}::int, ${limits.perSecond ?? null}::int,
              ${limits.concurrent ?? null}::int, now())
      on conflict (realm_id) do update
        set per_minute = excluded.per_minute, per_second = excluded.per_second,
            concurrent = excluded.concurrent, updated_at = now()`.execute(this.db);
  }

  private async admit(realmId: string, maxPauseMs: number | undefined): Promise<() => void> {
    for (;;) {
      const { rows } = await sql<Admission>`select call_id, wait_ms, reason from qbo_rate_acquire(
          ${realmId}::text, ${this.perMinute}::int, ${this.perSecond}::int, ${this.concurrent}::int,
          ${this.minuteWindowMs}::int, ${this.secondWindowMs}::int, ${this.leaseMs}::int)`.execute(this.db);
      const a = rows[0];
      if (a?.call_id != null) return this.releaser(realmId, String(a.call_id));
      const wait = Math.max(1, a?.wait_ms ?? 10);
      if (a?.reason === "paused" && maxPauseMs !== undefined && wait > maxPauseMs) {
        throw new RealmPausedError(realmId, wait);
      }
      if (a?.reason === "concurrent" || a?.reason === "in_flight") await this.untilReleaseOr(realmId, wait);
      else await this.sleep(wait);
    }
  }

  private releaser(realmId: string, callId: string): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      // From now on the call counts from when its answer was back, by the database's clock: QuickBooks counted
      // it at some instant before that, and a request held up on its way must not make the next ones look early.
      // The caller has its answer already; a failed release only holds the slot until its lease runs out.
      sql`update qbo_rate_calls set lease_until = null, started_at = greatest(started_at, clock_timestamp())
          where realm_id = ${realmId} and id = ${callId}::bigint`
        .execute(this.db)
        .catch(() => {})
        .finally(() => {
          const waiters = this.releaseWaiters.get(realmId);
          if (!waiters) return;
          this.releaseWaiters.delete(realmId);
          for (const w of waiters) w();
        });
    };
  }

  private untilReleaseOr(realmId: string, ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      let done = false;
      const finish = () => {
        if (done) return;
        done = true;
        resolve();
      };
      const list = this.releaseWaiters.get(realmId) ?? [];
      list.push(finish);
      this.releaseWaiters.set(realmId, list);
      void this.sleep(ms).then(finish);
    });
  }
}
