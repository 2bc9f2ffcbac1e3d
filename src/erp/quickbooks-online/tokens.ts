/**
 * Intuit OAuth 2.0 for QuickBooks Online: the authorization-code leg, refresh and revoke, and a token manager
 * that keeps refreshes single-flight. Intuit rotates the refresh token and the superseded value soon stops
 * working, so two processes refreshing at once, or a new refresh token used before it is stored, can lose the
 * connection for good. Hence: refresh only under the vault's lease (claimed in a statement of its own, never a
 * transaction held open while Intuit answers), re-check under it whether another holder already refreshed, keep
 * a new pair Intuit issued in memory and store it as soon as the database takes it, and never retry a refused
 * refresh.
 */
import { randomUUID } from "node:crypto";
import type { AccessTokenSource } from "./client.js";
import { QBO_ACCOUNTING_SCOPE, type QboEndpoints } from "./endpoints.js";
import {
  parseQboFault,
  QboApiError,
  QboClientCredentialsError,
  QboReconnectNeededError,
  QboTransportError,
} from "./errors.js";

export interface TokenGrant {
  accessToken: string;
  accessTokenExpiresAt: Date;
  refreshToken: string;
  /** Rolling expiry of the refresh token (`x_refresh_token_expires_in`), when Intuit sent it. */
  refreshTokenExpiresAt: Date | null;
}

export interface StoredTokens extends TokenGrant {
  realmId: string;
}

/** The connection's refresh lease, claimed: the tokens as they were and their version. */
export interface RefreshLease {
  tokens: StoredTokens | null;
  version: number;
}

/**
 * Where a connection's tokens live. Production keeps them encrypted in PostgreSQL; the refresh lease is a pair
 * of columns on the connection's row, so it spans every process and survives none of them holding a transaction.
 */
export interface TokenVault {
  read(connectionId: string): Promise<StoredTokens | null>;
  /** Claims the refresh lease for `owner` for `leaseMs` (or renews it); null while another owner holds it. */
  claimRefresh(connectionId: string, owner: string, leaseMs: number): Promise<RefreshLease | null>;
  /**
   * Stores a refreshed pair and frees the lease, if the tokens are still at `version` (false: someone stored
   * others since, which wins). Throws when the store cannot be reached.
   */
  storeRefreshed(
    connectionId: string,
    owner: string,
    version: number,
    tokens: StoredTokens,
  ): Promise<boolean>;
  releaseRefresh(connectionId: string, owner: string): Promise<void>;
  markReconnectNeeded(connectionId: string, reason: string): Promise<void>;
}

export interface QboOAuthOptions {
  endpoints: QboEndpoints;
  clientId: string;
  clientSecret: string;
  fetch?: typeof fetch;
  timeoutMs?: number;
  now?: () => number;
}

/** The refresh token or authorization code was refused: reconnecting is the only way forward. */
export class OAuthGrantError extends Error {
  constructor(readonly description: string) {
    super(`QuickBooks refused the grant (invalid_grant): ${description}`);
    this.name = "OAuthGrantError";
  }
}

export function buildAuthorizeUrl(input: {
  endpoints: QboEndpoints;
  clientId: string;
  redirectUri: string;
  state: string;
  scope?: string;
}): string {
  const url = new URL(input.endpoints.authorizeUrl);
  url.searchParams.set("client_id", input.clientId);
  url.searchParams.set("response_type", "code");
  url.searchParams.set("scope", input.scope ?? QBO_ACCOUNTING_SCOPE);
  url.searchParams.set("redirect_uri", input.redirectUri);
  url.searchParams.set("state", input.state);
  return url.toString();
}

interface TokenResponse {
  access_token?: string;
  refresh_token?: string;
  expires_in?: number;
  x_refresh_token_expires_in?: number;
}

export class QboOAuthClient {
  private readonly fetchFn: typeof fetch;
  private readonly timeoutMs: number;
  private readonly now: () => number;

  constructor(private readonly options: QboOAuthOptions) {
    this.fetchFn = options.fetch ?? globalThis.fetch;
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.now = options.now ?? Date.now;
  }

