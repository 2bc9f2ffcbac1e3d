/**
 * The email outbox: every email is a row queued in the same transaction as the change that causes it, then sent
 * by the `send_email` job. This module queues emails, lists them and puts failed ones back in the queue.
 */

import { sql } from "kysely";
import type { Executor } from "../../db/database.js";
import { enqueue } from "../../jobs/catalog.js";
import { newId } from "../../lib/ids.js";
import type { EmailTemplateData } from "../../mail/templates/index.js";
import { issueCursor, readCursor } from "../cursor.js";
import { conflict, forbidden, notFound } from "../errors.js";
import { requireMembership } from "../membership.js";
import { encodePayload, sealOutboxMessage } from "./payload.js";

/**
 * Queues one email to one recipient inside the caller's transaction. The dedupe key (template, subject, recipient,
 * day…) makes a second queueing of the same email a no-op, so retries, restarts and concurrent runs never send
 * twice. Returns false when it was already queued. A message carrying a link's token needs `secretKey`: the token
 * is stored sealed, never in plain text (see sealOutboxMessage).
 */
export async function queueEmail(
  tx: Executor,
  email: { companyId: string; dedupeKey: string; to: string; message: EmailTemplateData; secretKey?: string },
): Promise<boolean> {
  const id = newId("eml");
  const inserted = await tx
    .insertInto("email_outbox")
    .values({
      company_id: email.companyId,
      id,
      dedupe_key: email.dedupeKey,
      template: email.message.template,
      to_email: email.to,
      payload: encodePayload(sealOutboxMessage(email.message, email.secretKey)),
    })
    .onConflict((oc) => oc.columns(["company_id", "dedupe_key"]).doNothing())
    .returning("id")
    .executeTakeFirst();
  if (!inserted) return false;
  await enqueue(tx, "send_email", { companyId: email.companyId, emailId: id });
  return true;
}

export const OUTBOX_STATUSES = ["queued", "sent", "failed"] as const;
export type OutboxStatus = (typeof OUTBOX_STATUSES)[number];

export interface OutboxItem {
  id: string;
  template: string;
  to: string;
  status: OutboxStatus;
  tries: number;
  lastError: string | null;
  createdAt: Date;
  sentAt: Date | null;
}

/** The outbox shows who was emailed what: company admins only (ERP Integrations or Directory). */
export async function requireOutboxAccess(db: Executor, userId: string, companyId: string): Promise<void> {
  const m = await requireMembership(db, userId, companyId);
  if (m.erpIntegrations !== "admin" && m.directory !== "admin") {
    throw forbidden("Needs Directory Admin or ERP Integrations Admin.", {
      needs: "Directory Admin or ERP Integrations Admin",
    });
  }
}

// Cursor = the last row's exact created_at (microseconds, which a JS Date would lose) and id.
const CURSOR_AT = /^(19[7-9]\d|[2-9]\d{3})-(\d{2})-(\d{2})T([01]\d|2[0-3]):[0-5]\d:[0-5]\d\.\d{6}Z$/;

/** A real calendar date and time of day (no February 31st, no hour 24), as the list writes them. */
function isCursorInstant(text: string): boolean {
  const m = CURSOR_AT.exec(text);
  if (!m) return false;
  const date = new Date(text);
  return (
    !Number.isNaN(date.getTime()) &&
    date.getUTCMonth() + 1 === Number(m[2]) &&
    date.getUTCDate() === Number(m[3])
  );
}

function decodeCursor(
  secretKey: string,
  companyId: string,
  cursor: string,
): { createdAt: string; id: string } {
  return readCursor(secretKey, "email-outbox", companyId, cursor, "query.cursor", ([at, id]) =>
    typeof at === "string" &&
    isCursorInstant(at) &&
    typeof id === "string" &&
    /^[A-Za-z0-9_-]{1,100}$/.test(id)
      ? { createdAt: at, id }
      : null,
  );
}

const selectItem = [
  "id",
  "template",
  "to_email",
  "status",
  "tries",
  "last_error",
  "created_at",
  "sent_at",
] as const;

function toItem(r: {
  id: string;
  template: string;
  to_email: string;
  status: string;
  tries: number;
  last_error: string | null;
  created_at: Date;
  sent_at: Date | null;
}): OutboxItem {
  return {
    id: r.id,
    template: r.template,
    to: r.to_email,
    status: r.status as OutboxStatus,
    tries: r.tries,
    lastError: r.last_error,
    createdAt: r.created_at,
    sentAt: r.sent_at,
  };
}

/** Newest first, keyset-paginated. */
export async function listOutbox(
  db: Executor,
  companyId: string,
  opts: { status?: OutboxStatus; cursor?: string; limit: number; secretKey: string },
): Promise<{ items: OutboxItem[]; nextCursor: string | null }> {
  let query = db
    .selectFrom("email_outbox")
    .select([
      ...selectItem,
      sql<string>`to_char(created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`.as("cursor_at"),
    ])
    .where("company_id", "=", companyId)
    .orderBy("created_at", "desc")
    .orderBy("id", "desc")
    .limit(opts.limit + 1);
  if (opts.status) query = query.where("status", "=", opts.status);
  if (opts.cursor) {
    const c = decodeCursor(opts.secretKey, companyId, opts.cursor);
    query = query.where(sql<boolean>`(created_at, id) < (${c.createdAt}::timestamptz, ${c.id}::text)`);
  }
  const rows = await query.execute();
  const page = rows.slice(0, opts.limit);
  const last = page[page.length - 1];
  return {
    items: page.map(toItem),
    nextCursor:
      rows.length > opts.limit && last
        ? issueCursor(opts.secretKey, "email-outbox", companyId, [last.cursor_at, last.id])
        : null,
  };
}

/** Puts a failed email back in the queue for another delivery attempt. */
export async function retryOutboxEmail(
  db: Executor,
  companyId: string,
  emailId: string,
): Promise<OutboxItem> {
  const run = async (tx: Executor) => {
    const row = await tx
      .selectFrom("email_outbox")
      .select("status")
      .where("company_id", "=", companyId)
      .where("id", "=", emailId)
      .forUpdate()
      .executeTakeFirst();
    if (!row) throw notFound("Email");
    if (row.status !== "failed") {
      throw conflict("email_not_failed", `Only a failed email can be retried; this one is ${row.status}.`, {
        status: row.status,
      });
    }
    const updated = await tx
      .updateTable("email_outbox")
      .set({ status: "queued" })
      .where("company_id", "=", companyId)
      .where("id", "=", emailId)
      .returning(selectItem)
      .executeTakeFirstOrThrow();
    // Same job key as the first queueing: a job left over from the exhausted attempts is replaced, not doubled.
    await enqueue(tx, "send_email", { companyId, emailId });
    return toItem(updated);
  };
  return db.isTransaction ? run(db) : db.transaction().execute(run);
}
