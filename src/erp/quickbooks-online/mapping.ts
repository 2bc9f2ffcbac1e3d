/**
 * Budget → QuickBooks Online Estimate, as pure functions (docs/product.md §estimate-mapping). Nothing here does
 * I/O; the export algorithm looks up or creates the references and hands them in.
 */
import { createHash } from "node:crypto";
import type { EstimateExportLine } from "../connector.js";
import type { QboEstimate, QboRef } from "./types.js";

export const DOC_NUMBER_MAX = 21;
export const DISPLAY_NAME_MAX = 500;
export const ITEM_NAME_MAX = 100;
export const CLASS_NAME_MAX = 100;
export const SKU_MAX = 100;
export const DESCRIPTION_MAX = 4000;
/** QBO amounts allow 10 integer digits; beyond that QuickBooks refuses the line. */
export const MAX_AMOUNT_CENTS = 9_999_999_999_99n;

/**
 * A decimal that must reach the wire as a JSON number with exactly these digits. Going through a JS number would
 * be exact for most budgets, but money never passes through a float here, so the text is spliced in verbatim.
 */
export class QboDecimal {
  constructor(readonly text: string) {
    if (!/^-?\d+(\.\d+)?$/.test(text)) throw new Error(`not a decimal: ${text}`);
  }
  static fromCents(cents: bigint): QboDecimal {
    return new QboDecimal(centsToDecimal(cents));
  }
}

export function centsToDecimal(cents: bigint): string {
  const negative = cents < 0n;
  const abs = negative ? -cents : cents;
  const whole = abs / 100n;
  const frac = (abs % 100n).toString().padStart(2, "0");
  return `${negative ? "-" : ""}${whole}.${frac}`;
}

/**
 * Reads an amount QuickBooks sent back (a JSON number, or a string in some SDK echoes) into cents. Returns null
 * for anything that is not a decimal with at most two places, so a verification never rounds a mismatch away.
 */
export function amountToCents(value: unknown): bigint | null {
  let text: string;
  if (typeof value === "number") {
    if (!Number.isFinite(value)) return null;
    // The shortest round-trip form of a double parsed from "125000.1" is "125000.1": the digits we sent.
    text = String(value);
    if (/e/i.test(text)) text = value.toFixed(2);
  } else if (typeof value === "string") {
    text = value.trim();
  } else {
    return null;
  }
  const m = /^(-)?(\d+)(?:\.(\d+))?$/.exec(text);
  if (!m) return null;
  const frac = (m[3] ?? "").replace(/0+$/, "");
  if (frac.length > 2) return null;
  const cents = BigInt(m[2]!) * 100n + BigInt(frac.padEnd(2, "0"));
  return m[1] ? -cents : cents;
}

/** JSON for QuickBooks with every QboDecimal written as a bare number. */
export function serializeQboJson(body: unknown): string {
  const json = JSON.stringify(body, (_key, value: unknown) =>
    value instanceof QboDecimal ? `\u0000qbo-decimal:${value.text}\u0000` : value,
  );
  return json.replace(/"\\u0000qbo-decimal:(-?\d+(?:\.\d+)?)\\u0000"/g, "$1");
}

/** Cuts to `max` characters without splitting a surrogate pair, then trims what the cut left dangling. */
function cut(text: string, max: number): string {
  const chars = Array.from(text);
  return chars.length <= max ? text : chars.slice(0, max).join("").trimEnd();
}

/**
 * QuickBooks names may not contain ':' (it separates levels of a full name), tabs or line breaks, and leading or
 * trailing blanks are dropped by QuickBooks anyway, which would make our later look-up by name miss.
 */
export function sanitizeQboName(raw: string, max: number): string {
  const cleaned = raw
    .replace(/\s*:[\s:]*/g, " - ")
    .replace(/\p{Cc}+/gu, " ")
    .replace(/\s{2,}/g, " ")
    .trim();
  return cut(cleaned, max);
}

