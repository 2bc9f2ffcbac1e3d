import type { AddressObject, EmailAddress } from "mailparser";
import { simpleParser } from "mailparser";
import { SMTPServer } from "smtp-server";

function headerText(value: unknown): string | null {
  return typeof value === "string" && value.length > 0 && value.length <= 100 ? value : null;
}

export interface CaughtEmail {
  /** Message-ID header, angle brackets included (the same value the sending mailer reports). */
  messageId: string;
  /** The From header as written, e.g. `Costbridge <no-reply@localhost>`. */
  from: string;
  /** Envelope recipients: who the message was actually delivered to. */
  to: string[];
  subject: string;
  html: string;
  text: string;
  receivedAt: Date;
  /** The company it was sent for (the X-Costbridge-Company header), when it names one. */
  companyId: string | null;
}

export interface MailCatcherOptions {
  /** Loopback only: the catcher has no authentication and no TLS. */
  host?: "127.0.0.1" | "::1" | "localhost";
  /** 0 picks a free port. */
  port?: number;
  onMessage: (message: CaughtEmail) => Promise<void> | void;
  /** Largest message accepted, in bytes; 10 MiB when unset. */
  maxBytes?: number;
  now?: () => Date;
}

export interface MailCatcher {
  port: number;
  /** `smtp://127.0.0.1:{port}`, ready to be used as the mailer's SMTP URL. */
  url: string;
  close(): Promise<void>;
}

function addressesOf(field: AddressObject | AddressObject[] | undefined): string[] {
  const objects = field === undefined ? [] : Array.isArray(field) ? field : [field];
  const flatten = (list: EmailAddress[]): string[] =>
    list.flatMap((a) => (a.group ? flatten(a.group) : a.address ? [a.address] : []));
  return objects.flatMap((o) => flatten(o.value));
}

/**
 * The demo-mode mail server: accepts every message on loopback, parses it and hands it to `onMessage` (which
 * stores it for the mailbox page). If `onMessage` fails the sender gets a 451, so the mail job retries rather
 * than believing it was delivered.
 */
export async function startMailCatcher(options: MailCatcherOptions): Promise<MailCatcher> {
  const host = options.host ?? "127.0.0.1";
  const now = options.now ?? (() => new Date());
  const maxBytes = options.maxBytes ?? 10 * 1024 * 1024;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ["AUTH", "STARTTLS"],
    banner: "Costbridge demo mail catcher",
    size: maxBytes,
    logger: false,
    // A pooled client keeps its connection; do not make close() wait half a minute for it.
    closeTimeout: 1_000,
    onData(stream, session, callback) {
      const envelopeTo = session.envelope.rcptTo.map((r) => r.address);
      const envelopeFrom = session.envelope.mailFrom ? session.envelope.mailFrom.address : "";
      simpleParser(stream)
        .then(async (parsed) => {
          if (stream.sizeExceeded) {
            const error = Object.assign(new Error("message too large"), { responseCode: 552 });
            callback(error);
            return;
          }
          const headerTo = addressesOf(parsed.to);
          await options.onMessage({
            messageId: parsed.messageId ?? `<caught-${session.id}@costbridge.invalid>`,
            from: parsed.from?.text ?? envelopeFrom,
            to: envelopeTo.length ? envelopeTo : headerTo,
            subject: parsed.subject ?? "",
            html: typeof parsed.html === "string" ? parsed.html : "",
            text: parsed.text ?? "",
            receivedAt: now(),
            companyId: headerText(parsed.headers.get("x-costbridge-company")),
          });
          callback(null, "Message caught");
        })
        .catch((error: unknown) => {
          const reason = error instanceof Error ? error.message : String(error);
          callback(Object.assign(new Error(`could not keep the message: ${reason}`), { responseCode: 451 }));
        });
    },
  });

  await new Promise<void>((resolve, reject) => {
    const onError = (error: Error) => reject(error);
    server.once("error", onError);
    server.listen(options.port ?? 0, host, () => {
      server.off("error", onError);
      resolve();
    });
  });
  // A client that disconnects mid-session is not a reason to crash the process.
  server.on("error", () => undefined);

  const address = server.server.address();
  if (address === null || typeof address === "string") {
    throw new Error("the mail catcher is not listening on a TCP port");
  }
  const urlHost = address.family === "IPv6" ? `[${address.address}]` : address.address;
  let closing: Promise<void> | undefined;
  return {
    port: address.port,
    url: `smtp://${urlHost}:${address.port}`,
    close() {
      closing ??= new Promise<void>((resolve) => server.close(() => resolve()));
      return closing;
    },
  };
}
