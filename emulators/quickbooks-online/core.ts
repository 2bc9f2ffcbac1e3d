import { randomBytes } from "node:crypto";
import { performance } from "node:perf_hooks";
import type { ChangeOperation, EntityContext } from "./entities.js";
import type { Obj } from "./faults.js";
import { buildSeededRealm } from "./seed.js";
import {
  type EntityName,
  type Limits,
  loadState,
  type PersistedState,
  type RealmState,
  type ReplayRecord,
  type RotationPolicy,
  type Settings,
  saveState,
} from "./state.js";
import { WebhookDispatcher, type WebhookSettings } from "./webhooks.js";

export const DEFAULT_CLIENT_ID = "demo-client-id";
export const DEFAULT_CLIENT_SECRET = "demo-client-secret";
export const ACCOUNTING_SCOPE = "com.intuit.quickbooks.accounting";

const ACCESS_TOKEN_SECONDS = 3600;
/** Observed in Intuit's own fixtures: 101 days, extended on every use. */
const REFRESH_ROLLING_SECONDS = 8_726_400;
const REFRESH_HARD_SECONDS = 5 * 365 * 24 * 3600;
const AUTH_CODE_SECONDS = 600;
const ROTATE_AFTER_MS = 24 * 3600 * 1000;
const REQUEST_LOG_LIMIT = 10_000;

export const DEFAULT_LIMITS: Limits = { perMinute: 500, perSecond: 10, concurrent: 10, batchPerMinute: 40 };

export interface CoreOptions {
  clientId?: string;
  clientSecret?: string;
  stateDir?: string;
  limits?: Partial<Limits>;
  now?: () => number;
  allowedRedirectUris?: string[];
  webhooks?: Partial<WebhookSettings>;
}

/** Change data capture looks back at most this far; the change journal keeps no more. */
export const CHANGE_RETENTION_MS = 30 * 24 * 3600 * 1000;
const CHANGE_JOURNAL_LIMIT = 100_000;

export interface TokenResponse {
  access_token: string;
  refresh_token: string;
  token_type: "bearer";
  expires_in: number;
  x_refresh_token_expires_in: number;
  x_refresh_token_hard_expires_in?: number;
}

export type TokenOutcome = { ok: true; body: TokenResponse } | { ok: false; body: Obj };

export type AuthOutcome = { ok: true } | { ok: false; status: 401 | 403; detail: string };

export type FaultMode = "respond" | "commit_then_fail" | "delay";

export interface FaultRule {
  id: string;
  method: string | null;
  path: string | null;
  status: number;
  body: unknown;
  remaining: number;
  mode: FaultMode;
  delayMs: number;
}

/** Calls QuickBooks meters: reads and queries (CorePlus) and writes (Core), per realm. */
export interface CallCounts {
  reads: number;
  writes: number;
}

export type CallKind = "read" | "write";

export interface RequestLogEntry {
  method: string;
  path: string;
  query: string;
  requestid: string | null;
  status: number;
  replayed: boolean;
  realmId: string | null;
  at: string;
}

function randomToken(prefix: string, length: number): string {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  const bytes = randomBytes(length);
  let out = prefix;
  for (const byte of bytes) out += alphabet[byte % alphabet.length];
  return out;
}

function newAccessToken(): string {
  // Real access tokens are long JWE strings; clients must not assume a length or parse them.
  const segment = () => randomBytes(48).toString("base64url");
  return `eyJlbmMiOiJBMTI4Q0JDLUhTMjU2IiwiYWxnIjoiZGlyIn0..${segment()}.${segment()}${segment()}${segment()}.${segment()}`;
}

export class EmulatorCore {
  state: PersistedState;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly allowedRedirectUris: string[] | null;
  private readonly stateDir: string | null;
  private readonly initialLimits: Limits;
  private readonly baseNow: () => number;
  private dirty = false;
  faults: FaultRule[] = [];
  log: RequestLogEntry[] = [];
  private readonly calls = new Map<string, CallCounts>();
  private faultSeq = 0;
  private readonly inflight = new Map<string, number>();
  private readonly windows = new Map<string, number[]>();
  private readonly batchWindows = new Map<string, number[]>();
  readonly webhooks: WebhookDispatcher;

