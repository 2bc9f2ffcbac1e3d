/**
 * QuickBooks Online failures: parsing the three fault shapes it answers with, and sorting each fault into
 * "show a person" (with a remedy an accountant can act on), "try again later" or "the connection needs an admin".
 */
import { XMLParser } from "fast-xml-parser";

export interface QboError {
  status: number;
  /** QuickBooks error code ("5010", "3200"); empty when the body carried none (HTML gateway pages, empty bodies). */
  code: string;
  message: string;
  detail: string;
  element: string;
  /** Fault type: ValidationFault, SystemFault, AUTHENTICATION, SERVICE, … */
  type: string;
  /** Intuit's transaction id, the reference their support asks for. */
  intuitTid: string | null;
  /** From a Retry-After header, when QuickBooks sent one. */
  retryAfterMs: number | null;
}

/** A QuickBooks HTTP answer that was not a success. */
export class QboApiError extends Error {
  constructor(
    readonly fault: QboError,
    readonly request: { method: string; path: string },
  ) {
    super(
      `QuickBooks ${request.method} ${request.path} → ${fault.status}${fault.code ? ` (${fault.code})` : ""}: ${
        fault.detail || fault.message
      }`,
    );
    this.name = "QboApiError";
  }
}

/** No answer at all: the request timed out or the connection failed. A write may or may not have happened. */
export class QboTransportError extends Error {
  constructor(
    readonly kind: "timeout" | "network",
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "QboTransportError";
  }
}

/** The refresh token was refused (`invalid_grant`) or no tokens are stored: only an admin reconnecting helps. */
export class QboReconnectNeededError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "QboReconnectNeededError";
  }
}

/** Intuit refused our app's own credentials (`invalid_client`): an installation problem, not a user one. */
export class QboClientCredentialsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "QboClientCredentialsError";
  }
}

function headerOf(headers: Headers | Record<string, string> | undefined, name: string): string | null {
  if (!headers) return null;
  if (headers instanceof Headers) return headers.get(name);
  const hit = Object.entries(headers).find(([k]) => k.toLowerCase() === name.toLowerCase());
  return hit ? hit[1] : null;
}

/** Retry-After is either delay-seconds or an HTTP date. */
export function parseRetryAfter(value: string | null, nowMs: number = Date.now()): number | null {
  if (!value) return null;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.ceil(Number(trimmed) * 1000);
  const at = Date.parse(trimmed);
  if (Number.isNaN(at)) return null;
  return Math.max(0, at - nowMs);
}

function str(v: unknown): string {
  if (v === null || v === undefined) return "";
  if (typeof v === "string") return v;
  if (typeof v === "number" || typeof v === "boolean") return String(v);
  if (typeof v === "object" && "#text" in (v as Record<string, unknown>)) {
    return str((v as Record<string, unknown>)["#text"]);
  }
  return "";
}

function firstOf(v: unknown): Record<string, unknown> | null {
  const first = Array.isArray(v) ? v[0] : v;
  return first && typeof first === "object" ? (first as Record<string, unknown>) : null;
}

const xml = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: "@_", parseTagValue: false });

/** "message=ThrottleExceeded; errorCode=003001; statusCode=429" → "3001". */
function codeFromGatewayMessage(message: string): string {
  const m = /errorCode=0*(\d+)/.exec(message);
  return m ? m[1]! : "";
}

/**
 * Reads any QuickBooks error body: `{"Fault":{"Error":[…]}}` (validation and service faults),
 * `{"fault":{"error":[…]}}` (401/403 from the gateway), or `<IntuitResponse><Fault>` XML (429, and any answer to a
 * client that did not ask for JSON). Anything else (an HTML 503 page, an empty body) still yields a QboError.
 */
