/**
 * Commitment → QuickBooks Online Vendor and PurchaseOrder, as pure functions (docs/product.md
 * §what-is-written-to-quickbooks-online). Nothing here does I/O; the export looks up or creates the references
 * and hands them in.
 */
import type { PurchaseOrderExportLine, PurchaseOrderExportRequest } from "../connector.js";
import {
  amountToCents,
  centsToDecimal,
  DESCRIPTION_MAX,
  DISPLAY_NAME_MAX,
  DOC_NUMBER_MAX,
  type GlobalTaxCalculation,
  PRIVATE_NOTE_MAX,
  QboDecimal,
  sanitizeQboName,
} from "./mapping.js";
import type { QboPurchaseOrder, QboRef } from "./types.js";

/** Intuit's limits on Vendor fields Costbridge fills. */
export const VENDOR_COMPANY_NAME_MAX = 100;
export const VENDOR_PERSON_NAME_MAX = 100;
export const EMAIL_MAX = 100;
export const PHONE_MAX = 30;
export const ADDRESS_LINE_MAX = 500;
export const CITY_MAX = 255;
export const POSTAL_CODE_MAX = 30;
export const MEMO_MAX = 4000;

function cut(text: string, max: number): string {
  const chars = Array.from(text);
  return chars.length <= max ? text : chars.slice(0, max).join("").trimEnd();
}

/** The vendor's DisplayName: its name in Costbridge, cleaned of what QuickBooks refuses in a name. */
export function vendorDisplayName(name: string): string {
  return sanitizeQboName(name, DISPLAY_NAME_MAX);
}

/** The number the purchase order carries in QuickBooks: the commitment's own number. */
export function purchaseOrderNumber(commitmentNumber: string): string {
  return cut(commitmentNumber.trim(), DOC_NUMBER_MAX);
}

export interface VendorWrite {
  DisplayName: string;
  CompanyName: string;
  GivenName?: string;
  FamilyName?: string;
  PrimaryEmailAddr?: { Address: string };
  PrimaryPhone?: { FreeFormNumber: string };
  BillAddr?: {
    Line1?: string;
    City?: string;
    CountrySubDivisionCode?: string;
    PostalCode?: string;
    Country?: string;
  };
  CurrencyRef?: QboRef;
}

function present(value: string | null | undefined): string | null {
  const t = value?.trim();
  return t ? t : null;
}

/**
 * A new vendor from the company directory: the name as DisplayName and company name, the contact person as given
 * and family name, e-mail, phone and billing address — each within Intuit's lengths (longer values are cut, a value
 * QuickBooks would refuse outright is left out).
 */
export function buildVendor(vendor: PurchaseOrderExportRequest["vendor"], currency?: string): VendorWrite {
  const display = vendorDisplayName(vendor.name);
  const body: VendorWrite = { DisplayName: display, CompanyName: cut(display, VENDOR_COMPANY_NAME_MAX) };
  const contact = present(vendor.contactName);
  if (contact) {
    const [given = "", ...rest] = contact.split(/\s+/);
    body.GivenName = cut(given, VENDOR_PERSON_NAME_MAX);
    if (rest.length > 0) body.FamilyName = cut(rest.join(" "), VENDOR_PERSON_NAME_MAX);
  }
  const email = present(vendor.email);
  if (email && email.length <= EMAIL_MAX) body.PrimaryEmailAddr = { Address: email };
  const phone = present(vendor.phone);
  if (phone) body.PrimaryPhone = { FreeFormNumber: cut(phone, PHONE_MAX) };
  const a = vendor.address;
  if (a) {
    const addr: NonNullable<VendorWrite["BillAddr"]> = {};
    const line1 = present(a.line1);
    const city = present(a.city);
    const region = present(a.region);
    const postal = present(a.postalCode);
    const country = present(a.country);
    if (line1) addr.Line1 = cut(line1, ADDRESS_LINE_MAX);
    if (city) addr.City = cut(city, CITY_MAX);
    if (region) addr.CountrySubDivisionCode = cut(region, CITY_MAX);
    if (postal) addr.PostalCode = cut(postal, POSTAL_CODE_MAX);
    if (country) addr.Country = cut(country, CITY_MAX);
    if (Object.keys(addr).length > 0) body.BillAddr = addr;
  }
  if (currency) body.CurrencyRef = { value: currency };
  return body;
}

