import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, type TestApp, testConfig } from "../../../test/support/app.js";
import { type SmtpSink, startSmtpSink } from "../../../test/support/email.js";
import { COMPANY_HEADER, MailSendError } from "../../mail/mailer.js";
import type { AppContext } from "../context.js";
import { listDemoMailbox } from "./mailbox.js";
import { startMailRuntime } from "./runtime.js";

let t: TestApp;
let sink: SmtpSink;
beforeAll(async () => {
  t = await createTestApp();
  sink = await startSmtpSink();
});
afterAll(async () => {
  await sink.close();
  await t.close();
});

function ctxWith(env: Record<string, string>): AppContext {
  return { ...t.ctx, config: testConfig(t.database.url, env) };
}

const message = { to: ["approver@acme.test"], subject: "Hello there", html: "<p>Hi</p>", text: "Hi" };

describe("startMailRuntime", () => {
  it("in demo mode catches every message on loopback into the demo mailbox", async () => {
    const runtime = await startMailRuntime(ctxWith({ DEMO: "on" }));
    try {
      const { messageId } = await runtime.mailer.send({
        ...message,
        headers: { [COMPANY_HEADER]: "co_sender" },
      });
      const items = await listDemoMailbox(t.ctx.db, "operator");
      expect(items).toHaveLength(1);
      expect(items[0]).toMatchObject({
        to: ["approver@acme.test"],
        subject: "Hello there",
        text: "Hi",
        from: expect.stringContaining("no-reply@localhost"),
      });
      expect(items[0]!.html).toContain("<p>Hi</p>");
      const stored = await t.ctx.db
        .selectFrom("demo_mailbox")
        .select(["message_id", "sent_for_company"])
        .executeTakeFirstOrThrow();
      expect(stored).toEqual({ message_id: messageId, sent_for_company: "co_sender" });
    } finally {
      await runtime.stop();
    }
  });

  it("sends through SMTP_URL when it is set, with SMTP_FROM", async () => {
    const runtime = await startMailRuntime(
      ctxWith({ SMTP_URL: sink.url, SMTP_FROM: "Costbridge Mail <mail@costbridge.test>" }),
    );
    try {
      await runtime.mailer.send(message);
      expect(sink.messages).toHaveLength(1);
      expect(sink.messages[0]!.parsed.from?.text).toBe('"Costbridge Mail" <mail@costbridge.test>');
      expect(sink.messages[0]!.parsed.subject).toBe("Hello there");
    } finally {
      await runtime.stop();
    }
  });

  it("without SMTP outside demo mode fails every send transiently, so emails wait", async () => {
    const runtime = await startMailRuntime(ctxWith({}));
    try {
      const error = await runtime.mailer.send(message).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(MailSendError);
      expect((error as MailSendError).permanent).toBe(false);
    } finally {
      await runtime.stop();
    }
  });
});