export function parseQboFault(
  status: number,
  bodyText: string,
  headers?: Headers | Record<string, string>,
): QboError {
  const base: QboError = {
    status,
    code: "",
    message: `HTTP ${status}`,
    detail: "",
    element: "",
    type: "",
    intuitTid: headerOf(headers, "intuit_tid"),
    retryAfterMs: parseRetryAfter(headerOf(headers, "retry-after")),
  };
  const text = bodyText.trim();
  if (text.startsWith("{")) {
    let json: Record<string, unknown> | null = null;
    try {
      json = JSON.parse(text) as Record<string, unknown>;
    } catch {
      json = null;
    }
    const fault = firstOf(json?.Fault ?? json?.fault);
    if (fault) {
      const error = firstOf(fault.Error ?? fault.error);
      const message = str(error?.Message ?? error?.message);
      return {
        ...base,
        code: str(error?.code ?? error?.Code) || codeFromGatewayMessage(message),
        message: message || base.message,
        detail: str(error?.Detail ?? error?.detail),
        element: str(error?.element ?? error?.Element),
        type: str(fault.type ?? fault.Type),
      };
    }
    // OAuth endpoints answer {"error":"invalid_grant","error_description":"…"}.
    if (json && typeof json.error === "string") {
      return { ...base, code: json.error, message: json.error, detail: str(json.error_description) };
    }
    return { ...base, detail: text.slice(0, 500) };
  }
  if (text.startsWith("<")) {
    try {
      const doc = xml.parse(text) as Record<string, unknown>;
      const root = firstOf(doc.IntuitResponse) ?? doc;
      const fault = firstOf(root.Fault);
      if (fault) {
        const error = firstOf(fault.Error);
        const message = str(error?.Message);
        return {
          ...base,
          code: str(error?.["@_code"]) || codeFromGatewayMessage(message),
          message: message || base.message,
          detail: str(error?.Detail),
          element: str(error?.["@_element"]),
          type: str(fault["@_type"]),
        };
      }
    } catch {
      // Not well-formed XML (an HTML error page): fall through to the plain-text summary.
    }
  }
  const plain = text
    .replace(/<[^>]*>/g, " ")
    .replace(/\s+/g, " ")
    .trim();
  return { ...base, detail: plain.slice(0, 500) };
}

/** What a fault was about, so its remedy can name the thing to fix in QuickBooks. */
export interface FaultSubject {
  kind:
    | "job"
    | "parent_customer"
    | "item"
    | "class"
    | "estimate"
    | "account"
    | "vendor"
    | "purchase_order"
    | "other";
  /** Name as the accountant sees it in QuickBooks. */
  name?: string;
  /** Cost code behind an item. */
  costCode?: string;
}

export type QboFaultClass =
  | { kind: "rejected"; code: string; message: string; remedy: string }
  | { kind: "retryable"; code: string; message: string; retryAfterMs?: number }
  | { kind: "reconnect_needed"; message: string }
  /** 401 on a data call: refresh the access token once and repeat the call. */
  | { kind: "auth" };

export const REMEDY_CHANGED_IN_QUICKBOOKS =
  "Someone changed this estimate in QuickBooks after Costbridge last wrote it. Look at their change in " +
  "QuickBooks, then either Retry the export to overwrite it with this budget, or Reject the budget to hand it back.";

function quoted(name: string | undefined, fallback: string): string {
  return name ? `"${name}"` : fallback;
}

function tidNote(err: QboError): string {
  return err.intuitTid ? ` (QuickBooks reference ${err.intuitTid})` : "";
}

function describeFault(err: QboError): string {
  const what = err.detail && err.detail !== err.message ? `${err.message}: ${err.detail}` : err.message;
  return err.code
    ? `QuickBooks error ${err.code}: ${what}`
    : `QuickBooks answered HTTP ${err.status}: ${what}`;
}

