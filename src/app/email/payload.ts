import { EMAIL_TEMPLATE_NAMES, type EmailTemplateData } from "../../mail/templates/index.js";
import { decodePayload } from "../email-outbox.js";

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
export function readOutboxMessage(payload: unknown): EmailTemplateData {
  const decoded = reviveInstants(decodePayload<unknown>(payload)) as { template?: unknown; data?: unknown };
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