/** The job (sub-customer) DisplayName for a project: its name, as the QuickBooks Desktop job is named. */
export function jobDisplayName(projectName: string): string {
  return sanitizeQboName(projectName, DISPLAY_NAME_MAX);
}

/** Service item name for a cost code: "03-300 Cast-in-place concrete", within QuickBooks' 100 characters. */
export function itemNameFor(costCode: string, description: string): string {
  const code = sanitizeQboName(costCode, ITEM_NAME_MAX);
  const desc = sanitizeQboName(description, ITEM_NAME_MAX);
  return desc ? cut(`${code} ${desc}`, ITEM_NAME_MAX) : code;
}

export function skuFor(costCode: string): string {
  return sanitizeQboName(costCode, SKU_MAX);
}

export function classNameFor(categoryName: string): string {
  return sanitizeQboName(categoryName, CLASS_NAME_MAX);
}

export function docNumberFor(projectNumber: string): string {
  return cut(`CB-${projectNumber.trim()}`, DOC_NUMBER_MAX);
}

const MARKER_PREFIX = "Costbridge budget";
const MARKER_PATTERN = /Costbridge budget · project (.+?) · submission (\S+)/;
export const PRIVATE_NOTE_MAX = 4000;

export interface EstimateMarker {
  projectNumber: string;
  submissionId: string;
}

/** The memo that marks an estimate as a Costbridge budget and names the submission that last wrote it. */
export function formatMarker(marker: EstimateMarker): string {
  return `${MARKER_PREFIX} · project ${marker.projectNumber} · submission ${marker.submissionId}`;
}

/** Finds our marker anywhere in a memo (a bookkeeper may have added words around it); null when absent. */
export function parseMarker(note: string | null | undefined): EstimateMarker | null {
  if (!note) return null;
  const m = MARKER_PATTERN.exec(note);
  if (!m) return null;
  return { projectNumber: m[1]!, submissionId: m[2]! };
}

export function lineDescription(line: EstimateExportLine, useClasses: boolean): string {
  const base = `${line.costCode} ${line.costCodeDescription}`.trim();
  return cut(useClasses ? base : `${base} · ${line.categoryName}`, DESCRIPTION_MAX);
}

/** Wire shape of a line we write; amounts stay exact decimals until serialisation. */
export interface EstimateLineWrite {
  DetailType: "SalesItemLineDetail";
  Amount: QboDecimal;
  Description: string;
  SalesItemLineDetail: {
    ItemRef: QboRef;
    ClassRef?: QboRef;
    Qty: 1;
    UnitPrice: QboDecimal;
    TaxCodeRef: QboRef;
  };
}

export type GlobalTaxCalculation = "TaxExcluded" | "TaxInclusive" | "NotApplicable";

/**
 * What the estimate carries for tax and currency, from the company's own setup: a US company takes the "NON"
 * pseudo code on each line and nothing else; any other company needs `GlobalTaxCalculation` and one of its own
 * tax codes; `CurrencyRef` goes with multicurrency.
 */
export interface EstimateTaxSetup {
  lineTaxCode: string;
  globalTaxCalculation?: GlobalTaxCalculation | undefined;
  currency?: string | undefined;
}

export const US_TAX_SETUP: EstimateTaxSetup = { lineTaxCode: "NON" };

/**
 * Only the fields Costbridge owns. A create carries them all; an update goes out as a sparse update (see
 * `sparseUpdateOf`), so whatever else the estimate holds (addresses, dates, customer memo, status, custom fields,
 * e-mail) is left as QuickBooks has it.
 */
export interface EstimateWrite {
  CustomerRef: QboRef;
  /** Only where Costbridge owns the number (custom transaction numbers on); otherwise QuickBooks assigns it. */
  DocNumber?: string;
  PrivateNote: string;
  Line: EstimateLineWrite[];
  GlobalTaxCalculation?: GlobalTaxCalculation;
  CurrencyRef?: QboRef;
}

