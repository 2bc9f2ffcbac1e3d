import { sql } from "kysely";
import type { Mailer } from "../../mail/mailer.js";
import { COMPANY_HEADER, toMailSendError } from "../../mail/mailer.js";
import { type EmailTemplateName, renderEmail } from "../../mail/templates/index.js";
import type { AppContext } from "../context.js";
import { MEMBERS_ONLY_TEMPLATES, readOutboxMessage } from "./payload.js";

export interface OutboxRef {
  companyId: string;
  emailId: string;
}

export type DeliveryOutcome =
  /** Delivered now. */
  | { kind: "sent"; messageId: string }
  /** Nothing to do: delivered before, given up on, or the row is gone. */
  | { kind: "skipped"; reason: "already_sent" | "failed" | "missing" }
  /** Not sent: the recipient is not (or no longer) an active member of the sending company; marked failed. */
  | { kind: "withheld"; error: string }
  /** Refused for good (or could not be rendered): marked failed; retrying the same bytes cannot help. */
  | { kind: "failed"; error: string }
  /** Might go through later: recorded on the row; the caller should throw so the queue retries with backoff. */
  | { kind: "retry"; error: string; gaveUp: boolean };

/** Raised for a transient failure so the job queue retries the delivery later. */
export class EmailRetryError extends Error {
  override readonly name = "EmailRetryError";
}

// The row stays locked while the SMTP conversation runs: a second run of the same job (a duplicate, or one
// unlocked after a suspected crash) then cannot send the same email in parallel.
/**
 * Delivers one queued outbox email to its one recipient and records the outcome. `isLastAttempt` marks the row
 * failed on a transient error too, so an email the queue will no longer retry shows up as failed (and can be
 * requeued by an admin) instead of waiting forever.
 */
export async function deliverOutboxEmail(
  ctx: AppContext,
  mailer: Mailer,
  ref: OutboxRef,
  opts: { isLastAttempt?: boolean } = {},
): Promise<DeliveryOutcome> {
  return ctx.db.transaction().execute(async (tx): Promise<DeliveryOutcome> => {
    const row = await tx
      .selectFrom("email_outbox")
      .select(["id", "to_email", "template", "payload", "status"])
      .where("company_id", "=", ref.companyId)
      .where("id", "=", ref.emailId)
      .forUpdate()
      .skipLocked()
      .executeTakeFirst();
    if (!row) {
      const other = await tx
        .selectFrom("email_outbox")
        .select("status")
        .where("company_id", "=", ref.companyId)
        .where("id", "=", ref.emailId)
        .executeTakeFirst();
      if (!other) return { kind: "skipped", reason: "missing" };
      if (other.status === "sent") return { kind: "skipped", reason: "already_sent" };
      return { kind: "retry", error: "another delivery of this email is in progress", gaveUp: false };
    }
    if (row.status === "sent") return { kind: "skipped", reason: "already_sent" };
    if (row.status === "failed") return { kind: "skipped", reason: "failed" };

    const finish = async (status: "sent" | "failed" | "queued", error: string | null) => {
      await tx
        .updateTable("email_outbox")
        .set((eb) => ({
          status,
          tries: eb("tries", "+", 1),
          last_error: error,
          // Once sent, a link's token (kept sealed until then) is of no more use at rest: it goes.
          ...(status === "sent"
            ? { sent_at: ctx.now(), payload: sql<unknown>`payload #- '{data,sealedToken}' #- '{data,token}'` }
            : {}),
        }))
        .where("company_id", "=", ref.companyId)
        .where("id", "=", ref.emailId)
        .execute();
    };

    if (MEMBERS_ONLY_TEMPLATES.has(row.template as EmailTemplateName)) {
      const member = await tx
        .selectFrom("users")
        .innerJoin("directory_entries", "directory_entries.user_id", "users.id")
        .select("users.id")
        .where(sql<string>`lower(users.email)`, "=", row.to_email.toLowerCase())
        .where("users.active", "=", true)
        .where("directory_entries.company_id", "=", ref.companyId)
        .where("directory_entries.active", "=", true)
        .executeTakeFirst();
      if (!member) {
        const error = "Not sent: the recipient is no longer an active member of this company.";
        await finish("failed", error);
        return { kind: "withheld", error };
      }
    }

    let rendered: ReturnType<typeof renderEmail>;
    try {
      rendered = renderEmail(readOutboxMessage(row.payload, ctx.config.secretKey));
    } catch (e) {
      const error = `could not render the email: ${(e as Error).message}`;
      await finish("failed", error);
      return { kind: "failed", error };
    }
    try {
      const { messageId } = await mailer.send({
        to: [row.to_email],
        subject: rendered.subject,
        html: rendered.html,
        text: rendered.text,
        // Which company sent it: for tracing a message back to its outbox row, and for the demo mailbox.
        headers: { [COMPANY_HEADER]: ref.companyId },
      });
      await finish("sent", null);
      return { kind: "sent", messageId };
    } catch (e) {
      const failure = toMailSendError(e);
      const error = `${failure.code}: ${failure.message}`.slice(0, 2000);
      if (failure.permanent) {
        await finish("failed", error);
        return { kind: "failed", error };
      }
      const gaveUp = opts.isLastAttempt === true;
      await finish(gaveUp ? "failed" : "queued", error);
      return { kind: "retry", error, gaveUp };
    }
  });
}
