import type { Executor } from "../../db/database.js";
import type { CaughtEmail } from "../../mail/catcher.js";

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

/** Newest first. */
export async function listDemoMailbox(db: Executor, limit = 200): Promise<MailboxItem[]> {
  const rows = await db
    .selectFrom("demo_mailbox")
    .select(["id", "from_address", "to_addresses", "subject", "received_at", "html", "text_body"])
    .orderBy("received_at", "desc")
    .orderBy("id", "desc")
    .limit(limit)
    .execute();
  return rows.map((r) => ({
    id: String(r.id),
    from: r.from_address,
    to: r.to_addresses,
    subject: r.subject,
    receivedAt: r.received_at,
    html: r.html,
    text: r.text_body,
  }));
}