export interface EstimateUpdate extends EstimateWrite {
  Id: string;
  SyncToken: string;
  sparse: true;
}

export interface EstimateBuildInput {
  jobRef: string;
  projectNumber: string;
  submissionId: string;
  lines: EstimateExportLine[];
  /** Item id per cost code. */
  itemRefs: ReadonlyMap<string, string>;
  /** Class id per category code, or null when categories go into the description. */
  classRefs: ReadonlyMap<string, string> | null;
  /** The number to write, or null to leave numbering to QuickBooks. */
  docNumber: string | null;
  /** Defaults to a US company's. */
  tax?: EstimateTaxSetup;
  /** The memo the estimate holds now: words a bookkeeper put around our marker are kept. */
  currentNote?: string | null | undefined;
}

/**
 * One SalesItemLineDetail line per budget line, amount = revised estimate at Qty 1 (so UnitPrice = Amount and
 * there is nothing to mark up), non-taxable so the estimate total equals the budget total.
 */
export function buildEstimate(input: EstimateBuildInput): EstimateWrite {
  const useClasses = input.classRefs !== null;
  const tax = input.tax ?? US_TAX_SETUP;
  const Line = input.lines.map((line): EstimateLineWrite => {
    const itemId = input.itemRefs.get(line.costCode);
    if (!itemId) throw new Error(`no item for cost code ${line.costCode}`);
    const amount = QboDecimal.fromCents(line.revisedEstimate);
    const detail: EstimateLineWrite["SalesItemLineDetail"] = {
      ItemRef: { value: itemId },
      Qty: 1,
      UnitPrice: amount,
      TaxCodeRef: { value: tax.lineTaxCode },
    };
    if (input.classRefs) {
      const classId = input.classRefs.get(line.category);
      if (!classId) throw new Error(`no class for category ${line.category}`);
      detail.ClassRef = { value: classId };
    }
    return {
      DetailType: "SalesItemLineDetail",
      Amount: amount,
      Description: lineDescription(line, useClasses),
      SalesItemLineDetail: detail,
    };
  });
  const marker = formatMarker({ projectNumber: input.projectNumber, submissionId: input.submissionId });
  const body: EstimateWrite = {
    CustomerRef: { value: input.jobRef },
    PrivateNote: replaceMarker(input.currentNote, marker),
    Line,
  };
  if (input.docNumber !== null) body.DocNumber = input.docNumber;
  if (tax.globalTaxCalculation) body.GlobalTaxCalculation = tax.globalTaxCalculation;
  if (tax.currency) body.CurrencyRef = { value: tax.currency };
  return body;
}

/** A sparse update of an existing estimate: only the fields in `write` change, nothing is cleared. */
export function sparseUpdateOf(
  write: EstimateWrite,
  current: { Id: string; SyncToken: string },
): EstimateUpdate {
  return { Id: current.Id, SyncToken: current.SyncToken, sparse: true, ...write };
}

/** The memo with our marker in it: an earlier marker is replaced where it stands, other words are kept. */
export function replaceMarker(note: string | null | undefined, marker: string): string {
  const text = note ?? "";
  const m = MARKER_PATTERN.exec(text);
  if (!m) return text.trim() === "" ? marker : cut(`${marker}\n${text}`, PRIVATE_NOTE_MAX);
  return cut(text.slice(0, m.index) + marker + text.slice(m.index + m[0].length), PRIVATE_NOTE_MAX);
}

/**
 * What Costbridge owns on an estimate, as a fingerprint: the customer/job and each content line's amount, item,
 * class and description. A bookkeeper's edit to anything else (address, dates, memo, status, custom fields)
 * leaves it unchanged, so only a change to what we own counts as "changed in QuickBooks".
 */