function inactiveRemedy(subject: FaultSubject | undefined): { code: string; remedy: string } {
  switch (subject?.kind) {
    case "job":
      return {
        code: "job_inactive",
        remedy:
          `The QuickBooks job ${quoted(subject.name, "for this project")} is inactive or was deleted. In QuickBooks, ` +
          "open Customers, show inactive customers and make the job active again — or link the project to another " +
          "job in Costbridge — then retry the export.",
      };
    case "parent_customer":
      return {
        code: "parent_customer_inactive",
        remedy:
          `The QuickBooks customer ${quoted(subject.name, "chosen as the parent of this project's job")} is ` +
          "inactive. Make it active again in QuickBooks (Customers, show inactive) or choose another parent " +
          "customer for the project, then retry the export.",
      };
    case "item":
      return {
        code: "item_inactive",
        remedy:
          `The QuickBooks product/service ${quoted(subject.name, "used for a cost code")}` +
          `${subject.costCode ? ` (cost code ${subject.costCode})` : ""} is inactive. In QuickBooks, open ` +
          "Products and services, show inactive items and make it active — or map the cost code to another item " +
          "in Costbridge — then retry the export.",
      };
    case "class":
      return {
        code: "class_inactive",
        remedy:
          `The QuickBooks class ${quoted(subject.name, "used for a budget category")} is inactive. Make it active ` +
          "in QuickBooks (Settings › All lists › Classes), then retry the export.",
      };
    case "estimate":
      return { code: "changed_in_quickbooks", remedy: REMEDY_CHANGED_IN_QUICKBOOKS };
    case "vendor":
      return {
        code: "vendor_inactive",
        remedy:
          `The QuickBooks vendor ${quoted(subject.name, "of this commitment")} is inactive. In QuickBooks, open ` +
          "Vendors, show inactive vendors and make it active again — or link the vendor to another QuickBooks " +
          "vendor in Costbridge (ERP Integrations › Mappings › Vendors) — then retry the export.",
      };
    case "purchase_order":
      return {
        code: "changed_in_quickbooks",
        remedy:
          "The purchase order Costbridge last wrote for this commitment was deleted in QuickBooks. Retry the " +
          "export to add a new purchase order for it, or Reject the commitment to hand it back.",
      };
    default:
      return {
        code: "quickbooks_object_inactive",
        remedy:
          "A customer, job, item or class the estimate uses is inactive or was deleted in QuickBooks. Make it " +
          "active again in QuickBooks or change the mapping in Costbridge, then retry the export.",
      };
  }
}

export interface ClassifyOptions {
  /** Minimum wait after a 429 (QUICKBOOKS_THROTTLE_BACKOFF_SECONDS). */
  throttleBackoffMs: number;
  subject?: FaultSubject;
}

/** What a fault's `element` points at, so the remedy speaks of that and not of whatever step was running. */
export type FaultElement =
  | "item"
  | "customer"
  | "vendor"
  | "class"
  | "account"
  | "tax_code"
  | "global_tax"
  | "currency"
  | "date"
  | "doc_number"
  | "line"
  | "other";

export function elementTarget(element: string): FaultElement | null {
  const e = element.trim();
  if (e === "") return null;
  const last = e.split(".").pop() ?? e;
  if (/^ItemRef$/i.test(last)) return "item";
  if (/^(CustomerRef|ParentRef)$/i.test(last)) return "customer";
  if (/^VendorRef$/i.test(last)) return "vendor";
  if (/^ClassRef$/i.test(last)) return "class";
  if (/AccountRef$/i.test(last)) return "account";
  if (/^(TaxCodeRef|TxnTaxCodeRef|TaxCode)$/i.test(last)) return "tax_code";
  if (/^GlobalTaxCalculation$/i.test(last)) return "global_tax";
  if (/^(CurrencyRef|ExchangeRate)$/i.test(last)) return "currency";
  if (/^(TxnDate|ExpirationDate|DueDate)$/i.test(last)) return "date";
  if (/^DocNumber$/i.test(last)) return "doc_number";
  if (/^Line/i.test(e)) return "line";
  return "other";
}

/**
 * The subject a remedy names: the element wins over the running step (a 610 on `ItemRef` while the estimate is
 * written is about an item, never about the estimate), keeping the step's name only when it is the same kind.
 */
function subjectFor(err: QboError, subject: FaultSubject | undefined): FaultSubject | undefined {
  const target = elementTarget(err.element);
  const kind: FaultSubject["kind"] | null =
    target === "item"
      ? "item"
      : target === "customer"
        ? subject?.kind === "parent_customer"
          ? "parent_customer"
          : "job"
        : target === "vendor"
          ? "vendor"
          : target === "class"
            ? "class"
            : target === "account"
              ? "account"
              : null;
  if (kind === null) {
    // A fault about one of our references but without an element cannot be about the estimate itself.
    return subject;
  }
  return subject?.kind === kind ? subject : { kind };
}

