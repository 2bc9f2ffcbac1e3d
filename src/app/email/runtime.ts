import { startMailCatcher } from "../../mail/catcher.js";
import { createSmtpMailer, type Mailer, MailSendError } from "../../mail/mailer.js";
import type { AppContext } from "../context.js";
import { storeCaughtEmail } from "./mailbox.js";

export interface MailRuntime {
  mailer: Mailer;
  stop(): Promise<void>;
}

/**
 * The mailer the worker sends through: SMTP_URL when set; in demo mode the built-in catcher on loopback, whose
 * messages land in the demo mailbox; otherwise a mailer that fails transiently, so emails wait in the outbox
 * (and go out once SMTP is configured and the worker restarts) instead of being lost.
 */
export async function startMailRuntime(ctx: AppContext): Promise<MailRuntime> {
  const { config } = ctx;
  const replyTo = config.smtpReplyTo ?? undefined;
  if (config.smtpUrl) {
    const mailer = createSmtpMailer({ smtpUrl: config.smtpUrl, from: config.smtpFrom, replyTo });
    return { mailer, stop: () => mailer.close() };
  }
  if (config.demo) {
    const catcher = await startMailCatcher({
      host: "127.0.0.1",
      port: 0,
      onMessage: (message) => storeCaughtEmail(ctx.db, message),
    });
    const mailer = createSmtpMailer({ smtpUrl: catcher.url, from: config.smtpFrom, replyTo });
    ctx.log.info({ url: catcher.url }, "demo mail catcher listening; emails appear in the mailbox page");
    return {
      mailer,
      async stop() {
        await mailer.close();
        await catcher.close();
      },
    };
  }
  ctx.log.warn("SMTP_URL is not set: emails stay queued in the outbox until it is");
  const mailer: Mailer = {
    async send() {
      throw new MailSendError("no SMTP server is configured (set SMTP_URL)", false, { code: "ENOSMTP" });
    },
  };
  return { mailer, stop: async () => {} };
}