export function ownedDigest(estimate: Pick<QboEstimate, "CustomerRef" | "Line">): string {
  const parts = [`customer=${estimate.CustomerRef?.value ?? ""}`];
  for (const l of estimate.Line ?? []) {
    if (l.DetailType !== "SalesItemLineDetail") continue;
    const cents = amountToCents(l.Amount);
    parts.push(
      [
        cents === null ? String(l.Amount) : centsToDecimal(cents),
        l.SalesItemLineDetail?.ItemRef?.value ?? "",
        l.SalesItemLineDetail?.ClassRef?.value ?? "",
        (l.Description ?? "").trim(),
      ].join("\u0001"),
    );
  }
  return createHash("sha256").update(parts.join("\u0000")).digest("hex").slice(0, 32);
}

/** Whether QuickBooks has closed the estimate or turned it into an invoice: then it is never modified. */
export function closedBy(
  estimate: QboEstimate,
): { kind: "invoiced"; invoiceId: string } | { kind: "closed" } | null {
  const invoice = (estimate.LinkedTxn ?? []).find((t) => t.TxnType === "Invoice");
  if (invoice) return { kind: "invoiced", invoiceId: invoice.TxnId };
  if (estimate.TxnStatus === "Closed" || estimate.TxnStatus === "Converted") return { kind: "closed" };
  return null;
}

export interface ExpectedLine {
  amountCents: bigint;
  itemRef: string;
  classRef?: string | undefined;
}

export function expectedLines(write: Pick<EstimateWrite, "Line">): ExpectedLine[] {
  return write.Line.map((l) => ({
    amountCents: amountToCents(l.Amount.text)!,
    itemRef: l.SalesItemLineDetail.ItemRef.value,
    classRef: l.SalesItemLineDetail.ClassRef?.value,
  }));
}

/**
 * Differences between what QuickBooks holds and what we meant to write, worded for a person; empty when the
 * estimate carries exactly our lines (in order) and total. QuickBooks' own subtotal lines are ignored.
 */
export function compareEstimate(
  actual: QboEstimate,
  write: Pick<EstimateWrite, "CustomerRef" | "Line">,
): string[] {
  const problems: string[] = [];
  if (actual.CustomerRef?.value !== write.CustomerRef.value) {
    problems.push(
      `the estimate is on customer ${actual.CustomerRef?.value ?? "(none)"}, not ${write.CustomerRef.value}`,
    );
  }
  const want = expectedLines(write);
  const got = (actual.Line ?? []).filter((l) => l.DetailType === "SalesItemLineDetail");
  if (got.length !== want.length) {
    problems.push(`QuickBooks has ${got.length} lines, the budget has ${want.length}`);
  }
  const n = Math.min(got.length, want.length);
  for (let i = 0; i < n; i++) {
    const g = got[i]!;
    const w = want[i]!;
    const cents = amountToCents(g.Amount);
    if (cents !== w.amountCents) {
      const shown = cents === null ? String(g.Amount) : centsToDecimal(cents);
      problems.push(`line ${i + 1} amount is ${shown}, expected ${centsToDecimal(w.amountCents)}`);
    }
    if (g.SalesItemLineDetail?.ItemRef?.value !== w.itemRef) {
      problems.push(
        `line ${i + 1} item is ${g.SalesItemLineDetail?.ItemRef?.value ?? "(none)"}, expected ${w.itemRef}`,
      );
    }
    if (w.classRef !== undefined && g.SalesItemLineDetail?.ClassRef?.value !== w.classRef) {
      problems.push(
        `line ${i + 1} class is ${g.SalesItemLineDetail?.ClassRef?.value ?? "(none)"}, expected ${w.classRef}`,
      );
    }
  }
  const total = want.reduce((sum, l) => sum + l.amountCents, 0n);
  if (actual.TotalAmt !== undefined) {
    const actualTotal = amountToCents(actual.TotalAmt);
    if (actualTotal !== total) {
      problems.push(`total is ${String(actual.TotalAmt)}, expected ${centsToDecimal(total)}`);
    }
  }
  return problems;
}

/** Budget total in cents. */
export function totalCents(lines: readonly EstimateExportLine[]): bigint {
  return lines.reduce((sum, l) => sum + l.revisedEstimate, 0n);
}