  buildAuthorizeUrl(input: { redirectUri: string; state: string; scope?: string }): string {
    return buildAuthorizeUrl({
      endpoints: this.options.endpoints,
      clientId: this.options.clientId,
      ...input,
    });
  }

  /** Exchanges the one-time code from the OAuth callback; use it once (Intuit revokes tokens from a replayed code). */
  exchangeAuthorizationCode(code: string, redirectUri: string): Promise<TokenGrant> {
    return this.tokenCall({ grant_type: "authorization_code", code, redirect_uri: redirectUri });
  }

  /** One refresh call, never repeated here: a repeat could spend a refresh token that was already rotated. */
  refresh(refreshToken: string): Promise<TokenGrant> {
    return this.tokenCall({ grant_type: "refresh_token", refresh_token: refreshToken });
  }

  /** Revokes the token's whole family (disconnect). */
  async revoke(token: string): Promise<void> {
    const res = await this.post(
      this.options.endpoints.revokeUrl,
      JSON.stringify({ token }),
      "application/json",
    );
    if (res.status >= 200 && res.status < 300) return;
    throw new QboApiError(parseQboFault(res.status, res.text, res.headers), {
      method: "POST",
      path: "revoke",
    });
  }

  private async tokenCall(form: Record<string, string>): Promise<TokenGrant> {
    const res = await this.post(
      this.options.endpoints.tokenUrl,
      new URLSearchParams(form).toString(),
      "application/x-www-form-urlencoded",
    );
    const fault = () => parseQboFault(res.status, res.text, res.headers);
    if (res.status === 400) {
      const f = fault();
      if (f.code === "invalid_grant") throw new OAuthGrantError(f.detail || "token invalid");
      throw new QboApiError(f, { method: "POST", path: "token" });
    }
    if (res.status === 401) {
      throw new QboClientCredentialsError(
        "Intuit refused this installation's QuickBooks app credentials (QUICKBOOKS_CLIENT_ID / QUICKBOOKS_CLIENT_SECRET).",
      );
    }
    if (res.status < 200 || res.status >= 300) {
      throw new QboApiError(fault(), { method: "POST", path: "token" });
    }
    let body: TokenResponse;
    try {
      body = JSON.parse(res.text) as TokenResponse;
    } catch {
      throw new QboApiError(fault(), { method: "POST", path: "token" });
    }
    if (!body.access_token || !body.refresh_token) {
      throw new QboApiError(
        { ...fault(), detail: "token response without access_token or refresh_token" },
        { method: "POST", path: "token" },
      );
    }
    const now = this.now();
    return {
      accessToken: body.access_token,
      accessTokenExpiresAt: new Date(now + (body.expires_in ?? 3600) * 1000),
      refreshToken: body.refresh_token,
      refreshTokenExpiresAt:
        typeof body.x_refresh_token_expires_in === "number"
          ? new Date(now + body.x_refresh_token_expires_in * 1000)
          : null,
    };
  }

  private async post(
    url: string,
    body: string,
    contentType: string,
  ): Promise<{ status: number; text: string; headers: Headers }> {
    const basic = Buffer.from(`${this.options.clientId}:${this.options.clientSecret}`).toString("base64");
    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, this.timeoutMs);
    try {
      const res = await this.fetchFn(url, {
        method: "POST",
        headers: { Authorization: `Basic ${basic}`, Accept: "application/json", "Content-Type": contentType },
        body,
        signal: controller.signal,
      });
      return { status: res.status, text: await res.text(), headers: res.headers };
    } catch (err) {
      throw new QboTransportError(
        timedOut ? "timeout" : "network",
        timedOut ? `Intuit OAuth did not answer within ${this.timeoutMs} ms` : `Could not reach Intuit OAuth`,
        { cause: err },
      );
    } finally {
      clearTimeout(timer);
    }
  }
}