function closedPeriodRemedy(): string {
  return (
    "The estimate's date falls in a period that is closed in QuickBooks. Ask whoever closes the books to move " +
    "the closing date (Settings › Account and settings › Advanced › Close the books), then retry the export."
  );
}

const CLOSED_PERIOD = /clos(ed|ing) (period|date|books)|period (is )?closed|books are closed/i;

function businessRemedy(err: QboError): { code: string; remedy: string } {
  const text = `${err.message} ${err.detail}`;
  if (CLOSED_PERIOD.test(text)) return { code: "closed_period", remedy: closedPeriodRemedy() };
  switch (elementTarget(err.element)) {
    case "tax_code":
    case "global_tax":
      return {
        code: "quickbooks_tax_setup",
        remedy:
          "QuickBooks wants a tax setting on the estimate that this company's tax setup does not give. Check the " +
          "company's tax codes in QuickBooks (Taxes › Sales tax settings): an active exempt or out-of-scope code " +
          "is needed, then retry the export.",
      };
    case "currency":
      return {
        code: "quickbooks_currency",
        remedy:
          "The estimate's currency does not fit this QuickBooks company or its customer. Check the currencies in " +
          "QuickBooks (Settings › Currencies), the currency of the project's job, and the company currency in " +
          "Costbridge, then retry the export.",
      };
    case "class":
      return {
        code: "quickbooks_class_setup",
        remedy:
          "QuickBooks does not accept classes where Costbridge puts them. Turn on class tracking per line in " +
          "QuickBooks, or turn off classes in the Costbridge ERP settings, then retry the export.",
      };
    case "line":
    case "item":
      return {
        code: "quickbooks_business_rule",
        remedy:
          "QuickBooks refused a line of the estimate for the reason shown above. Check the items the cost codes " +
          "are mapped to (and the company's sales settings) in QuickBooks, then retry the export.",
      };
    default:
      return {
        code: "quickbooks_business_rule",
        remedy:
          "QuickBooks refused the estimate for the reason shown above. Fix that setting or record in QuickBooks " +
          "(or the budget in Costbridge), then retry the export.",
      };
  }
}

function missingReferenceRemedy(err: QboError): { code: string; remedy: string } {
  switch (elementTarget(err.element)) {
    case "vendor":
      return {
        code: "vendor_missing",
        remedy:
          "The QuickBooks vendor this commitment's vendor is linked to no longer exists. Link the vendor to an " +
          "existing QuickBooks vendor in Costbridge (ERP Integrations › Mappings › Vendors), then retry the export.",
      };
    case "item":
      return {
        code: "item_missing",
        remedy:
          "A QuickBooks product/service a cost code is mapped to no longer exists, or is a category. Map the cost " +
          "code to a service item in Costbridge (or turn on creating missing items), then retry the export.",
      };
    case "customer":
      return {
        code: "job_missing",
        remedy:
          "The QuickBooks customer or job the project is linked to no longer exists. Link the project to an " +
          "existing job in Costbridge, then retry the export.",
      };
    case "class":
      return {
        code: "class_missing",
        remedy:
          "A QuickBooks class a budget category uses no longer exists. Add it again in QuickBooks (or turn on " +
          "creating missing items), then retry the export.",
      };
    case "tax_code":
      return {
        code: "quickbooks_tax_setup",
        remedy:
          "The tax code Costbridge chose is not one of this QuickBooks company's tax codes. Check the tax codes in " +
          "QuickBooks (an active exempt or out-of-scope code is needed), then retry the export.",
      };
    case "currency":
      return {
        code: "currency_not_in_quickbooks",
        remedy:
          "This QuickBooks company does not hold the company's currency. Add it in QuickBooks (Settings › " +
          "Currencies) or correct the company currency in Costbridge, then retry the export.",
      };
    default:
      return {
        code: "quickbooks_reference_missing",
        remedy:
          "A customer, job, item or class that the estimate refers to no longer exists in QuickBooks. Check the " +
          "project's job link and the cost-code mappings in Costbridge, then retry the export.",
      };
  }
}