  constructor(options: CoreOptions = {}) {
    this.webhooks = new WebhookDispatcher(() => this.nowMs());
    if (options.webhooks) this.webhooks.configure(options.webhooks);
    this.clientId = options.clientId ?? DEFAULT_CLIENT_ID;
    this.clientSecret = options.clientSecret ?? DEFAULT_CLIENT_SECRET;
    this.allowedRedirectUris = options.allowedRedirectUris ?? null;
    this.stateDir = options.stateDir ?? null;
    this.baseNow = options.now ?? Date.now;
    this.initialLimits = { ...DEFAULT_LIMITS, ...options.limits };
    const loaded = this.stateDir ? loadState(this.stateDir) : null;
    if (loaded) {
      this.state = loaded;
      if (options.limits) this.state.settings.limits = { ...this.initialLimits };
    } else {
      this.state = this.freshState();
      this.dirty = true;
      this.flush();
    }
  }

  private defaultSettings(): Settings {
    return {
      rotation: "24h",
      consent: "allow",
      consentRealmId: null,
      limits: { ...this.initialLimits },
      requestIdMismatch: "replay",
      replayTtlSeconds: 24 * 3600,
      batchMaxItems: 30,
    };
  }

  private freshState(defaultRealmId?: string): PersistedState {
    const state: PersistedState = {
      version: 1,
      defaultRealmId: "",
      realmSeq: 0,
      realms: {},
      codes: {},
      families: {},
      refreshTokens: {},
      accessTokens: {},
      replay: {},
      clockOffsetMs: 0,
      settings: this.defaultSettings(),
    };
    this.state = state;
    state.defaultRealmId = this.createRealm(defaultRealmId);
    return state;
  }

  nowMs(): number {
    return this.baseNow() + this.state.clockOffsetMs;
  }

  /** Rate windows follow real elapsed time (an injected clock may stand still) plus any control-plane advance. */
  private rateNow(): number {
    return performance.now() + this.state.clockOffsetMs;
  }

  markDirty(): void {
    this.dirty = true;
  }

  flush(): void {
    if (!this.dirty || !this.stateDir) return;
    saveState(this.stateDir, this.state);
    this.dirty = false;
  }

  // -------------------------------------------------------------------------------------------------------------
  // Realms

  createRealm(realmId?: string): string {
    this.state.realmSeq += 1;
    const id = realmId ?? `93414550${String(this.state.realmSeq).padStart(8, "0")}`;
    this.state.realms[id] = buildSeededRealm(id, `Sandbox Company_US_${this.state.realmSeq}`, this.nowMs());
    this.markDirty();
    return id;
  }

  realm(realmId: string): RealmState | undefined {
    return this.state.realms[realmId];
  }

  /** The context entity logic runs in: now, and the journal every change is written to. */
  entityContext(realm: RealmState): EntityContext {
    return {
      realm,
      nowMs: this.nowMs(),
      onChange: (entity, id, operation) => this.recordChange(realm, entity, id, operation),
    };
  }

  /** Journals a change for change data capture and hands it to the webhook dispatcher. */
  recordChange(realm: RealmState, entity: EntityName, id: string, operation: ChangeOperation): void {
    const at = this.nowMs();
    const change = { entity, id, operation, at };
    realm.changes ??= [];
    const journal = realm.changes;
    journal.push(change);
    const cutoff = at - CHANGE_RETENTION_MS;
    let drop = 0;
    while (drop < journal.length && (journal[drop] as { at: number }).at < cutoff) drop++;
    if (journal.length - drop > CHANGE_JOURNAL_LIMIT) drop = journal.length - CHANGE_JOURNAL_LIMIT;
    if (drop > 0) journal.splice(0, drop);
    this.markDirty();
    this.webhooks.notify(realm.realmId, change);
  }

  reset(keepTokens: boolean): void {
    const previous = this.state;
    this.state = this.freshState(previous.defaultRealmId);
    if (keepTokens) {
      this.state.families = previous.families;
      this.state.refreshTokens = previous.refreshTokens;
      this.state.accessTokens = previous.accessTokens;
    }
    this.faults = [];
    this.log = [];
    this.calls.clear();
    this.windows.clear();
    this.batchWindows.clear();
    this.markDirty();
  }

  snapshot(): { realms: Record<string, Record<string, Obj[] | Obj>> } {
    const realms: Record<string, Record<string, Obj[] | Obj>> = {};
    for (const [id, realm] of Object.entries(this.state.realms)) {
      const byEntity: Record<string, Obj[] | Obj> = {};
      for (const [entity, table] of Object.entries(realm.entities)) {
        byEntity[entity] = structuredClone(
          Object.values(table).sort((a, b) => Number(a.Id) - Number(b.Id)),
        ) as Obj[];
      }
      byEntity.CompanyInfo = structuredClone(realm.companyInfo);
      byEntity.Preferences = structuredClone(realm.preferences);
      byEntity.TaxCode = structuredClone(realm.taxCodes ?? []);
      byEntity.TaxRate = structuredClone(realm.taxRates ?? []);
      byEntity.CompanyCurrency = structuredClone(realm.currencies ?? []);
      realms[id] = byEntity;
    }
    return { realms };
  }

