import nodemailer from "nodemailer";

/** The header naming the company an email was sent for. */
export const COMPANY_HEADER = "X-Costbridge-Company";

export interface OutgoingEmail {
  to: string[];
  subject: string;
  html: string;
  text: string;
  replyTo?: string;
  headers?: Record<string, string>;
}

export interface Mailer {
  send(msg: OutgoingEmail): Promise<{ messageId: string }>;
}

/** A recipient the mail server (or our own address check) refused while others on the same message went out. */
export interface RecipientRejection {
  address: string;
  permanent: boolean;
  reason: string;
}

export interface SmtpSendResult {
  /** Message-ID header value, angle brackets included, as a receiver sees it. */
  messageId: string;
  accepted: string[];
  rejected: RecipientRejection[];
}

export interface SmtpMailer extends Mailer {
  send(msg: OutgoingEmail): Promise<SmtpSendResult>;
  /** Connects and greets the server once; throws MailSendError when it cannot. */
  verify(): Promise<void>;
  /** Lets sends already started finish, then closes the pooled connections. */
  close(): Promise<void>;
}

export interface SmtpMailerOptions {
  /** `smtp://[user:pass@]host:port` (STARTTLS when offered) or `smtps://…` (TLS from the start). */
  smtpUrl: string;
  /** Default From, e.g. `Costbridge <no-reply@example.com>`. */
  from: string;
  /** Default Reply-To; a message's own replyTo wins. */
  replyTo?: string;
  maxConnections?: number;
  /** Milliseconds. Defaults keep a stuck server from holding a worker for long. */
  timeouts?: { connect?: number; greeting?: number; socket?: number; send?: number };
}

export interface MailSendErrorDetails {
  /** nodemailer's error code (`ECONNECTION`, `EENVELOPE`, …) or `EINVALIDRECIPIENT` for addresses refused before sending. */
  code: string;
  responseCode?: number;
  /** The SMTP command the server answered with the error. */
  command?: string;
  /** Recipients the error is about, when it is about recipients. */
  recipients?: string[];
}

/**
 * A send that did not go out. `permanent` tells a job whether a retry can help: the server refused the message or
 * every recipient for good (5xx), versus the server being unreachable, slow, or busy (connection errors, timeouts,
 * 4xx), which a later attempt may get through.
 */
export class MailSendError extends Error {
  override readonly name = "MailSendError";
  readonly code: string;
  readonly responseCode: number | undefined;
  readonly command: string | undefined;
  readonly recipients: string[];

  constructor(
    message: string,
    readonly permanent: boolean,
    details: MailSendErrorDetails,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.code = details.code;
    this.responseCode = details.responseCode;
    this.command = details.command;
    this.recipients = details.recipients ?? [];
  }
}

interface NodemailerLikeError {
  message?: string;
  code?: string;
  responseCode?: number;
  command?: string;
  response?: string;
  rejected?: string[];
  rejectedErrors?: NodemailerLikeError[];
  recipient?: string;
}

// A fault in the message as we built it: sending the same bytes again can only fail the same way.
const PERMANENT_WITHOUT_REPLY = new Set([
  "EENVELOPE",
  "EMESSAGE",
  "EMAXRECIPIENTS",
  "EFILEACCESS",
  "EURLACCESS",
]);
// Replies to these commands are about our session or credentials, not about this message: an operator can fix
// them and the queued mail should then go out.
const SESSION_COMMANDS = /^(EHLO|HELO|LHLO|STARTTLS|AUTH)\b/i;

function isPermanentReply(code: number): boolean {
  // RFC 5321: 5yz is a permanent negative reply, except 503 (bad sequence) which a fresh session may not repeat.
  return code >= 500 && code <= 599 && code !== 503;
}

function isPermanent(e: NodemailerLikeError): boolean {
  if (e.code === "EAUTH" || e.code === "ENOAUTH") return false;
  if (e.command && SESSION_COMMANDS.test(e.command)) return false;
  if (e.rejectedErrors?.length) return e.rejectedErrors.every(isPermanent);
  if (typeof e.responseCode === "number") return isPermanentReply(e.responseCode);
  return e.code !== undefined && PERMANENT_WITHOUT_REPLY.has(e.code);
}

/** Sorts anything a send threw into a MailSendError with `permanent` set. */
export function toMailSendError(error: unknown): MailSendError {
  if (error instanceof MailSendError) return error;
  const e = (
    typeof error === "object" && error !== null ? error : { message: String(error) }
  ) as NodemailerLikeError;
  const recipients = e.rejected ?? (e.recipient ? [e.recipient] : undefined);
  return new MailSendError(
    e.message ?? "sending the email failed",
    isPermanent(e),
    { code: e.code ?? "EUNKNOWN", responseCode: e.responseCode, command: e.command, recipients },
    { cause: error },
  );
}

// Deliberately narrower than RFC 5322: one @, no blanks, quotes, brackets or separators. What passes is what
// real mailboxes look like; what fails would most likely be refused by the server anyway.
const PLAIN_ADDRESS = /^[^\s@<>()[\]\\,;:"]+@[^\s@<>()[\]\\,;:"]+$/;
const NAMED_ADDRESS = /^[^<>\r\n]*<([^<>\s]+)>$/;

