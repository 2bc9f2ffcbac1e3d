import type { JobHelpers } from "graphile-worker";
import { z } from "zod";
import { defineTask, type TaskDefinition } from "../../jobs/worker.js";
import type { Mailer } from "../../mail/mailer.js";
import type { AppContext } from "../context.js";
import { SEND_EMAIL_TASK } from "../email-outbox.js";
import { runDailySummary } from "./daily-summary.js";
import { deliverOutboxEmail, EmailRetryError } from "./send-email.js";

export const DAILY_SUMMARY_TICK_TASK = "daily_summary_tick";

/**
 * Every five minutes, so a summary goes out within five minutes of its hour. `fill` replays ticks missed while
 * every worker was down (a restart still sends that day's summaries); the job key folds those replays into one
 * run, and `max` keeps a failing tick from piling up retries behind the next one.
 */
export const DAILY_SUMMARY_CRONTAB = `*/5 * * * * ${DAILY_SUMMARY_TICK_TASK} ?fill=2h&max=3&jobKey=${DAILY_SUMMARY_TICK_TASK}`;

const sendEmailPayload = z.object({ companyId: z.string().min(1), emailId: z.string().min(1) });

function isLastAttempt(helpers: Partial<JobHelpers> | undefined): boolean {
  const job = helpers?.job;
  return job !== undefined && job.attempts >= job.max_attempts;
}

/** The email jobs: delivering one outbox email, and the scheduled daily-summary check. */
export function emailTasks(ctx: AppContext, mailer: Mailer): TaskDefinition[] {
  const sendEmail = defineTask({
    name: SEND_EMAIL_TASK,
    payload: sendEmailPayload,
    handler: async (payload, helpers) => {
      const outcome = await deliverOutboxEmail(ctx, mailer, payload, {
        isLastAttempt: isLastAttempt(helpers),
      });
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
    },
  });
  const tick = defineTask({
    name: DAILY_SUMMARY_TICK_TASK,
    payload: z.looseObject({}),
    handler: async () => {
      await runDailySummary(ctx, { now: ctx.now() });
    },
  });
  return [sendEmail, tick] as TaskDefinition[];
}