  advanceClock(seconds: number): void {
    this.state.clockOffsetMs += Math.round(seconds * 1000);
    this.markDirty();
  }

  // -------------------------------------------------------------------------------------------------------------
  // OAuth

  isRedirectUriAllowed(uri: string): boolean {
    let parsed: URL;
    try {
      parsed = new URL(uri);
    } catch {
      return false;
    }
    if (parsed.protocol !== "http:" && parsed.protocol !== "https:") return false;
    return this.allowedRedirectUris === null || this.allowedRedirectUris.includes(uri);
  }

  consentRealmId(): string {
    const wanted = this.state.settings.consentRealmId;
    return wanted && this.state.realms[wanted] ? wanted : this.state.defaultRealmId;
  }

  issueAuthCode(clientId: string, redirectUri: string, realmId: string): string {
    const code = randomToken("AB11", 46);
    this.state.codes[code] = {
      code,
      clientId,
      redirectUri,
      realmId,
      issuedAt: this.nowMs(),
      used: false,
      familyId: null,
    };
    this.pruneCodes();
    this.markDirty();
    return code;
  }

  private pruneCodes(): void {
    const cutoff = this.nowMs() - 24 * 3600 * 1000;
    for (const [code, record] of Object.entries(this.state.codes)) {
      if (record.issuedAt < cutoff) delete this.state.codes[code];
    }
  }

  private invalidGrant(description?: string): TokenOutcome {
    return {
      ok: false,
      body: description
        ? { error: "invalid_grant", error_description: description }
        : { error: "invalid_grant" },
    };
  }

  exchangeCode(clientId: string, code: string, redirectUri: string, includeHard: boolean): TokenOutcome {
    const record = this.state.codes[code];
    if (!record || record.clientId !== clientId) return this.invalidGrant();
    if (record.used) {
      // Replaying a code is treated as an attack: whatever it produced stops working.
      if (record.familyId) this.revokeFamily(record.familyId);
      this.markDirty();
      return this.invalidGrant();
    }
    if (this.nowMs() - record.issuedAt >= AUTH_CODE_SECONDS * 1000) return this.invalidGrant();
    if (record.redirectUri !== redirectUri) return this.invalidGrant();
    record.used = true;
    const familyId = randomToken("fam-", 16);
    record.familyId = familyId;
    this.state.families[familyId] = {
      id: familyId,
      realmId: record.realmId,
      clientId,
      createdAt: this.nowMs(),
      revoked: false,
    };
    const refreshToken = this.mintRefreshToken(familyId);
    return { ok: true, body: this.tokenResponse(familyId, refreshToken, includeHard) };
  }

  /** Connects a realm without the browser leg, for seeding demo data and tests. */
  issueTokens(realmId: string, includeHard = false): TokenResponse {
    if (!this.state.realms[realmId]) throw new Error(`Unknown realm ${realmId}`);
    const familyId = randomToken("fam-", 16);
    this.state.families[familyId] = {
      id: familyId,
      realmId,
      clientId: this.clientId,
      createdAt: this.nowMs(),
      revoked: false,
    };
    return this.tokenResponse(familyId, this.mintRefreshToken(familyId), includeHard);
  }

  refresh(clientId: string, refreshToken: string, includeHard: boolean): TokenOutcome {
    const record = this.state.refreshTokens[refreshToken];
    const description = "Incorrect or invalid refresh token";
    if (!record) return this.invalidGrant(description);
    const family = this.state.families[record.familyId];
    const now = this.nowMs();
    if (!family || family.revoked || family.clientId !== clientId) return this.invalidGrant(description);
    if (record.superseded || now >= record.expiresAt) return this.invalidGrant(description);
    const rotate = this.state.settings.rotation === "always" || now - record.issuedAt >= ROTATE_AFTER_MS;
    let current = refreshToken;
    if (rotate) {
      record.superseded = true;
      current = this.mintRefreshToken(family.id);
    } else {
      record.expiresAt = this.refreshExpiry(family.createdAt, now);
    }
    return { ok: true, body: this.tokenResponse(family.id, current, includeHard) };
  }