function requiredRemedy(err: QboError): { code: string; remedy: string } | null {
  switch (elementTarget(err.element)) {
    case "global_tax":
    case "tax_code":
      return businessRemedy(err);
    case "currency":
      return {
        code: "quickbooks_currency",
        remedy:
          "This QuickBooks company uses multicurrency and needs the estimate's currency. Reconnect or retry after " +
          "checking the company currency in Costbridge and the currencies in QuickBooks (Settings › Currencies).",
      };
    default:
      return null;
  }
}

/** Sorts one QuickBooks fault. Unknown 4xx faults are permanent: repeating an unchanged request cannot help. */
export function classifyQboError(err: QboError, options: ClassifyOptions): QboFaultClass {
  const message = describeFault(err);
  if (err.status === 401) return { kind: "auth" };
  if (err.status === 403) {
    return {
      kind: "reconnect_needed",
      message: `${message}. QuickBooks no longer lets this connection use the company; an admin must reconnect.`,
    };
  }
  if (err.status === 429 || err.code === "3001") {
    return {
      kind: "retryable",
      code: "quickbooks_throttled",
      message,
      retryAfterMs: Math.max(options.throttleBackoffMs, err.retryAfterMs ?? 0),
    };
  }
  if (err.status >= 500 || err.status === 408) {
    const out: QboFaultClass = { kind: "retryable", code: "quickbooks_unavailable", message };
    if (err.retryAfterMs !== null) out.retryAfterMs = err.retryAfterMs;
    return out;
  }
  const rejected = (code: string, remedy: string): QboFaultClass => ({
    kind: "rejected",
    code,
    message,
    remedy,
  });
  switch (err.code) {
    case "610": {
      const r = inactiveRemedy(subjectFor(err, options.subject));
      return rejected(r.code, r.remedy);
    }
    case "5010":
      return rejected(
        "changed_in_quickbooks",
        "Someone saved this estimate in QuickBooks while Costbridge was writing it. Look at their change in " +
          "QuickBooks, then either Retry the export to overwrite it with this budget, or Reject the budget to hand " +
          "it back.",
      );
    case "6240": {
      const name = quoted(options.subject?.name, "Costbridge tried to add");
      return rejected(
        "duplicate_name",
        `Another customer, vendor, employee or item in QuickBooks already uses the name ${name}. Rename one of ` +
          "them in QuickBooks, or link the project (or cost code) in Costbridge to the existing record, then retry.",
      );
    }
    case "6210":
      return rejected("closed_period", closedPeriodRemedy());
    case "6190":
      return rejected(
        "quickbooks_subscription_inactive",
        "This QuickBooks company's subscription is not active (cancelled, expired or in read-only mode). " +
          "Reactivate it with Intuit, then retry the export.",
      );
    case "6140":
      return rejected(
        "duplicate_doc_number",
        "Another QuickBooks transaction already uses this estimate number and the company blocks duplicate " +
          "numbers. Renumber the other transaction, or turn off the duplicate-number warning in QuickBooks " +
          "(Settings › Account and settings › Sales), then retry.",
      );
    case "2500": {
      const r = missingReferenceRemedy(err);
      return rejected(r.code, r.remedy);
    }
    case "6000": {
      const r = businessRemedy(err);
      return rejected(r.code, r.remedy);
    }
    case "2020": {
      const r = requiredRemedy(err);
      if (r) return rejected(r.code, r.remedy);
      break;
    }
    case "100":
    case "120":
      return {
        kind: "reconnect_needed",
        message: `${message}. The QuickBooks user who connected Costbridge may no longer be an admin.`,
      };
  }
  return rejected(
    "quickbooks_request_refused",
    `QuickBooks did not accept what Costbridge sent${tidNote(err)}. Retrying will not help; report this ` +
      "message to your Costbridge administrator.",
  );
}

/** Sorts a failure without an HTTP answer. */
export function classifyTransportError(err: QboTransportError): QboFaultClass {
  return {
    kind: "retryable",
    code: err.kind === "timeout" ? "quickbooks_timeout" : "quickbooks_unreachable",
    message: err.message,
  };
}
