/**
 * A small typed QuickBooks Online v3 client on global fetch, bound to one company (realm). It adds what the
 * public libraries lack: a caller-chosen `requestid` on every write (so a retry replays instead of duplicating),
 * one token refresh and one repeat on 401, a per-request timeout and a shared pace per company.
 */

import { QBO_MINOR_VERSION, type QboEndpoints } from "./endpoints.js";
import { parseQboFault, QboApiError, QboTransportError } from "./errors.js";
import { serializeQboJson } from "./mapping.js";
import type { RateGate } from "./rate-gate.js";
import type { QboCompanyInfo, QboPreferences } from "./types.js";

export interface AccessTokenSource {
  /** A currently valid access token (refreshed first when it is about to expire). */
  getAccessToken(): Promise<string>;
  /** QuickBooks refused `rejected` with 401: return a fresh one (a token someone else just refreshed is fine). */
  refreshAccessToken(rejected: string): Promise<string>;
}

export interface QboRequestLog {
  method: string;
  path: string;
  status: number | null;
  requestId: string | null;
  intuitTid: string | null;
  durationMs: number;
}

export interface QboClientOptions {
  endpoints: QboEndpoints;
  realmId: string;
  tokens: AccessTokenSource;
  /**
   * The pace every client of a realm shares (required: a client with a gate of its own would ignore the other
   * processes and a realm's back-off, and draw 429s). In the product it is the PostgreSQL gate of
   * `createQboService`; build clients through its `clientFor`.
   */
  rateGate: RateGate;
  /** Refuse at once (RealmPausedError) instead of waiting out a realm's back-off longer than this. */
  maxPauseMs?: number;
  /** Per request, including reading the body. QuickBooks itself gives up after 120 s. */
  timeoutMs?: number;
  /** Pause for the realm after a 429 (QUICKBOOKS_THROTTLE_BACKOFF_SECONDS), or Retry-After when longer. */
  throttleBackoffMs?: number;
  minorVersion?: number;
  fetch?: typeof fetch;
  onRequest?: (log: QboRequestLog) => void;
}

/** QuickBooks allows up to 50 characters; longer keys would be refused, shorter ones are fine. */
export const REQUEST_ID_MAX = 50;

const ENTITY_KEYS: Record<string, string> = {
  estimate: "Estimate",
  customer: "Customer",
  item: "Item",
  class: "Class",
  account: "Account",
  preferences: "Preferences",
  companyinfo: "CompanyInfo",
  vendor: "Vendor",
  purchaseorder: "PurchaseOrder",
};

function envelopeKey(entity: string): string {
  return ENTITY_KEYS[entity] ?? entity.charAt(0).toUpperCase() + entity.slice(1);
}

export class QboClient {
  readonly realmId: string;
  private readonly rateGate: RateGate;
  private readonly timeoutMs: number;
  private readonly throttleBackoffMs: number;
  private readonly minorVersion: number;
  private readonly fetchFn: typeof fetch;

  constructor(private readonly options: QboClientOptions) {
    this.realmId = options.realmId;
    this.rateGate = options.rateGate;
    this.timeoutMs = options.timeoutMs ?? 60_000;
    this.throttleBackoffMs = options.throttleBackoffMs ?? 60_000;
    this.minorVersion = Math.max(options.minorVersion ?? QBO_MINOR_VERSION, QBO_MINOR_VERSION);
    this.fetchFn = options.fetch ?? globalThis.fetch;
  }

  async read<T>(entity: string, id: string): Promise<T> {
    const json = await this.send("GET", `/${entity}/${encodeURIComponent(id)}`, {});
    return pick<T>(json, envelopeKey(entity), `read ${entity} ${id}`);
  }

  async preferences(): Promise<QboPreferences> {
    const json = await this.send("GET", "/preferences", {});
    return pick<QboPreferences>(json, "Preferences", "read preferences");
  }

  async companyInfo(): Promise<QboCompanyInfo> {
    const json = await this.send("GET", `/companyinfo/${encodeURIComponent(this.realmId)}`, {});
    return pick<QboCompanyInfo>(json, "CompanyInfo", "read company info");
  }

  /** One page of a query; returns the rows of whichever entity the query selects (empty when none match). */
  async query<T>(statement: string): Promise<T[]> {
    const json = (await this.send("GET", "/query", { query: { query: statement } })) as {
      QueryResponse?: Record<string, unknown>;
    };
    const response = json.QueryResponse ?? {};
    for (const value of Object.values(response)) {
      if (Array.isArray(value)) return value as T[];
    }
    return [];
  }

  /** Every row, a page of `pageSize` at a time (QuickBooks caps a page at 1000). */
  async queryAll<T>(statement: string, pageSize = 1000): Promise<T[]> {
    const rows: T[] = [];
    for (let start = 1; ; start += pageSize) {
      const page = await this.query<T>(`${statement} STARTPOSITION ${start} MAXRESULTS ${pageSize}`);
      rows.push(...page);
      if (page.length < pageSize) return rows;
    }
  }

  /**
   * Change data capture: every object of `entities` changed since `changedSince` (at most 30 days back, at most
   * 1,000 objects), as `{Estimate: [...], Customer: [...]}`; a deleted transaction is `{Id, status: "Deleted"}`.
   * `time` is QuickBooks' clock when it answered.
   */
  async changesSince(
    entities: string[],
    changedSince: Date,
  ): Promise<{ objects: Record<string, Record<string, unknown>[]>; time: string | null }> {
    const json = (await this.send("GET", "/cdc", {
      query: { entities: entities.join(","), changedSince: changedSince.toISOString() },
    })) as { CDCResponse?: { QueryResponse?: Record<string, unknown>[] }[]; time?: string };
    const objects: Record<string, Record<string, unknown>[]> = {};
    for (const response of json.CDCResponse ?? []) {
      for (const part of response.QueryResponse ?? []) {
        for (const [key, value] of Object.entries(part)) {
          if (Array.isArray(value)) objects[key] = [...(objects[key] ?? []), ...value];
        }
      }
    }
    return { objects, time: typeof json.time === "string" ? json.time : null };
  }

