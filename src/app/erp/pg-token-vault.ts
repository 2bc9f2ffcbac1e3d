import { sql } from "kysely";
import type { Db } from "../../db/database.js";
import type { RefreshLease, StoredTokens, TokenVault } from "../../erp/quickbooks-online/tokens.js";
import { deriveKey, openSecret, sealSecret } from "../../lib/secret-box.js";

const TOKEN_COLUMNS = [
  "realm_id",
  "access_token_enc",
  "access_token_expires_at",
  "refresh_token_enc",
  "refresh_token_expires_at",
  "status",
] as const;

/**
 * An OAuth ERP's tokens (QuickBooks Online's), encrypted at rest in erp_connections; the vault reads and writes
 * only connections of the ERP kind it is made for. A refresh lease on the row (owner and expiry,
 * claimed and released by single statements) makes a refresh single-flight across every process without a
 * transaction open while Intuit answers; the new pair is stored with a compare-and-set on token_version.
 */
export class PgTokenVault implements TokenVault {
  private readonly key: Buffer;

  constructor(
    private readonly db: Db,
    secretKey: string,
    /** The registry kind whose connections hold these tokens. */
    private readonly erpKind: string,
  ) {
    this.key = deriveKey(secretKey, "quickbooks-tokens");
  }

  seal(value: string): string {
    return sealSecret(this.key, value);
  }

  private decode(row: {
    realm_id: string | null;
    access_token_enc: string | null;
    access_token_expires_at: Date | null;
    refresh_token_enc: string | null;
    refresh_token_expires_at: Date | null;
    status: string;
  }): StoredTokens | null {
    if (row.status !== "connected" || !row.realm_id || !row.access_token_enc || !row.refresh_token_enc)
      return null;
    return {
      realmId: row.realm_id,
      accessToken: openSecret(this.key, row.access_token_enc),
      accessTokenExpiresAt: row.access_token_expires_at ?? new Date(0),
      refreshToken: openSecret(this.key, row.refresh_token_enc),
      refreshTokenExpiresAt: row.refresh_token_expires_at,
    };
  }

  encode(t: StoredTokens) {
    return {
      realm_id: t.realmId,
      access_token_enc: this.seal(t.accessToken),
      access_token_expires_at: t.accessTokenExpiresAt,
      refresh_token_enc: this.seal(t.refreshToken),
      refresh_token_expires_at: t.refreshTokenExpiresAt,
    };
  }

  async read(connectionId: string): Promise<StoredTokens | null> {
    const row = await this.db
      .selectFrom("erp_connections")
      .select(TOKEN_COLUMNS)
      .where("company_id", "=", connectionId)
      .where("type", "=", this.erpKind)
      .executeTakeFirst();
    return row ? this.decode(row) : null;
  }

  async claimRefresh(connectionId: string, owner: string, leaseMs: number): Promise<RefreshLease | null> {
    const row = await this.db
      .updateTable("erp_connections")
      .set({
        token_lease_owner: owner,
        token_lease_until: sql<Date>`clock_timestamp() + make_interval(secs => ${leaseMs / 1000}::float8)`,
      })
      .where("company_id", "=", connectionId)
      .where("type", "=", this.erpKind)
      .where((eb) =>
        eb.or([
          eb("token_lease_until", "is", null),
          eb("token_lease_until", "<", sql<Date>`clock_timestamp()`),
          eb("token_lease_owner", "=", owner),
        ]),
      )
      .returning([...TOKEN_COLUMNS, "token_version"])
      .executeTakeFirst();
    if (!row) {
      // Either another owner holds the lease, or there is no such connection (nothing to lease: no tokens).
      const exists = await this.db
        .selectFrom("erp_connections")
        .select("token_version")
        .where("company_id", "=", connectionId)
        .where("type", "=", this.erpKind)
        .executeTakeFirst();
      return exists ? null : { tokens: null, version: 0 };
    }
    return { tokens: this.decode(row), version: row.token_version };
  }

  async storeRefreshed(connectionId: string, owner: string, version: number, tokens: StoredTokens) {
    const res = await this.db
      .updateTable("erp_connections")
      .set({
        ...this.encode(tokens),
        token_version: version + 1,
        token_lease_owner: null,
        token_lease_until: null,
        updated_at: new Date(),
      })
      .where("company_id", "=", connectionId)
      .where("token_version", "=", version)
      .executeTakeFirst();
    if (Number(res.numUpdatedRows) > 0) return true;
    await this.releaseRefresh(connectionId, owner);
    return false;
  }

  async releaseRefresh(connectionId: string, owner: string): Promise<void> {
    await this.db
      .updateTable("erp_connections")
      .set({ token_lease_owner: null, token_lease_until: null })
      .where("company_id", "=", connectionId)
      .where("token_lease_owner", "=", owner)
      .execute();
  }

  async markReconnectNeeded(connectionId: string, reason: string): Promise<void> {
    await this.db
      .updateTable("erp_connections")
      .set({ status: "reconnect_needed", last_error: reason, updated_at: new Date() })
      .where("company_id", "=", connectionId)
      .where("status", "=", "connected")
      .execute();
  }
}