export interface TokenManagerOptions {
  vault: TokenVault;
  oauth: Pick<QboOAuthClient, "refresh">;
  /** Refresh this long before the access token expires, so a call never starts with a dying token. */
  refreshSkewMs?: number;
  now?: () => number;
  /** How long a refresh lease holds off the other processes; default 120 s (the token call times out in 30). */
  leaseMs?: number;
  /** How long a caller waits for another process's refresh before giving up for now; default 45 s. */
  waitMs?: number;
  /** Told when a refreshed pair could not be stored at once and is kept until it can. */
  onPending?: (connectionId: string, err: unknown) => void;
  sleep?: (ms: number) => Promise<void>;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export class QboTokenManager {
  private readonly inFlight = new Map<string, Promise<string>>();
  /** Pairs Intuit issued that the vault has not taken yet (the database was away): used, and stored when it is back. */
  private readonly pending = new Map<string, { tokens: StoredTokens; version: number }>();
  private readonly owner = `tokens-${randomUUID()}`;
  private readonly skewMs: number;
  private readonly now: () => number;
  private readonly leaseMs: number;
  private readonly waitMs: number;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(private readonly options: TokenManagerOptions) {
    this.skewMs = options.refreshSkewMs ?? 5 * 60_000;
    this.now = options.now ?? Date.now;
    this.leaseMs = options.leaseMs ?? 120_000;
    this.waitMs = options.waitMs ?? 45_000;
    this.sleep = options.sleep ?? defaultSleep;
  }

  /** Connections whose newest tokens are held here until the vault takes them. */
  pendingConnections(): string[] {
    return [...this.pending.keys()];
  }

  /** Token source for the client of one connection. */
  forConnection(connectionId: string): AccessTokenSource {
    return {
      getAccessToken: () => this.getAccessToken(connectionId),
      refreshAccessToken: (rejected) => this.refreshAccessToken(connectionId, rejected),
    };
  }

  async realmOf(connectionId: string): Promise<string> {
    const held = this.pending.get(connectionId)?.tokens;
    if (held) return held.realmId;
    const tokens = await this.options.vault.read(connectionId);
    if (!tokens) throw new QboReconnectNeededError("QuickBooks Online is not connected for this company.");
    return tokens.realmId;
  }

  async getAccessToken(connectionId: string): Promise<string> {
    const held = this.pending.get(connectionId)?.tokens;
    if (held && !this.isExpiring(held)) return held.accessToken;
    const tokens = await this.options.vault.read(connectionId);
    if (!tokens) throw new QboReconnectNeededError("QuickBooks Online is not connected for this company.");
    if (!this.isExpiring(tokens)) return tokens.accessToken;
    return this.refreshAccessToken(connectionId);
  }

  /**
   * Returns a fresh access token. With `rejected` (the token QuickBooks just refused), a different stored token
   * means someone else already refreshed, and theirs is used; without it, only an expiring token is refreshed.
   */
  refreshAccessToken(connectionId: string, rejected?: string): Promise<string> {
    // Callers in this process share one refresh; the vault lock covers the other processes.
    const running = this.inFlight.get(connectionId);
    if (running) return running;
    const p = this.refreshLocked(connectionId, rejected).finally(() => this.inFlight.delete(connectionId));
    this.inFlight.set(connectionId, p);
    return p;
  }

  private async refreshLocked(connectionId: string, rejected: string | undefined): Promise<string> {
    const usable = (t: StoredTokens | null | undefined): boolean =>
      Boolean(t) && (rejected === undefined || t!.accessToken !== rejected) && !this.isExpiring(t!);
    const held = this.pending.get(connectionId);
    if (held && usable(held.tokens)) return held.tokens.accessToken;
    // A pair not stored yet holds the only live refresh token: it must reach the vault before anyone refreshes.
    if (held) await this.store(connectionId, held);
    const deadline = this.now() + this.waitMs;
    for (;;) {
      const lease = await this.options.vault.claimRefresh(connectionId, this.owner, this.leaseMs);
      if (!lease) {
        // Another process is refreshing: its new pair shows up in the vault when stored.
        await this.sleep(200);
        const now = await this.options.vault.read(connectionId);
        if (now && usable(now)) return now.accessToken;
        if (this.now() > deadline) {
          throw new QboTransportError(
            "timeout",
            "Another process is refreshing the QuickBooks tokens; try again.",
          );
        }
        continue;
      }
      const current = lease.tokens;
      if (!current || usable(current)) {
        await this.options.vault.releaseRefresh(connectionId, this.owner);
        if (current) return current.accessToken;
        return this.reconnectNeeded(connectionId, "no QuickBooks tokens stored");
      }
      let grant: TokenGrant;
      try {
        // Outside any transaction: the lease alone keeps the other processes off this refresh token.
        grant = await this.options.oauth.refresh(current.refreshToken);
      } catch (err) {
        await this.options.vault.releaseRefresh(connectionId, this.owner).catch(() => {});
        if (err instanceof OAuthGrantError) return this.reconnectNeeded(connectionId, err.description);
        throw err;
      }
      const next = { tokens: { ...current, ...grant }, version: lease.version };
      // From here on this process holds the only copy of a live refresh token until the vault takes it.
      this.pending.set(connectionId, next);
      try {
        await this.store(connectionId, next);
      } catch (err) {
        this.options.onPending?.(connectionId, err);
        void this.storeUntilStored(connectionId, next);
      }
      return grant.accessToken;
    }
  }

  private async store(connectionId: string, held: { tokens: StoredTokens; version: number }): Promise<void> {
    await this.options.vault.storeRefreshed(connectionId, this.owner, held.version, held.tokens);
    if (this.pending.get(connectionId) === held) this.pending.delete(connectionId);
  }

  private async storeUntilStored(connectionId: string, held: { tokens: StoredTokens; version: number }) {
    for (let attempt = 0; this.pending.get(connectionId) === held; attempt++) {
      await this.sleep(Math.min(5_000, 250 * 2 ** Math.min(attempt, 5)));
      try {
        await this.store(connectionId, held);
        return;
      } catch (err) {
        this.options.onPending?.(connectionId, err);
      }
    }
  }

  private async reconnectNeeded(connectionId: string, reason: string): Promise<never> {
    await this.options.vault.markReconnectNeeded(connectionId, reason);
    throw new QboReconnectNeededError(
      `QuickBooks refused the stored connection (${reason}); an admin must reconnect QuickBooks Online.`,
    );
  }

  private isExpiring(tokens: StoredTokens): boolean {
    return tokens.accessTokenExpiresAt.getTime() - this.skewMs <= this.now();
  }
}

/** A vault in memory, with the same lease contract as the database one; for tests and single-process demos. */
export class InMemoryTokenVault implements TokenVault {
  private readonly tokens = new Map<string, StoredTokens>();
  private readonly versions = new Map<string, number>();
  private readonly leases = new Map<string, { owner: string; until: number }>();
  readonly reconnectNeeded = new Map<string, string>();