  private refreshExpiry(familyCreatedAt: number, now: number): number {
    return Math.min(now + REFRESH_ROLLING_SECONDS * 1000, familyCreatedAt + REFRESH_HARD_SECONDS * 1000);
  }

  private mintRefreshToken(familyId: string): string {
    const family = this.state.families[familyId];
    const now = this.nowMs();
    const token = randomToken("AB11", 46);
    this.state.refreshTokens[token] = {
      familyId,
      issuedAt: now,
      expiresAt: this.refreshExpiry(family?.createdAt ?? now, now),
      superseded: false,
    };
    this.markDirty();
    return token;
  }

  private tokenResponse(familyId: string, refreshToken: string, includeHard: boolean): TokenResponse {
    const family = this.state.families[familyId];
    const refresh = this.state.refreshTokens[refreshToken];
    if (!family || !refresh) throw new Error("token family vanished");
    const now = this.nowMs();
    const accessToken = newAccessToken();
    this.state.accessTokens[accessToken] = {
      familyId,
      realmId: family.realmId,
      expiresAt: now + ACCESS_TOKEN_SECONDS * 1000,
    };
    this.pruneAccessTokens();
    this.markDirty();
    const body: TokenResponse = {
      access_token: accessToken,
      refresh_token: refreshToken,
      token_type: "bearer",
      expires_in: ACCESS_TOKEN_SECONDS,
      // Whole seconds as of the refresh token's issue, as Intuit answers: the family, the token and this answer are
      // made a few milliseconds apart, which must not turn 5 years into 5 years less a second.
      x_refresh_token_expires_in: Math.max(0, Math.round((refresh.expiresAt - refresh.issuedAt) / 1000)),
    };
    if (includeHard) {
      body.x_refresh_token_hard_expires_in = Math.max(
        0,
        Math.round((family.createdAt + REFRESH_HARD_SECONDS * 1000 - refresh.issuedAt) / 1000),
      );
    }
    return body;
  }

  private pruneAccessTokens(): void {
    const cutoff = this.nowMs() - 24 * 3600 * 1000;
    for (const [token, record] of Object.entries(this.state.accessTokens)) {
      if (record.expiresAt < cutoff) delete this.state.accessTokens[token];
    }
  }

  private revokeFamily(familyId: string): void {
    const family = this.state.families[familyId];
    if (family) family.revoked = true;
    this.markDirty();
  }

  /** Revokes everything issued with the given access or refresh token; unknown tokens are ignored. */
  revokeToken(token: string): boolean {
    const familyId = this.state.refreshTokens[token]?.familyId ?? this.state.accessTokens[token]?.familyId;
    if (!familyId) return false;
    this.revokeFamily(familyId);
    return true;
  }

  revokeRealm(realmId: string): number {
    let count = 0;
    for (const family of Object.values(this.state.families)) {
      if (family.realmId === realmId && !family.revoked) {
        family.revoked = true;
        count += 1;
      }
    }
    this.markDirty();
    return count;
  }

  expireAccessTokens(realmId: string | null): number {
    const now = this.nowMs();
    let count = 0;
    for (const record of Object.values(this.state.accessTokens)) {
      if ((realmId === null || record.realmId === realmId) && record.expiresAt > now) {
        record.expiresAt = now;
        count += 1;
      }
    }
    this.markDirty();
    return count;
  }

  setRotation(policy: RotationPolicy): void {
    this.state.settings.rotation = policy;
    this.markDirty();
  }

  authenticate(header: string | undefined, realmId: string): AuthOutcome {
    const match = header ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
    if (!match)
      return { ok: false, status: 401, detail: "Authorization header missing or not a bearer token" };
    const token = match[1] as string;
    if (token.length < 20 || token.length > 8192) {
      return { ok: false, status: 401, detail: "Malformed bearer token: too short or too long" };
    }
    const shown = `${token.slice(0, 12)}...`;
    const record = this.state.accessTokens[token];
    if (!record) return { ok: false, status: 401, detail: `Token invalid: ${shown}` };
    const family = this.state.families[record.familyId];
    if (!family || family.revoked) return { ok: false, status: 401, detail: `Token revoked: ${shown}` };
    if (this.nowMs() >= record.expiresAt)
      return { ok: false, status: 401, detail: `Token expired: ${shown}` };
    if (record.realmId !== realmId || !this.state.realms[realmId]) {
      return { ok: false, status: 403, detail: "The token is not authorized for this company." };
    }
    return { ok: true };
  }

