import type { JobHelpers } from "graphile-worker";
import { deliverOutboxEmail, EmailRetryError } from "../../app/email/send-email.js";
import type { HandlerFactory } from "./deps.js";

function isLastAttempt(helpers: Partial<JobHelpers> | undefined): boolean {
  const job = helpers?.job;
  return job !== undefined && job.attempts >= job.max_attempts;
}

/** Delivers one outbox email; a retryable failure throws so the queue tries again later. */
export const sendEmail: HandlerFactory<"send_email"> = ({ ctx, mailer }) => {
  if (!mailer) return null;
  return async (payload, helpers) => {
    const outcome = await deliverOutboxEmail(ctx, mailer, payload, { isLastAttempt: isLastAttempt(helpers) });
    switch (outcome.kind) {
      case "sent":
      case "skipped":
        return;
      case "withheld":
        ctx.log.info({ ...payload }, "email withheld: the recipient is not an active member");
        return;
      case "failed":
        // Not thrown: a permanent refusal is recorded on the row and retrying cannot change it.
        ctx.log.warn({ ...payload, error: outcome.error }, "email not delivered; marked failed");
        return;
      case "retry":
        throw new EmailRetryError(outcome.error);
    }
  };
};
