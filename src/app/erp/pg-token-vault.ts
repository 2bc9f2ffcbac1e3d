import type { Db } from "../../db/database.js";
import type { StoredTokens, TokenVault } from "../../erp/quickbooks-online/tokens.js";
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
 * QuickBooks Online tokens, encrypted at rest in erp_connections. The row lock (`FOR UPDATE`) makes a refresh
 * single-flight across every process, and the new refresh token is committed before anyone uses the new access
 * token.
 */
export class PgTokenVault implements TokenVault {
  private readonly key: Buffer;

  constructor(
    private readonly db: Db,
    secretKey: string,
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
      .where("type", "=", "quickbooks_online")
      .executeTakeFirst();
    return row ? this.decode(row) : null;
  }

  async withLockedTokens<T>(
    connectionId: string,
    fn: (current: StoredTokens, save: (tokens: StoredTokens) => Promise<void>) => Promise<T>,
  ): Promise<T> {
    return this.db.transaction().execute(async (tx) => {
      const row = await tx
        .selectFrom("erp_connections")
        .select(TOKEN_COLUMNS)
        .where("company_id", "=", connectionId)
        .where("type", "=", "quickbooks_online")
        .forUpdate()
        .executeTakeFirst();
      const current = row ? this.decode(row) : null;
      return fn(current as StoredTokens, async (tokens) => {
        await tx
          .updateTable("erp_connections")
          .set({
            ...this.encode(tokens),
            token_version: (eb) => eb("token_version", "+", 1),
            updated_at: new Date(),
          })
          .where("company_id", "=", connectionId)
          .execute();
      });
    });
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
