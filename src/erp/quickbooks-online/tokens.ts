/**
 * Intuit OAuth 2.0 for QuickBooks Online: the authorization-code leg, refresh and revoke, and a token manager
 * that keeps refreshes single-flight. Intuit rotates the refresh token and the superseded value soon stops
 * working, so two processes refreshing at once, or a new refresh token used before it is stored, can lose the
 * connection for good. Hence: refresh only under the vault's lock, re-check inside the lock whether another
 * holder already refreshed, store the new pair before anyone uses it, and never retry a refused refresh.
 */
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

/**
 * Where a connection's tokens live. Production keeps them encrypted in PostgreSQL and implements
 * `withLockedTokens` with `SELECT … FOR UPDATE`, so the lock spans every process.
 */
export interface TokenVault {
  /** Runs `fn` holding an exclusive lock on the connection's tokens; `save` writes within that lock. */
  withLockedTokens<T>(
    connectionId: string,
    fn: (current: StoredTokens, save: (tokens: StoredTokens) => Promise<void>) => Promise<T>,
  ): Promise<T>;
  read(connectionId: string): Promise<StoredTokens | null>;
  /** Called outside `withLockedTokens` (a database-backed vault may need the same row). */
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
}

type LockedOutcome = { kind: "token"; token: string } | { kind: "invalid_grant"; reason: string };

export class QboTokenManager {
  private readonly inFlight = new Map<string, Promise<string>>();
  private readonly skewMs: number;
  private readonly now: () => number;

  constructor(private readonly options: TokenManagerOptions) {
    this.skewMs = options.refreshSkewMs ?? 5 * 60_000;
    this.now = options.now ?? Date.now;
  }

  /** Token source for the client of one connection. */
  forConnection(connectionId: string): AccessTokenSource {
    return {
      getAccessToken: () => this.getAccessToken(connectionId),
      refreshAccessToken: (rejected) => this.refreshAccessToken(connectionId, rejected),
    };
  }

  async realmOf(connectionId: string): Promise<string> {
    const tokens = await this.options.vault.read(connectionId);
    if (!tokens) throw new QboReconnectNeededError("QuickBooks Online is not connected for this company.");
    return tokens.realmId;
  }

  async getAccessToken(connectionId: string): Promise<string> {
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
    const outcome = await this.options.vault.withLockedTokens<LockedOutcome>(
      connectionId,
      async (current, save) => {
        if (!current) return { kind: "invalid_grant", reason: "no QuickBooks tokens stored" };
        const stillUsable = rejected === undefined || current.accessToken !== rejected;
        if (stillUsable && !this.isExpiring(current)) return { kind: "token", token: current.accessToken };
        let grant: TokenGrant;
        try {
          grant = await this.options.oauth.refresh(current.refreshToken);
        } catch (err) {
          if (err instanceof OAuthGrantError) return { kind: "invalid_grant", reason: err.description };
          throw err;
        }
        await save({ ...current, ...grant });
        return { kind: "token", token: grant.accessToken };
      },
    );
    if (outcome.kind === "token") return outcome.token;
    await this.options.vault.markReconnectNeeded(connectionId, outcome.reason);
    throw new QboReconnectNeededError(
      `QuickBooks refused the stored connection (${outcome.reason}); an admin must reconnect QuickBooks Online.`,
    );
  }

  private isExpiring(tokens: StoredTokens): boolean {
    return tokens.accessTokenExpiresAt.getTime() - this.skewMs <= this.now();
  }
}

/** A vault in memory, with the same locking contract as the database one; for tests and single-process demos. */
export class InMemoryTokenVault implements TokenVault {
  private readonly tokens = new Map<string, StoredTokens>();
  private readonly locks = new Map<string, Promise<void>>();
  readonly reconnectNeeded = new Map<string, string>();

  set(connectionId: string, tokens: StoredTokens): void {
    this.tokens.set(connectionId, { ...tokens });
    this.reconnectNeeded.delete(connectionId);
  }

  async read(connectionId: string): Promise<StoredTokens | null> {
    const t = this.tokens.get(connectionId);
    return t ? { ...t } : null;
  }

  async withLockedTokens<T>(
    connectionId: string,
    fn: (current: StoredTokens, save: (tokens: StoredTokens) => Promise<void>) => Promise<T>,
  ): Promise<T> {
    const previous = this.locks.get(connectionId) ?? Promise.resolve();
    let unlock!: () => void;
    const mine = new Promise<void>((resolve) => {
      unlock = resolve;
    });
    const chained = previous.then(() => mine);
    this.locks.set(connectionId, chained);
    await previous;
    try {
      const current = this.tokens.get(connectionId);
      return await fn(current ? { ...current } : (null as unknown as StoredTokens), async (next) => {
        this.tokens.set(connectionId, { ...next });
      });
    } finally {
      unlock();
      if (this.locks.get(connectionId) === chained) this.locks.delete(connectionId);
    }
  }

  async markReconnectNeeded(connectionId: string, reason: string): Promise<void> {
    this.reconnectNeeded.set(connectionId, reason);
  }
}
