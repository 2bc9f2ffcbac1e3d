import { deriveKey, openSecret, sealSecret } from "../../lib/secret-box.js";
import {
  EMAIL_TEMPLATE_NAMES,
  type EmailTemplateData,
  type EmailTemplateName,
} from "../../mail/templates/index.js";

/**
 * Mail about a company's work goes only to its active members, checked again when the email is sent: someone
 * deactivated (or whose account was) between queueing and sending does not get it.
 */
export const MEMBERS_ONLY_TEMPLATES: ReadonlySet<EmailTemplateName> = new Set([
  "rejection-notice",
  "export-failed",
  "daily-summary",
  "awaiting-acceptance",
]);

const TOKEN_PURPOSE = "email-outbox-token";

/**
 * What the outbox stores for a message: a link's secret token (`data.token`, the invitation's) only sealed with the
 * installation's SECRET_KEY as `data.sealedToken`, never as plain text. The sending job opens it to render the
 * email and removes it once the email is sent.
 */
export function sealOutboxMessage(message: EmailTemplateData, secretKey: string | undefined): unknown {
  const data = message.data as unknown as Record<string, unknown>;
  if (typeof data.token !== "string") return message;
  if (!secretKey) throw new Error("an email carrying a token needs the secret key to be queued");
  const { token, ...rest } = data;
  return {
    ...message,
    data: { ...rest, sealedToken: sealSecret(deriveKey(secretKey, TOKEN_PURPOSE), token) },
  };
}

// JSON keeps a Date only as its ISO text; template data names every instant `…At`, so those come back as Dates.
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

function reviveInstants(value: unknown, key = ""): unknown {
  if (typeof value === "string") {
    if (key.endsWith("At") && ISO_INSTANT.test(value)) {
      const date = new Date(value);
      if (!Number.isNaN(date.getTime())) return date;
    }
    return value;
  }
  if (Array.isArray(value)) return value.map((v) => reviveInstants(v));
  if (value && typeof value === "object" && !(value instanceof Date) && typeof value !== "bigint") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = reviveInstants(v, k);
    return out;
  }
  return value;
}

/** The template and data an outbox row was queued with, bigints and instants restored; throws on a foreign shape. */
export function readOutboxMessage(payload: unknown, secretKey?: string): EmailTemplateData {
  const decoded = reviveInstants(decodePayload<unknown>(payload)) as { template?: unknown; data?: unknown };
  const data = decoded?.data as Record<string, unknown> | undefined;
  if (data && typeof data.sealedToken === "string") {
    if (!secretKey) throw new Error("the outbox payload holds a sealed token and no key was given");
    data.token = openSecret(deriveKey(secretKey, TOKEN_PURPOSE), data.sealedToken);
    delete data.sealedToken;
  }
  if (decoded?.template === "invitation" && typeof data?.token !== "string") {
    throw new Error("the invitation link was removed from the outbox; send a new invitation");
  }
  if (
    !decoded ||
    typeof decoded !== "object" ||
    !EMAIL_TEMPLATE_NAMES.includes(decoded.template as EmailTemplateData["template"]) ||
    !decoded.data ||
    typeof decoded.data !== "object"
  ) {
    throw new Error("the outbox payload is not a template and its data");
  }
  return decoded as EmailTemplateData;
}

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
