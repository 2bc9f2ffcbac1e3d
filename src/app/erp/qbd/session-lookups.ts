/**
 * The answers one Web Connector session learned from QuickBooks Desktop, in PostgreSQL under the session's ticket
 * (every call of a session may reach another process). Read and written only inside the calls that hold the
 * company's connection row, so one session's answers change one call at a time.
 */
import type { Executor, Tx } from "../../../db/database.js";
import type { EstimateRet, ListRet } from "../../../erp/quickbooks-desktop/qbxml.js";
import {
  type Forget,
  type Learned,
  type Lookup,
  type NamedList,
  nameKey,
  type Remembered,
} from "../../../erp/quickbooks-desktop/session-lookups.js";
import { toJson } from "./queue.js";

export interface SessionKey {
  companyId: string;
  ticketHash: string;
}

function scoped(tx: Tx, key: SessionKey) {
  return tx
    .selectFrom("qbwc_session_lookups")
    .where("company_id", "=", key.companyId)
    .where("ticket_hash", "=", key.ticketHash);
}

/** The session's answer to a look-up, if it has one. */
export async function recall(tx: Tx, key: SessionKey, lookup: Lookup): Promise<Remembered | null> {
  let q = scoped(tx, key).select(["list", "answer"]).where("list", "=", lookup.list);
  if ("listId" in lookup) q = q.where("id", "=", lookup.listId);
  else if ("fullName" in lookup) q = q.where("name_key", "=", nameKey(lookup.fullName));
  else if ("txnId" in lookup) q = q.where("id", "=", lookup.txnId);
  const row = await q.orderBy("learned_at", "desc").limit(1).executeTakeFirst();
  if (!row) return null;
  return row.list === "estimate"
    ? { list: "estimate", ret: row.answer as EstimateRet }
    : { list: row.list as NamedList | "income_account", ret: row.answer as ListRet };
}

async function forgetOne(tx: Tx, key: SessionKey, f: Forget) {
  let q = tx
    .deleteFrom("qbwc_session_lookups")
    .where("company_id", "=", key.companyId)
    .where("ticket_hash", "=", key.ticketHash)
    .where("list", "=", f.list);
  if ("id" in f) q = q.where("id", "=", f.id);
  else if ("fullName" in f) q = q.where("name_key", "=", nameKey(f.fullName));
  await q.execute();
}

/** Records what an answer taught the session: stale answers dropped first, then the new ones stored. */
export async function learn(tx: Tx, key: SessionKey, learned: Learned, now: Date): Promise<void> {
  for (const f of learned.forget) await forgetOne(tx, key, f);
  for (const r of learned.remember) {
    const id = r.list === "estimate" ? r.ret.txnId : r.ret.listId;
    if (!id) continue;
    const name =
      r.list === "customer" || r.list === "item" || r.list === "vendor" ? nameKey(r.ret.fullName) : null;
    // One element per id and per name: a name now held by another element replaces the older answer.
    if (r.list === "income_account") await forgetOne(tx, key, { list: "income_account" });
    else await forgetOne(tx, key, { list: r.list, id });
    if (name !== null) await forgetOne(tx, key, { list: r.list as NamedList, fullName: name });
    await tx
      .insertInto("qbwc_session_lookups")
      .values({
        company_id: key.companyId,
        ticket_hash: key.ticketHash,
        list: r.list,
        id,
        name_key: name,
        answer: toJson(r.ret),
        learned_at: now,
      })
      .execute();
  }
}

export async function forget(tx: Tx, key: SessionKey, forgets: Forget[]): Promise<void> {
  for (const f of forgets) await forgetOne(tx, key, f);
}

/** Drops a closed session's answers. */
export async function forgetSession(db: Executor, key: SessionKey): Promise<void> {
  await db
    .deleteFrom("qbwc_session_lookups")
    .where("company_id", "=", key.companyId)
    .where("ticket_hash", "=", key.ticketHash)
    .execute();
}

/** Drops the answers of the company's sessions that ended without closing (cut off, expired). */
export async function forgetEndedSessions(db: Executor, companyId: string, now: Date): Promise<void> {
  await db
    .deleteFrom("qbwc_session_lookups")
    .where("company_id", "=", companyId)
    .where(({ exists, selectFrom }) =>
      exists(
        selectFrom("qbwc_sessions as s")
          .select("s.ticket_hash")
          .whereRef("s.company_id", "=", "qbwc_session_lookups.company_id")
          .whereRef("s.ticket_hash", "=", "qbwc_session_lookups.ticket_hash")
          .where((eb) => eb.or([eb("s.closed_at", "is not", null), eb("s.expires_at", "<=", now)])),
      ),
    )
    .execute();
}