const MARKER_PATTERN = /Costbridge commitment (\S+)/;

/** The private note that marks a purchase order as the one Costbridge writes for this commitment. */
export function formatCommitmentMarker(commitmentId: string): string {
  return `Costbridge commitment ${commitmentId}`;
}

/** The commitment a purchase order's private note names, wherever a bookkeeper left our marker; null when none. */
export function parseCommitmentMarker(note: string | null | undefined): string | null {
  if (!note) return null;
  return MARKER_PATTERN.exec(note)?.[1] ?? null;
}

/** The private note with our marker: kept where it stands, put first when absent; a bookkeeper's words stay. */
export function noteWithMarker(note: string | null | undefined, commitmentId: string): string {
  const marker = formatCommitmentMarker(commitmentId);
  const text = note ?? "";
  const m = MARKER_PATTERN.exec(text);
  if (!m) return text.trim() === "" ? marker : cut(`${marker}\n${text}`, PRIVATE_NOTE_MAX);
  return cut(text.slice(0, m.index) + marker + text.slice(m.index + m[0].length), PRIVATE_NOTE_MAX);
}

/** The line's own description, or else the cost code and its description (and the category, without classes). */
export function purchaseLineDescription(line: PurchaseOrderExportLine, useClasses: boolean): string {
  const own = line.description.trim();
  if (own) return cut(own, DESCRIPTION_MAX);
  const base = `${line.costCode} ${line.costCodeDescription}`.trim();
  return cut(useClasses ? base : `${base} · ${line.categoryName}`, DESCRIPTION_MAX);
}

export interface PurchaseLineWrite {
  /** Present for a line Costbridge wrote before: QuickBooks updates that line in place. */
  Id?: string;
  DetailType: "ItemBasedExpenseLineDetail";
  Amount: QboDecimal;
  Description: string;
  ItemBasedExpenseLineDetail: {
    ItemRef: QboRef;
    CustomerRef: QboRef;
    ClassRef?: QboRef;
    BillableStatus: "NotBillable";
    Qty: 1;
    UnitPrice: QboDecimal;
  };
}

/** What Costbridge writes on a purchase order; an update goes out sparse with these fields only. */
export interface PurchaseOrderWrite {
  VendorRef: QboRef;
  APAccountRef: QboRef;
  /** Only on create: a bookkeeper's renumbering is kept. */
  DocNumber?: string;
  /** Only on create: Open. A purchase order QuickBooks has closed is never changed. */
  POStatus?: "Open";
  /** Only on create: the commitment's title, shown to the vendor. */
  Memo?: string;
  PrivateNote: string;
  /** Our lines in commitment order, then any line a bookkeeper added (sent back unchanged so it stays). */
  Line: Array<PurchaseLineWrite | Record<string, unknown>>;
  GlobalTaxCalculation?: GlobalTaxCalculation;
  CurrencyRef?: QboRef;
}

export interface PurchaseOrderBuildInput {
  req: Pick<PurchaseOrderExportRequest, "commitment" | "lines" | "useClasses">;
  vendorRef: string;
  payablesAccountRef: string;
  jobRef: string;
  /** Item id per cost code. */
  itemRefs: ReadonlyMap<string, string>;
  /** Class id per category code, or null when categories go into the description. */
  classRefs: ReadonlyMap<string, string> | null;
  /** The QuickBooks line id of each line written before, by line key (only lines that still exist). */
  lineIds: ReadonlyMap<string, string>;
  /** Lines of the purchase order that are not Costbridge's, kept as they are. */
  foreignLines?: ReadonlyArray<Record<string, unknown>>;
  /** The purchase order as QuickBooks holds it now; null for a create. */
  current: Pick<QboPurchaseOrder, "PrivateNote"> | null;
  /** Outside the US a transaction states how tax applies: commitments are written without tax. */
  globalTaxCalculation?: GlobalTaxCalculation | undefined;
  currency?: string | undefined;
}

