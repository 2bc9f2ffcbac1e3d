import type { Executor } from "../db/database.js";
import { enqueueJob } from "../jobs/queue.js";
import { newId } from "../lib/ids.js";
import type { EmailTemplateData } from "../mail/templates/index.js";
import { sealOutboxMessage } from "./email/payload.js";

export const SEND_EMAIL_TASK = "send_email";

/** JSON that keeps bigints (money) exact: written as {"$bigint": "…"} and revived as bigint. */
export function encodePayload(value: unknown): string {
  return JSON.stringify(value, (_k, v) => (typeof v === "bigint" ? { $bigint: v.toString() } : v));
}
export function decodePayload<T>(value: unknown): T {
  const text = typeof value === "string" ? value : JSON.stringify(value);
  return JSON.parse(text, (_k, v) =>
    v && typeof v === "object" && typeof v.$bigint === "string" && Object.keys(v).length === 1
      ? BigInt(v.$bigint)
      : v,
  ) as T;
}

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
  await enqueueJob(
    tx,
    SEND_EMAIL_TASK,
    { companyId: email.companyId, emailId: id },
    { jobKey: `email:${id}`, maxAttempts: 12 },
  );
  return true;
}
