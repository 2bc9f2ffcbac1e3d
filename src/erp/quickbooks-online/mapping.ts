/**
 * Budget → QuickBooks Online Estimate, as pure functions (SPEC §7). Nothing here does I/O; the export algorithm
 * looks up or creates the references and hands them in.
 */
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
  const m = /Costbridge budget · project (.+?) · submission (\S+)/.exec(note);
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

export interface EstimateWrite {
  Id?: string;
  SyncToken?: string;
  CustomerRef: QboRef;
  DocNumber: string;
  TxnDate?: string;
  PrivateNote: string;
  TxnStatus: "Pending";
  EmailStatus: "NotSet";
  Line: EstimateLineWrite[];
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
  /** Present for a full update: the estimate being replaced. */
  replacing?: { Id: string; SyncToken: string; TxnDate?: string | undefined } | null;
}

/**
 * One SalesItemLineDetail line per budget line, amount = revised estimate at Qty 1 (so UnitPrice = Amount and
 * there is nothing to mark up), non-taxable so the estimate total equals the budget total.
 */
export function buildEstimate(input: EstimateBuildInput): EstimateWrite {
  const useClasses = input.classRefs !== null;
  const Line = input.lines.map((line): EstimateLineWrite => {
    const itemId = input.itemRefs.get(line.costCode);
    if (!itemId) throw new Error(`no item for cost code ${line.costCode}`);
    const amount = QboDecimal.fromCents(line.revisedEstimate);
    const detail: EstimateLineWrite["SalesItemLineDetail"] = {
      ItemRef: { value: itemId },
      Qty: 1,
      UnitPrice: amount,
      TaxCodeRef: { value: "NON" },
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
  const body: EstimateWrite = {
    CustomerRef: { value: input.jobRef },
    DocNumber: docNumberFor(input.projectNumber),
    PrivateNote: formatMarker({ projectNumber: input.projectNumber, submissionId: input.submissionId }),
    TxnStatus: "Pending",
    EmailStatus: "NotSet",
    Line,
  };
  if (input.replacing) {
    // Full update: omitted writable fields become null, so the original date is carried over explicitly.
    const head: Partial<EstimateWrite> = { Id: input.replacing.Id, SyncToken: input.replacing.SyncToken };
    if (input.replacing.TxnDate) head.TxnDate = input.replacing.TxnDate;
    return { ...head, ...body };
  }
  return body;
}

export interface ExpectedLine {
  amountCents: bigint;
  itemRef: string;
  classRef?: string | undefined;
}

export function expectedLines(write: EstimateWrite): ExpectedLine[] {
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
export function compareEstimate(actual: QboEstimate, write: EstimateWrite): string[] {
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