  /** Create; `requestId` makes a repeat of this exact call replay QuickBooks' first answer. */
  async create<T>(
    entity: string,
    body: unknown,
    requestId: string,
    query: Record<string, string> = {},
  ): Promise<T> {
    const json = await this.send("POST", `/${entity}`, { body, requestId, query });
    return pick<T>(json, envelopeKey(entity), `create ${entity}`);
  }

  /**
   * Update: the body carries Id and SyncToken. With `"sparse": true` only the fields sent change; without it
   * QuickBooks performs a full update and clears every writable field left out.
   */
  async update<T>(entity: string, body: unknown, requestId: string): Promise<T> {
    const json = await this.send("POST", `/${entity}`, { body, requestId, query: { operation: "update" } });
    return pick<T>(json, envelopeKey(entity), `update ${entity}`);
  }

  private async send(
    method: "GET" | "POST",
    path: string,
    opts: { query?: Record<string, string>; body?: unknown; requestId?: string },
  ): Promise<unknown> {
    if (
      opts.requestId !== undefined &&
      (opts.requestId.length === 0 || opts.requestId.length > REQUEST_ID_MAX)
    ) {
      throw new Error(`requestid must be 1..${REQUEST_ID_MAX} characters: ${opts.requestId}`);
    }
    const url = new URL(
      `${this.options.endpoints.apiBase}/v3/company/${encodeURIComponent(this.realmId)}${path}`,
    );
    for (const [k, v] of Object.entries(opts.query ?? {})) url.searchParams.set(k, v);
    url.searchParams.set("minorversion", String(this.minorVersion));
    if (opts.requestId) url.searchParams.set("requestid", opts.requestId);
    const payload = opts.body === undefined ? undefined : serializeQboJson(opts.body);

    let token = await this.options.tokens.getAccessToken();
    let refreshed = false;
    for (;;) {
      const res = await this.once(method, url, path, payload, token, opts.requestId ?? null);
      if (res.status === 401 && !refreshed) {
        refreshed = true;
        token = await this.options.tokens.refreshAccessToken(token);
        continue;
      }
      if (res.status >= 200 && res.status < 300) {
        try {
          return JSON.parse(res.text) as unknown;
        } catch {
          throw new QboApiError(
            parseQboFault(res.status, `unreadable success body: ${res.text.slice(0, 200)}`, res.headers),
            { method, path },
          );
        }
      }
      const fault = parseQboFault(res.status, res.text, res.headers);
      if (res.status === 429) {
        await this.rateGate.backOff?.(
          this.realmId,
          Math.max(this.throttleBackoffMs, fault.retryAfterMs ?? 0),
        );
      }
      throw new QboApiError(fault, { method, path });
    }
  }

  private async once(
    method: string,
    url: URL,
    path: string,
    payload: string | undefined,
    token: string,
    requestId: string | null,
  ): Promise<{ status: number; text: string; headers: Headers }> {
    const release = await this.rateGate.acquire(
      this.realmId,
      this.options.maxPauseMs === undefined ? {} : { maxPauseMs: this.options.maxPauseMs },
    );
    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, this.timeoutMs);
    const started = performance.now();
    let status: number | null = null;
    let intuitTid: string | null = null;
    try {
      const headers: Record<string, string> = {
        Authorization: `Bearer ${token}`,
        Accept: "application/json",
      };
      if (payload !== undefined) headers["Content-Type"] = "application/json";
      const init: RequestInit = { method, headers, signal: controller.signal };
      if (payload !== undefined) init.body = payload;
      const res = await this.fetchFn(url, init);
      status = res.status;
      intuitTid = res.headers.get("intuit_tid");
      const text = await res.text();
      return { status: res.status, text, headers: res.headers };
    } catch (err) {
      if (timedOut) {
        throw new QboTransportError(
          "timeout",
          `QuickBooks did not answer ${method} ${path} within ${this.timeoutMs} ms`,
          {
            cause: err,
          },
        );
      }
      throw new QboTransportError(
        "network",
        `Could not reach QuickBooks for ${method} ${path}: ${errorText(err)}`,
        {
          cause: err,
        },
      );
    } finally {
      clearTimeout(timer);
      release();
      this.options.onRequest?.({
        method,
        path,
        status,
        requestId,
        intuitTid,
        durationMs: performance.now() - started,
      });
    }
  }
}

function errorText(err: unknown): string {
  if (err instanceof Error) {
    const cause = (err as Error & { cause?: unknown }).cause;
    return cause instanceof Error ? `${err.message} (${cause.message})` : err.message;
  }
  return String(err);
}

function pick<T>(json: unknown, key: string, what: string): T {
  const value = (json as Record<string, unknown> | null)?.[key];
  if (!value || typeof value !== "object") {
    throw new Error(`QuickBooks answered ${what} without ${key}`);
  }
  return value as T;
}

/** Quotes a value for the QuickBooks query language, where an apostrophe is escaped with a backslash. */
export function qboQuote(value: string): string {
  return `'${value.replace(/\\/g, "\\\\").replace(/'/g, "\\'")}'`;
}
