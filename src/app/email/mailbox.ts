import { sql } from "kysely";
import type { Executor } from "../../db/database.js";
import type { CaughtEmail } from "../../mail/catcher.js";
import { hideInvitationLinks } from "../../mail/templates/index.js";

// The demo mailbox is a convenience, not an archive: it keeps the newest messages only.
const KEEP_MESSAGES = 1000;

export interface MailboxItem {
  id: string;
  from: string;
  to: string[];
  subject: string;
  receivedAt: Date;
  html: string;
  text: string;
}

export async function storeCaughtEmail(db: Executor, message: CaughtEmail): Promise<void> {
  const row = await db
    .insertInto("demo_mailbox")
    .values({
      message_id: message.messageId,
      from_address: message.from,
      to_addresses: message.to,
      subject: message.subject,
      html: message.html,
      text_body: message.text,
      received_at: message.receivedAt,
      sent_for_company: message.companyId,
    })
    .returning("id")
    .executeTakeFirstOrThrow();
  if (BigInt(row.id) % 100n === 0n) {
    await db
      .deleteFrom("demo_mailbox")
      .where("id", "<=", BigInt(row.id) - BigInt(KEEP_MESSAGES))
      .execute();
  }
}

/**
 * Newest first, what the viewer may read: mail to themselves, and for a Directory Admin the mail their company sent
 * to the people in its directory, with invitation links made useless (a link opens an account; only its recipient
 * may hold it). The catcher receives every company's mail; showing it to everyone would hand one company's
 * invitation links to another. The operator, who creates companies and invites their first admin, reads all of it.
 */
export async function listDemoMailbox(
  db: Executor,
  viewer: { userId: string } | "operator",
  limit = 200,
): Promise<MailboxItem[]> {
  const mine =
    viewer === "operator"
      ? sql<boolean>`true`
      : sql<boolean>`exists (
          select 1
          from unnest(demo_mailbox.to_addresses) as a(address)
          join users u on lower(u.email) = lower(a.address)
          where u.id = ${viewer.userId}
        )`;
  let query = db
    .selectFrom("demo_mailbox")
    .select([
      "id",
      "from_address",
      "to_addresses",
      "subject",
      "received_at",
      "html",
      "text_body",
      mine.as("mine"),
    ])
    .orderBy("received_at", "desc")
    .orderBy("id", "desc")
    .limit(limit);
  if (viewer !== "operator") {
    query = query.where(
      sql<boolean>`exists (
        select 1
        from unnest(demo_mailbox.to_addresses) as a(address)
        join users u on lower(u.email) = lower(a.address)
        where u.id = ${viewer.userId}
           or exists (
             select 1
             from directory_entries theirs
             join directory_entries mine on mine.company_id = theirs.company_id
             where theirs.user_id = u.id and theirs.company_id = demo_mailbox.sent_for_company
               and mine.user_id = ${viewer.userId} and mine.active and mine.directory = 'admin'
           )
      )`,
    );
  }
  const rows = await query.execute();
  return rows.map((r) => ({
    id: String(r.id),
    from: r.from_address,
    to: r.to_addresses,
    subject: r.subject,
    receivedAt: r.received_at,
    html: r.mine ? r.html : hideInvitationLinks(r.html),
    text: r.mine ? r.text_body : hideInvitationLinks(r.text_body),
  }));
}