/** The bare mailbox of `a@b.c` or `Name <a@b.c>`, or null when it is not a usable address. */
export function mailboxOf(recipient: string): string | null {
  const trimmed = recipient.trim();
  const named = NAMED_ADDRESS.exec(trimmed);
  const address = named ? named[1]! : trimmed;
  if (!PLAIN_ADDRESS.test(address) || address.length > 254) return null;
  const domain = address.slice(address.lastIndexOf("@") + 1);
  if (domain.startsWith(".") || domain.endsWith(".") || domain.includes("..")) return null;
  return address;
}

function checkHeaders(headers: Record<string, string> | undefined): void {
  for (const [name, value] of Object.entries(headers ?? {})) {
    if (!/^[!-9;-~]+$/.test(name) || /[\r\n]/.test(value)) {
      throw new MailSendError(`header ${JSON.stringify(name)} is not a valid single-line header`, true, {
        code: "EMESSAGE",
      });
    }
  }
}

export function createSmtpMailer(options: SmtpMailerOptions): SmtpMailer {
  const timeouts = {
    connect: options.timeouts?.connect ?? 10_000,
    greeting: options.timeouts?.greeting ?? 10_000,
    socket: options.timeouts?.socket ?? 60_000,
    send: options.timeouts?.send ?? 120_000,
  };
  const transport = nodemailer.createTransport(
    {
      url: options.smtpUrl,
      pool: true,
      maxConnections: options.maxConnections ?? 5,
      maxMessages: 100,
      idleTimeout: 30_000,
      connectionTimeout: timeouts.connect,
      greetingTimeout: timeouts.greeting,
      socketTimeout: timeouts.socket,
      dnsTimeout: timeouts.connect,
      // Bodies are strings we render; never let a message make the server read files or fetch URLs.
      disableFileAccess: true,
      disableUrlAccess: true,
    },
    { from: options.from, ...(options.replyTo ? { replyTo: options.replyTo } : {}) },
  );
  const inFlight = new Set<Promise<unknown>>();
  let isClosed = false;

  async function deliver(msg: OutgoingEmail): Promise<SmtpSendResult> {
    if (isClosed) {
      throw new MailSendError("the mailer is closed", false, { code: "ECLOSED" });
    }
    checkHeaders(msg.headers);
    const seen = new Set<string>();
    const valid: string[] = [];
    const rejected: RecipientRejection[] = [];
    for (const recipient of msg.to) {
      const mailbox = mailboxOf(recipient);
      if (!mailbox) {
        rejected.push({ address: recipient, permanent: true, reason: "not a valid email address" });
      } else if (!seen.has(mailbox.toLowerCase())) {
        seen.add(mailbox.toLowerCase());
        valid.push(recipient.trim());
      }
    }
    if (valid.length === 0) {
      throw new MailSendError(
        msg.to.length ? `no valid recipient in ${JSON.stringify(msg.to)}` : "the email has no recipient",
        true,
        { code: "EINVALIDRECIPIENT", recipients: msg.to },
      );
    }
    try {
      const info = await transport.sendMail({
        to: valid,
        subject: msg.subject,
        html: msg.html,
        text: msg.text,
        ...(msg.replyTo ? { replyTo: msg.replyTo } : {}),
        ...(msg.headers ? { headers: msg.headers } : {}),
        signal: AbortSignal.timeout(timeouts.send),
      });
      const serverRejections = (info.rejectedErrors ?? []) as NodemailerLikeError[];
      for (const address of info.rejected ?? []) {
        const detail = serverRejections.find((r) => r.recipient === address);
        rejected.push({
          address,
          permanent: detail ? isPermanent(detail) : true,
          reason: detail?.response ?? detail?.message ?? "refused by the mail server",
        });
      }
      return {
        messageId: info.messageId,
        accepted: (info.accepted ?? []).map(String),
        rejected,
      };
    } catch (error) {
      throw toMailSendError(error);
    }
  }

  return {
    send(msg) {
      const pending = deliver(msg);
      const tracked = pending.catch(() => undefined);
      inFlight.add(tracked);
      void tracked.finally(() => inFlight.delete(tracked));
      return pending;
    },
    async verify() {
      try {
        await transport.verify();
      } catch (error) {
        throw toMailSendError(error);
      }
    },
    async close() {
      isClosed = true;
      await Promise.all([...inFlight]);
      transport.close();
    },
  };
}

export type RecipientOutcome =
  | { to: string; ok: true; messageId: string }
  | { to: string; ok: false; error: MailSendError };

/**
 * Sends the same email separately to each recipient, so one bad or refusing address never holds up the rest and
 * each outcome can be recorded (and retried) on its own.
 */
export async function sendToEach(mailer: Mailer, msg: OutgoingEmail): Promise<RecipientOutcome[]> {
  return Promise.all(
    msg.to.map(async (to): Promise<RecipientOutcome> => {
      try {
        const { messageId } = await mailer.send({ ...msg, to: [to] });
        return { to, ok: true, messageId };
      } catch (error) {
        return { to, ok: false, error: toMailSendError(error) };
      }
    }),
  );
}
