import { createServer, type Socket } from "node:net";
import { type ParsedMail, simpleParser } from "mailparser";
import { SMTPServer } from "smtp-server";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type CaughtEmail, startMailCatcher } from "./catcher.js";
import { createSmtpMailer, MailSendError, type SmtpMailer, sendToEach, toMailSendError } from "./mailer.js";
import { renderEmail } from "./templates/index.js";
import { sampleEmails } from "./templates/samples.js";

const FROM = "Costbridge <no-reply@costbridge.test>";
const PUBLIC_URL = "http://127.0.0.1:3000";

interface Received {
  envelopeFrom: string;
  envelopeTo: string[];
  parsed: ParsedMail;
}

/**
 * A real SMTP server on loopback whose answers depend on the recipient's local part: `reject…` gets 550,
 * `busy…` gets 451, anything else is accepted and parsed.
 */
async function startTestServer(): Promise<{ url: string; received: Received[]; close: () => Promise<void> }> {
  const received: Received[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ["AUTH", "STARTTLS"],
    logger: false,
    closeTimeout: 500,
    onRcptTo(address, _session, callback) {
      if (address.address.startsWith("reject")) {
        return callback(Object.assign(new Error("5.1.1 No such mailbox"), { responseCode: 550 }));
      }
      if (address.address.startsWith("busy")) {
        return callback(Object.assign(new Error("4.2.1 Mailbox busy, try later"), { responseCode: 451 }));
      }
      callback();
    },
    onData(stream, session, callback) {
      simpleParser(stream)
        .then((parsed) => {
          received.push({
            envelopeFrom: session.envelope.mailFrom ? session.envelope.mailFrom.address : "",
            envelopeTo: session.envelope.rcptTo.map((r) => r.address),
            parsed,
          });
          callback(null, "queued");
        })
        .catch(callback);
    },
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.server.address();
  if (!address || typeof address === "string") throw new Error("no port");
  return {
    url: `smtp://127.0.0.1:${address.port}`,
    received,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
  const address = probe.address();
  if (!address || typeof address === "string") throw new Error("no port");
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return address.port;
}

function hrefs(html: string): string[] {
  return [...html.matchAll(/href="([^"]*)"/g)].map((m) => m[1]!.replace(/&amp;/g, "&"));
}

async function expectSendError(promise: Promise<unknown>): Promise<MailSendError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(MailSendError);
  return error as MailSendError;
}

describe("createSmtpMailer against a real SMTP server", () => {
  let server: Awaited<ReturnType<typeof startTestServer>>;
  let mailer: SmtpMailer;

  beforeAll(async () => {
    server = await startTestServer();
    mailer = createSmtpMailer({ smtpUrl: server.url, from: FROM, replyTo: "accounting@costbridge.test" });
  });
  afterAll(async () => {
    await mailer.close();
    await server.close();
  });
  afterEach(() => {
    server.received.length = 0;
  });

  it("delivers every template with recipients, subject, both parts and working links", async () => {
    for (const sample of sampleEmails(PUBLIC_URL)) {
      const rendered = renderEmail(sample);
      const result = await mailer.send({
        to: ["pat@acme.test", "Alex Rivera <alex@acme.test>"],
        ...rendered,
      });
      expect(result.accepted).toEqual(["pat@acme.test", "alex@acme.test"]);
      expect(result.rejected).toEqual([]);

      const got = server.received.at(-1)!;
      expect(got.envelopeTo).toEqual(["pat@acme.test", "alex@acme.test"]);
      expect(got.envelopeFrom).toBe("no-reply@costbridge.test");
      expect(got.parsed.messageId).toBe(result.messageId);
      expect(got.parsed.subject).toBe(rendered.subject);
      expect(got.parsed.from?.text).toBe('"Costbridge" <no-reply@costbridge.test>');
      expect(got.parsed.replyTo?.text).toBe("accounting@costbridge.test");
      expect(got.parsed.html).toBe(rendered.html);
      expect(got.parsed.text?.trim()).toBe(rendered.text.trim());
      const links = hrefs(String(got.parsed.html)).filter((h) => h.startsWith(PUBLIC_URL));
      expect(links.length, sample.template).toBeGreaterThan(0);
      for (const link of links) expect(got.parsed.text).toContain(link);
    }
    expect(server.received).toHaveLength(sampleEmails().length);
  });

  it("keeps non-ASCII and hostile names intact through MIME encoding", async () => {
    const sample = sampleEmails(PUBLIC_URL).find((s) => s.template === "rejection-notice")!;
    if (sample.template !== "rejection-notice") throw new Error("unreachable");
    const project = { ...sample.data.project, name: 'Zürich Spital <script>alert("x")</script> — Phase 2' };
    const rendered = renderEmail({ ...sample, data: { ...sample.data, project } });
    await mailer.send({ to: ["pat@acme.test"], ...rendered });
    const got = server.received.at(-1)!;
    expect(got.parsed.subject).toBe(
      'Budget rejected: 1001 Zürich Spital <script>alert("x")</script> — Phase 2',
    );
    expect(got.parsed.html).not.toContain("<script");
    expect(got.parsed.html).toContain("Zürich Spital &lt;script&gt;");
    expect(got.parsed.text).toContain('Zürich Spital <script>alert("x")</script> — Phase 2');
  });

  it("passes extra headers and a per-message Reply-To", async () => {
    await mailer.send({
      to: ["pat@acme.test"],
      subject: "Headers",
      html: "<p>hi</p>",
      text: "hi",
      replyTo: "alex@acme.test",
      headers: { "X-Costbridge-Template": "rejection-notice" },
    });
    const got = server.received.at(-1)!;
    expect(got.parsed.headers.get("x-costbridge-template")).toBe("rejection-notice");
    expect(got.parsed.replyTo?.text).toBe("alex@acme.test");
  });

  it("refuses a header that would inject another header", async () => {
    const error = await expectSendError(
      mailer.send({
        to: ["pat@acme.test"],
        subject: "x",
        html: "x",
        text: "x",
        headers: { "X-A": "1\r\nBcc: a@b.c" },
      }),
    );
    expect(error.permanent).toBe(true);
    expect(server.received).toHaveLength(0);
  });

  it("a recipient the server refuses with 550 is a permanent error", async () => {
    const error = await expectSendError(
      mailer.send({ to: ["reject-me@acme.test"], subject: "x", html: "x", text: "x" }),
    );
    expect(error.permanent).toBe(true);
    expect(error.responseCode).toBe(550);
    expect(error.recipients).toEqual(["reject-me@acme.test"]);
    expect(server.received).toHaveLength(0);
  });

  it("a 4xx answer is transient, so a retry is worth it", async () => {
    const error = await expectSendError(
      mailer.send({ to: ["busy@acme.test"], subject: "x", html: "x", text: "x" }),
    );
    expect(error.permanent).toBe(false);
    expect(error.responseCode).toBe(451);
  });

  it("a refused or malformed address does not stop the others on the same message", async () => {
    const result = await mailer.send({
      to: ["pat@acme.test", "reject-me@acme.test", "not an address", "alex@acme.test"],
      subject: "Mixed",
      html: "<p>x</p>",
      text: "x",
    });
    expect(result.accepted).toEqual(["pat@acme.test", "alex@acme.test"]);
    expect(result.rejected.map((r) => [r.address, r.permanent])).toEqual([
      ["not an address", true],
      ["reject-me@acme.test", true],
    ]);
    expect(server.received.at(-1)!.envelopeTo).toEqual(["pat@acme.test", "alex@acme.test"]);
  });

  it("sends one message per recipient and reports each outcome", async () => {
    const outcomes = await sendToEach(mailer, {
      to: ["pat@acme.test", "reject-me@acme.test", "busy@acme.test", "@broken", "alex@acme.test"],
      subject: "Each",
      html: "<p>x</p>",
      text: "x",
    });
    expect(outcomes.map((o) => [o.to, o.ok, o.ok ? null : o.error.permanent])).toEqual([
      ["pat@acme.test", true, null],
      ["reject-me@acme.test", false, true],
      ["busy@acme.test", false, false],
      ["@broken", false, true],
      ["alex@acme.test", true, null],
    ]);
    expect(server.received.map((r) => r.envelopeTo)).toEqual(
      expect.arrayContaining([["pat@acme.test"], ["alex@acme.test"]]),
    );
    expect(server.received).toHaveLength(2);
  });

  it("sends a shared address only once", async () => {
    const result = await mailer.send({
      to: ["pat@acme.test", "Pat <PAT@acme.test>"],
      subject: "Dedupe",
      html: "x",
      text: "x",
    });
    expect(result.accepted).toEqual(["pat@acme.test"]);
    expect(server.received.at(-1)!.envelopeTo).toEqual(["pat@acme.test"]);
  });

  it("an email with no usable recipient fails permanently without touching the server", async () => {
    const error = await expectSendError(mailer.send({ to: ["nobody"], subject: "x", html: "x", text: "x" }));
    expect(error.permanent).toBe(true);
    expect(error.code).toBe("EINVALIDRECIPIENT");
    const none = await expectSendError(mailer.send({ to: [], subject: "x", html: "x", text: "x" }));
    expect(none.permanent).toBe(true);
  });

  it("sends many messages concurrently through the pool", async () => {
    const sends = Array.from({ length: 25 }, (_, i) =>
      mailer.send({ to: [`user${i}@acme.test`], subject: `Bulk ${i}`, html: `<p>${i}</p>`, text: String(i) }),
    );
    const results = await Promise.all(sends);
    expect(new Set(results.map((r) => r.messageId)).size).toBe(25);
    expect(server.received.map((r) => r.parsed.subject).sort()).toEqual(
      Array.from({ length: 25 }, (_, i) => `Bulk ${i}`).sort(),
    );
  });
});

describe("transient failures", () => {
  it("a dead port gives a transient error", async () => {
    const port = await freePort();
    const mailer = createSmtpMailer({ smtpUrl: `smtp://127.0.0.1:${port}`, from: FROM });
    try {
      const error = await expectSendError(
        mailer.send({ to: ["pat@acme.test"], subject: "x", html: "x", text: "x" }),
      );
      expect(error.permanent).toBe(false);
      expect(error.code).toBe("ESOCKET");
      await expect(mailer.verify()).rejects.toMatchObject({ name: "MailSendError", permanent: false });
    } finally {
      await mailer.close();
    }
  });

  it("a server that never greets times out as a transient error", async () => {
    const sockets = new Set<Socket>();
    const silent = createServer((socket) => void sockets.add(socket));
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    const address = silent.address();
    if (!address || typeof address === "string") throw new Error("no port");
    const mailer = createSmtpMailer({
      smtpUrl: `smtp://127.0.0.1:${address.port}`,
      from: FROM,
      timeouts: { greeting: 200, connect: 200 },
    });
    try {
      const error = await expectSendError(
        mailer.send({ to: ["pat@acme.test"], subject: "x", html: "x", text: "x" }),
      );
      expect(error.permanent).toBe(false);
      expect(error.code).toBe("ETIMEDOUT");
    } finally {
      await mailer.close();
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
  });

  it("a closed mailer refuses new sends as retryable", async () => {
    const mailer = createSmtpMailer({ smtpUrl: "smtp://127.0.0.1:1", from: FROM });
    await mailer.close();
    const error = await expectSendError(
      mailer.send({ to: ["pat@acme.test"], subject: "x", html: "x", text: "x" }),
    );
    expect(error.permanent).toBe(false);
  });

  it("classifies what nodemailer reports", () => {
    expect(toMailSendError({ code: "EENVELOPE", responseCode: 553, command: "RCPT TO" }).permanent).toBe(
      true,
    );
    expect(toMailSendError({ code: "EMESSAGE", responseCode: 554, command: "DATA" }).permanent).toBe(true);
    expect(toMailSendError({ code: "EMESSAGE", responseCode: 452, command: "DATA" }).permanent).toBe(false);
    expect(toMailSendError({ code: "EPROTOCOL", responseCode: 503, command: "RCPT TO" }).permanent).toBe(
      false,
    );
    expect(toMailSendError({ code: "ECONNECTION" }).permanent).toBe(false);
    expect(toMailSendError({ code: "EAUTH", responseCode: 535, command: "AUTH PLAIN" }).permanent).toBe(
      false,
    );
    expect(
      toMailSendError({
        code: "EENVELOPE",
        rejectedErrors: [
          { responseCode: 550, recipient: "a@x.test" },
          { responseCode: 451, recipient: "b@x.test" },
        ],
        rejected: ["a@x.test", "b@x.test"],
      }),
    ).toMatchObject({ permanent: false, recipients: ["a@x.test", "b@x.test"] });
    expect(toMailSendError(new Error("boom")).permanent).toBe(false);
  });
});

describe("mailer and catcher together", () => {
  it("the catcher receives and parses what the mailer sends", async () => {
    const caught: CaughtEmail[] = [];
    const catcher = await startMailCatcher({
      host: "127.0.0.1",
      port: 0,
      onMessage: (m) => void caught.push(m),
    });
    const mailer = createSmtpMailer({ smtpUrl: catcher.url, from: FROM });
    try {
      const sample = sampleEmails(PUBLIC_URL).find((s) => s.template === "daily-summary")!;
      const rendered = renderEmail(sample);
      const { messageId } = await mailer.send({ to: ["alex@acme.test", "sam@acme.test"], ...rendered });
      expect(caught).toHaveLength(1);
      const m = caught[0]!;
      expect(m.messageId).toBe(messageId);
      expect(m.from).toBe('"Costbridge" <no-reply@costbridge.test>');
      expect(m.to).toEqual(["alex@acme.test", "sam@acme.test"]);
      expect(m.subject).toBe("ERP Integrations Daily Summary");
      expect(m.html).toBe(rendered.html);
      expect(m.text.trim()).toBe(rendered.text.trim());
      expect(m.receivedAt).toBeInstanceOf(Date);
    } finally {
      await mailer.close();
      await catcher.close();
    }
  });
});