/** One ItemBasedExpenseLineDetail line per commitment line: the item on the job, Qty 1 × UnitPrice = Amount. */
export function buildPurchaseOrder(input: PurchaseOrderBuildInput): PurchaseOrderWrite {
  const { req } = input;
  const lines: PurchaseOrderWrite["Line"] = req.lines.map((line): PurchaseLineWrite => {
    const itemId = input.itemRefs.get(line.costCode);
    if (!itemId) throw new Error(`no item for cost code ${line.costCode}`);
    const amount = QboDecimal.fromCents(line.amount);
    const detail: PurchaseLineWrite["ItemBasedExpenseLineDetail"] = {
      ItemRef: { value: itemId },
      CustomerRef: { value: input.jobRef },
      BillableStatus: "NotBillable",
      Qty: 1,
      UnitPrice: amount,
    };
    if (input.classRefs) {
      const classId = input.classRefs.get(line.category);
      if (!classId) throw new Error(`no class for category ${line.category}`);
      detail.ClassRef = { value: classId };
    }
    const out: PurchaseLineWrite = {
      DetailType: "ItemBasedExpenseLineDetail",
      Amount: amount,
      Description: purchaseLineDescription(line, req.useClasses),
      ItemBasedExpenseLineDetail: detail,
    };
    const id = input.lineIds.get(line.lineKey);
    return id ? { Id: id, ...out } : out;
  });
  lines.push(...(input.foreignLines ?? []));
  const body: PurchaseOrderWrite = {
    VendorRef: { value: input.vendorRef },
    APAccountRef: { value: input.payablesAccountRef },
    PrivateNote: noteWithMarker(input.current?.PrivateNote, req.commitment.id),
    Line: lines,
  };
  if (!input.current) {
    body.DocNumber = purchaseOrderNumber(req.commitment.number);
    body.POStatus = "Open";
    const title = req.commitment.title.trim();
    if (title) body.Memo = cut(title, MEMO_MAX);
  }
  if (input.globalTaxCalculation) body.GlobalTaxCalculation = input.globalTaxCalculation;
  if (input.currency) body.CurrencyRef = { value: input.currency };
  return body;
}

/**
 * Differences between the purchase order QuickBooks returned and our lines (vendor, then for each of our lines in
 * order: amount, item and job), worded for a person; empty when it holds exactly what we wrote.
 */
export function comparePurchaseOrder(
  actual: QboPurchaseOrder,
  expected: { vendorRef: string; jobRef: string; lines: { amount: bigint; itemRef: string }[] },
): string[] {
  const problems: string[] = [];
  if (actual.VendorRef?.value !== expected.vendorRef) {
    problems.push(
      `the purchase order is for vendor ${actual.VendorRef?.value ?? "(none)"}, not ${expected.vendorRef}`,
    );
  }
  const got = (actual.Line ?? []).filter((l) => l.DetailType === "ItemBasedExpenseLineDetail");
  if (got.length < expected.lines.length) {
    problems.push(`QuickBooks has ${got.length} item lines, the commitment has ${expected.lines.length}`);
  }
  expected.lines.forEach((want, i) => {
    const line = got[i];
    if (!line) return;
    const cents = amountToCents(line.Amount);
    if (cents !== want.amount) {
      const shown = cents === null ? String(line.Amount) : centsToDecimal(cents);
      problems.push(`line ${i + 1} amount is ${shown}, expected ${centsToDecimal(want.amount)}`);
    }
    const detail = line.ItemBasedExpenseLineDetail;
    if (detail?.ItemRef?.value !== want.itemRef) {
      problems.push(`line ${i + 1} item is ${detail?.ItemRef?.value ?? "(none)"}, expected ${want.itemRef}`);
    }
    if (detail?.CustomerRef?.value !== expected.jobRef) {
      problems.push(
        `line ${i + 1} is on customer ${detail?.CustomerRef?.value ?? "(none)"}, not ${expected.jobRef}`,
      );
    }
  });
  return problems;
}