  set(connectionId: string, tokens: StoredTokens): void {
    this.tokens.set(connectionId, { ...tokens });
    this.versions.set(connectionId, (this.versions.get(connectionId) ?? 0) + 1);
    this.reconnectNeeded.delete(connectionId);
  }

  async read(connectionId: string): Promise<StoredTokens | null> {
    const t = this.tokens.get(connectionId);
    return t ? { ...t } : null;
  }

  async claimRefresh(connectionId: string, owner: string, leaseMs: number): Promise<RefreshLease | null> {
    const held = this.leases.get(connectionId);
    if (held && held.owner !== owner && held.until > Date.now()) return null;
    this.leases.set(connectionId, { owner, until: Date.now() + leaseMs });
    const t = this.tokens.get(connectionId);
    return { tokens: t ? { ...t } : null, version: this.versions.get(connectionId) ?? 0 };
  }

  async storeRefreshed(connectionId: string, owner: string, version: number, tokens: StoredTokens) {
    if (this.leases.get(connectionId)?.owner === owner) this.leases.delete(connectionId);
    if ((this.versions.get(connectionId) ?? 0) !== version) return false;
    this.tokens.set(connectionId, { ...tokens });
    this.versions.set(connectionId, version + 1);
    return true;
  }

  async releaseRefresh(connectionId: string, owner: string): Promise<void> {
    if (this.leases.get(connectionId)?.owner === owner) this.leases.delete(connectionId);
  }

  async markReconnectNeeded(connectionId: string, reason: string): Promise<void> {
    this.reconnectNeeded.set(connectionId, reason);
  }
}
