import { runPrepared } from "../../db/prepared.js";
import { sha256 } from "../../lib/ids.js";
import type { AppContext } from "../context.js";
import { type EntryRow, type Membership, membershipFromRow } from "../membership.js";

// Every authenticated request runs this, so it is one fixed, prepared statement. With a company in the path ($2)
// the caller's active entry in that company's directory comes back too (NULL columns when there is none).
const TOKEN_SQL = `
  select t.id, t.user_id, t.kind, t.csrf_token,
         d.company_id, d.erp_integrations, d.directory, d.budget, d.lock_budget, d.send_and_retrieve_budget,
         d.can_push_to_accounting, d.subscribe_erp_digest
  from auth_tokens t
  join users u on u.id = t.user_id
  left join directory_entries d on d.company_id = $2 and d.user_id = t.user_id and d.active
  where t.token_hash = $1 and t.revoked_at is null and t.expires_at > $3 and u.active`;

type TokenRow = { id: string; kind: string; csrf_token: string | null } & (
  | EntryRow
  | { [K in keyof EntryRow]: K extends "user_id" ? string : null }
);

export interface FoundToken {
  tokenId: string;
  userId: string;
  kind: "bearer" | "session";
  csrfToken: string | null;
  /** The holder's membership of `companyId`, when one was asked for (null: not an active member). */
  known?: { companyId: string; membership: Membership | null };
}

/**
 * The live token with this value, of an active user, or null. With `companyId` (the company named in the request's
 * path) the holder's membership of it comes back in the same round trip.
 */
export async function findToken(
  ctx: AppContext,
  raw: string,
  companyId: string | null,
): Promise<FoundToken | null> {
  const [row] = await runPrepared<TokenRow>(ctx.pool, {
    sql: TOKEN_SQL,
    parameters: [sha256(raw), companyId ?? "", ctx.now()],
  });
  if (!row) return null;
  const found: FoundToken = {
    tokenId: row.id,
    userId: row.user_id,
    kind: row.kind as FoundToken["kind"],
    csrfToken: row.csrf_token,
  };
  if (companyId) {
    // The entry's columns are all NOT NULL, so one of them being null means there is no active entry.
    found.known = { companyId, membership: row.company_id === null ? null : membershipFromRow(row) };
  }
  return found;
}
