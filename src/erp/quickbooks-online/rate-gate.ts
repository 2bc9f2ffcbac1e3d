/**
 * Pacing of calls to one QuickBooks company. QuickBooks allows 500 requests a minute per company, 10 a second
 * and 10 in flight per company and app, and answers 429 beyond that; every process talking to a company must
 * share one budget, so production plugs in a gate backed by the shared database. The in-process gate below
 * serves a single process and the tests.
 */
export interface RateGate {
  /**
   * Waits for a slot for `realmId`; the returned function gives the slot back once the response is read. With
   * `maxPauseMs`, a realm paused after a 429 for longer than that is refused at once with RealmPausedError
   * instead of waited for (someone is waiting on the answer).
   */
  acquire(realmId: string, opts?: AcquireOptions): Promise<() => void>;
  /** After a 429: let nothing through to `realmId` for `ms`. */
  backOff?(realmId: string, ms: number): void | Promise<void>;
}

export interface AcquireOptions {
  maxPauseMs?: number;
}

/** The realm is paused after a 429 (its back-off) for `retryAfterMs` more. */
export class RealmPausedError extends Error {
  constructor(
    readonly realmId: string,
    readonly retryAfterMs: number,
  ) {
    super(`QuickBooks company ${realmId} is paused for ${Math.ceil(retryAfterMs / 1000)} s after a 429`);
    this.name = "RealmPausedError";
  }
}

export interface TokenBucketOptions {
  /** Requests per rolling second; default 8 (QuickBooks: 10). */
  perSecond?: number;
  /** Requests per rolling minute; default 400 (QuickBooks: 500), headroom for other apps and retries. */
  perMinute?: number;
  /** Requests in flight at once; default 5 (QuickBooks: 10). */
  concurrent?: number;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

interface RealmState {
  /** Start times of recent requests, oldest first, kept for one minute. */
  starts: number[];
  inFlight: number;
  pausedUntil: number;
  /** FIFO: each acquire waits for the one before it to get its slot. */
  tail: Promise<void>;
  onRelease: Array<() => void>;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export class InProcessRateGate implements RateGate {
  private readonly realms = new Map<string, RealmState>();
  private readonly perSecond: number;
  private readonly perMinute: number;
  private readonly concurrent: number;
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(options: TokenBucketOptions = {}) {
    this.perSecond = options.perSecond ?? 8;
    this.perMinute = options.perMinute ?? 400;
    this.concurrent = options.concurrent ?? 5;
    this.now = options.now ?? Date.now;
    this.sleep = options.sleep ?? defaultSleep;
  }

  private state(realmId: string): RealmState {
    let s = this.realms.get(realmId);
    if (!s) {
      s = { starts: [], inFlight: 0, pausedUntil: 0, tail: Promise.resolve(), onRelease: [] };
      this.realms.set(realmId, s);
    }
    return s;
  }

  acquire(realmId: string, opts: AcquireOptions = {}): Promise<() => void> {
    const s = this.state(realmId);
    const left = s.pausedUntil - this.now();
    if (opts.maxPauseMs !== undefined && left > opts.maxPauseMs) {
      return Promise.reject(new RealmPausedError(realmId, left));
    }
    const turn = s.tail.then(() => this.waitForSlot(s));
    s.tail = turn.then(
      () => undefined,
      () => undefined,
    );
    return turn;
  }

  backOff(realmId: string, ms: number): void {
    const s = this.state(realmId);
    s.pausedUntil = Math.max(s.pausedUntil, this.now() + ms);
  }

  /** Currently in-flight requests for a realm (for tests and metrics). */
  inFlight(realmId: string): number {
    return this.realms.get(realmId)?.inFlight ?? 0;
  }

  private async waitForSlot(s: RealmState): Promise<() => void> {
    for (;;) {
      const now = this.now();
      while (s.starts.length > 0 && s.starts[0]! <= now - 60_000) s.starts.shift();
      if (s.pausedUntil > now) {
        await this.sleep(s.pausedUntil - now);
        continue;
      }
      if (s.inFlight >= this.concurrent) {
        await new Promise<void>((resolve) => s.onRelease.push(resolve));
        continue;
      }
      const lastSecond = s.starts.filter((t) => t > now - 1000);
      if (lastSecond.length >= this.perSecond) {
        await this.sleep(lastSecond[0]! + 1000 - now);
        continue;
      }
      if (s.starts.length >= this.perMinute) {
        await this.sleep(s.starts[0]! + 60_000 - now);
        continue;
      }
      s.starts.push(now);
      s.inFlight++;
      let released = false;
      return () => {
        if (released) return;
        released = true;
        s.inFlight--;
        const waiters = s.onRelease.splice(0);
        for (const w of waiters) w();
      };
    }
  }
}
