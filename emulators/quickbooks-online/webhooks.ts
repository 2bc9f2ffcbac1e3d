import { createHmac } from "node:crypto";
import type { ChangeRecord, EntityName } from "./state.js";
import { formatTimestamp } from "./time.js";

/** Where and how the emulator delivers change notifications, as an app's webhook settings at Intuit say. */
export interface WebhookSettings {
  /** The app's endpoint; null: no deliveries. */
  url: string | null;
  /** The app's verifier token: the key of the `intuit-signature` HMAC; null: no deliveries. */
  verifierToken: string | null;
  /** Entities whose changes are notified. */
  entities: EntityName[];
  /** Changes are gathered this long before one delivery carries them all. */
  batchDelayMs: number;
  /** A delivery not answered 2xx within this is a failure. */
  timeoutMs: number;
  /** Attempts per delivery, the first included. */
  maxAttempts: number;
  /** Wait before the second attempt; doubled before each further one. */
  retryBaseMs: number;
}

export const DEFAULT_WEBHOOK_SETTINGS: WebhookSettings = {
  url: null,
  verifierToken: null,
  entities: ["Estimate", "Customer", "Item", "Class"],
  batchDelayMs: 250,
  timeoutMs: 5_000,
  maxAttempts: 5,
  retryBaseMs: 1_000,
};

export interface DeliveryAttempt {
  at: string;
  /** HTTP status, or null when the request failed or timed out. */
  status: number | null;
  error?: string;
}

export interface DeliveryRecord {
  id: number;
  state: "pending" | "delivered" | "failed";
  events: number;
  body: string;
  signature: string;
  attempts: DeliveryAttempt[];
}

interface PendingEvent {
  realmId: string;
  change: ChangeRecord;
}

const DELIVERY_LOG_LIMIT = 500;

/** `intuit-signature`: base64 of the HMAC-SHA256 of the exact body bytes, keyed with the verifier token. */
export function intuitSignature(body: string, verifierToken: string): string {
  return createHmac("sha256", verifierToken).update(body, "utf8").digest("base64");
}

/**
 * Gathers changes for a short while and posts them as one signed notification, grouped by company, retrying a
 * delivery that is not answered 2xx in time with a doubling wait. Nothing is persisted: pending deliveries are lost
 * with the process (an app catches up through change data capture, as it must with Intuit too).
 */
export class WebhookDispatcher {
  settings: WebhookSettings = { ...DEFAULT_WEBHOOK_SETTINGS };
  deliveries: DeliveryRecord[] = [];
  private pending: PendingEvent[] = [];
  private timer: NodeJS.Timeout | null = null;
  private readonly inflight = new Set<Promise<void>>();
  private seq = 0;
  private closed = false;

  constructor(private readonly nowMs: () => number) {}

  configure(patch: Partial<WebhookSettings>): WebhookSettings {
    this.settings = { ...this.settings, ...patch };
    return this.settings;
  }

  enabled(): boolean {
    return Boolean(this.settings.url && this.settings.verifierToken) && !this.closed;
  }

  notify(realmId: string, change: ChangeRecord): void {
    if (!this.enabled() || !this.settings.entities.includes(change.entity)) return;
    this.pending.push({ realmId, change });
    if (!this.timer) {
      this.timer = setTimeout(() => this.flush(), this.settings.batchDelayMs);
      this.timer.unref();
    }
  }

  /** Sends what is gathered now; resolves when every delivery under way has ended (delivered or given up). */
  async flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const events = this.pending;
    this.pending = [];
    if (events.length > 0 && this.enabled()) {
      const run = this.deliver(events);
      this.inflight.add(run);
      void run.finally(() => this.inflight.delete(run));
    }
    await Promise.all([...this.inflight]);
  }

  /** Stops gathering and waits at most `ms` for deliveries under way. */
  async close(ms = 2_000): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.pending = [];
    await Promise.race([Promise.all([...this.inflight]), new Promise((r) => setTimeout(r, ms).unref())]);
  }

  private payload(events: PendingEvent[]): string {
    const byRealm = new Map<string, PendingEvent[]>();
    for (const e of events) byRealm.set(e.realmId, [...(byRealm.get(e.realmId) ?? []), e]);
    return JSON.stringify({
      eventNotifications: [...byRealm].map(([realmId, list]) => ({
        realmId,
        dataChangeEvent: {
          entities: list.map(({ change }) => ({
            name: change.entity,
            id: change.id,
            operation: change.operation,
            lastUpdated: formatTimestamp(change.at),
          })),
        },
      })),
    });
  }

  private async deliver(events: PendingEvent[]): Promise<void> {
    const { url, verifierToken, maxAttempts, retryBaseMs, timeoutMs } = this.settings;
    if (!url || !verifierToken) return;
    const body = this.payload(events);
    this.seq += 1;
    const record: DeliveryRecord = {
      id: this.seq,
      state: "pending",
      events: events.length,
      body,
      signature: intuitSignature(body, verifierToken),
      attempts: [],
    };
    this.deliveries.push(record);
    if (this.deliveries.length > DELIVERY_LOG_LIMIT) this.deliveries.shift();
    for (let attempt = 1; attempt <= maxAttempts; attempt++) {
      if (attempt > 1) await new Promise((r) => setTimeout(r, retryBaseMs * 2 ** (attempt - 2)));
      const at = new Date(this.nowMs()).toISOString();
      try {
        const res = await fetch(url, {
          method: "POST",
          headers: { "content-type": "application/json", "intuit-signature": record.signature },
          body,
          signal: AbortSignal.timeout(timeoutMs),
        });
        await res.arrayBuffer().catch(() => undefined);
        record.attempts.push({ at, status: res.status });
        if (res.ok) {
          record.state = "delivered";
          return;
        }
      } catch (error) {
        record.attempts.push({ at, status: null, error: (error as Error).name || String(error) });
      }
    }
    record.state = "failed";
  }
}