  // -------------------------------------------------------------------------------------------------------------
  // Limits

  setLimits(limits: Partial<Limits>): Limits {
    this.state.settings.limits = { ...this.state.settings.limits, ...limits };
    this.markDirty();
    return this.state.settings.limits;
  }

  private slide(map: Map<string, number[]>, key: string, windowMs: number, now: number): number[] {
    const list = (map.get(key) ?? []).filter((at) => at > now - windowMs);
    map.set(key, list);
    return list;
  }

  /** Sliding windows per realm; a rejected request is not counted. */
  admit(realmId: string, isBatch: boolean): boolean {
    const limits = this.state.settings.limits;
    const now = this.rateNow();
    const minute = this.slide(this.windows, realmId, 60_000, now);
    const second = minute.filter((at) => at > now - 1000);
    if (minute.length >= limits.perMinute || second.length >= limits.perSecond) return false;
    if ((this.inflight.get(realmId) ?? 0) >= limits.concurrent) return false;
    if (isBatch) {
      const batches = this.slide(this.batchWindows, realmId, 60_000, now);
      if (batches.length >= limits.batchPerMinute) return false;
      batches.push(now);
    }
    minute.push(now);
    return true;
  }

  enter(realmId: string): void {
    this.inflight.set(realmId, (this.inflight.get(realmId) ?? 0) + 1);
  }

  leave(realmId: string): void {
    this.inflight.set(realmId, Math.max(0, (this.inflight.get(realmId) ?? 1) - 1));
  }

  // -------------------------------------------------------------------------------------------------------------
  // Fault injection

  addFault(rule: Omit<FaultRule, "id">): FaultRule {
    this.faultSeq += 1;
    const stored: FaultRule = { ...rule, id: String(this.faultSeq) };
    this.faults.push(stored);
    return stored;
  }

  takeFault(method: string, path: string, pathWithQuery: string): FaultRule | undefined {
    const rule = this.faults.find((candidate) => {
      if (candidate.method && candidate.method.toUpperCase() !== method.toUpperCase()) return false;
      if (candidate.path) {
        const re = new RegExp(candidate.path);
        if (!re.test(path) && !re.test(pathWithQuery)) return false;
      }
      return true;
    });
    if (!rule) return undefined;
    rule.remaining -= 1;
    if (rule.remaining <= 0) this.faults = this.faults.filter((candidate) => candidate !== rule);
    return rule;
  }

  // -------------------------------------------------------------------------------------------------------------
  // requestid replay

  private replayKey(realmId: string, requestid: string): string {
    return `${realmId}\u0000${requestid}`;
  }

  lookupReplay(realmId: string, requestid: string): ReplayRecord | undefined {
    const key = this.replayKey(realmId, requestid);
    const record = this.state.replay[key];
    if (!record) return undefined;
    if (this.nowMs() - record.storedAt > this.state.settings.replayTtlSeconds * 1000) {
      delete this.state.replay[key];
      this.markDirty();
      return undefined;
    }
    record.hits += 1;
    this.markDirty();
    return record;
  }

  storeReplay(realmId: string, requestid: string, record: Omit<ReplayRecord, "storedAt" | "hits">): void {
    this.state.replay[this.replayKey(realmId, requestid)] = { ...record, storedAt: this.nowMs(), hits: 0 };
    this.markDirty();
  }

  // -------------------------------------------------------------------------------------------------------------
  // Request log

  record(entry: RequestLogEntry): void {
    this.log.push(entry);
    if (this.log.length > REQUEST_LOG_LIMIT) this.log.splice(0, this.log.length - REQUEST_LOG_LIMIT);
  }

  // -------------------------------------------------------------------------------------------------------------
  // Metered calls

  countCall(realmId: string, kind: CallKind, n = 1): void {
    const counts = this.calls.get(realmId) ?? { reads: 0, writes: 0 };
    if (kind === "read") counts.reads += n;
    else counts.writes += n;
    this.calls.set(realmId, counts);
  }

  callCounts(realmId: string): CallCounts {
    const counts = this.calls.get(realmId);
    return counts ? { ...counts } : { reads: 0, writes: 0 };
  }

  allCallCounts(): Record<string, CallCounts> {
    return Object.fromEntries([...this.calls].map(([realmId, c]) => [realmId, { ...c }]));
  }

  resetCalls(realmId?: string): void {
    if (realmId === undefined) this.calls.clear();
    else this.calls.delete(realmId);
  }
}
