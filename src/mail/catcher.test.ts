import { afterEach, describe, expect, it } from "vitest";
import { type CaughtEmail, type MailCatcher, startMailCatcher } from "./catcher.js";
import { createSmtpMailer, MailSendError, type SmtpMailer } from "./mailer.js";

const FROM = "Costbridge <no-reply@costbridge.test>";
const open: { catcher?: MailCatcher; mailer?: SmtpMailer }[] = [];

async function setup(options: Partial<Parameters<typeof startMailCatcher>[0]> = {}) {
  const caught: CaughtEmail[] = [];
  const catcher = await startMailCatcher({
    host: "127.0.0.1",
    port: 0,
    onMessage: (m) => {
      caught.push(m);
    },
    ...options,
  });
  const mailer = createSmtpMailer({ smtpUrl: catcher.url, from: FROM });
  open.push({ catcher, mailer });
  return { caught, catcher, mailer };
}

afterEach(async () => {
  for (const { mailer, catcher } of open.splice(0)) {
    await mailer?.close();
    await catcher?.close();
  }
});

describe("startMailCatcher", () => {
  it("listens on loopback and reports a usable smtp URL", async () => {
    const { catcher } = await setup();
    expect(catcher.port).toBeGreaterThan(0);
    expect(catcher.url).toBe(`smtp://127.0.0.1:${catcher.port}`);
  });

  it("parses each message into a CaughtEmail stamped with the receive time", async () => {
    const at = new Date("2026-03-06T13:00:00Z");
    const { caught, mailer } = await setup({ now: () => at });
    const sent = await mailer.send({
      to: ["Pat Morgan <pat@acme.test>"],
      subject: "Grüße <b>",
      html: "<p>Hello &amp; welcome</p>",
      text: "Hello & welcome",
      headers: { "X-Costbridge-Company": "co_acme" },
    });
    expect(caught).toEqual([
      {
        messageId: sent.messageId,
        from: '"Costbridge" <no-reply@costbridge.test>',
        to: ["pat@acme.test"],
        subject: "Grüße <b>",
        html: "<p>Hello &amp; welcome</p>",
        text: "Hello & welcome",
        receivedAt: at,
        companyId: "co_acme",
      },
    ]);
  });

  it("receives many messages over pooled connections, each once", async () => {
    const { caught, mailer } = await setup();
    await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        mailer.send({ to: [`u${i}@acme.test`], subject: `n${i}`, html: `<p>${i}</p>`, text: `${i}` }),
      ),
    );
    expect(caught.map((m) => m.subject).sort()).toEqual(Array.from({ length: 12 }, (_, i) => `n${i}`).sort());
    expect(caught.map((m) => m.to[0]).sort()).toEqual(
      Array.from({ length: 12 }, (_, i) => `u${i}@acme.test`).sort(),
    );
  });

  it("answers 451 when the message cannot be kept, so the sender retries", async () => {
    let isFailing = true;
    const kept: CaughtEmail[] = [];
    const { mailer } = await setup({
      onMessage: async (m) => {
        if (isFailing) throw new Error("mailbox table unavailable");
        kept.push(m);
      },
    });
    const msg = { to: ["pat@acme.test"], subject: "Retry me", html: "<p>x</p>", text: "x" };
    const error = await mailer.send(msg).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(MailSendError);
    expect((error as MailSendError).permanent).toBe(false);
    expect((error as MailSendError).responseCode).toBe(451);
    expect(kept).toHaveLength(0);

    isFailing = false;
    await mailer.send(msg);
    expect(kept.map((m) => m.subject)).toEqual(["Retry me"]);
  });

  it("refuses a message over the size limit permanently", async () => {
    const { caught, mailer } = await setup({ maxBytes: 2_000 });
    const error = await mailer
      .send({ to: ["pat@acme.test"], subject: "Big", html: `<p>${"x".repeat(10_000)}</p>`, text: "x" })
      .then(
        () => null,
        (e: unknown) => e,
      );
    expect(error).toBeInstanceOf(MailSendError);
    expect((error as MailSendError).permanent).toBe(true);
    expect(caught).toHaveLength(0);
  });

  it("closes even while a pooled client is still connected", async () => {
    const { catcher, mailer } = await setup();
    await mailer.send({ to: ["pat@acme.test"], subject: "x", html: "x", text: "x" });
    await catcher.close();
    const error = await mailer.send({ to: ["pat@acme.test"], subject: "y", html: "y", text: "y" }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(MailSendError);
    expect((error as MailSendError).permanent).toBe(false);
  });
});
