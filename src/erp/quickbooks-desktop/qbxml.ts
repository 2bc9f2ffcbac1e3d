/**
 * qbXML 13.0: the request documents we hand the Web Connector and the responses it brings back, as pure functions.
 * Element order follows the qbXML schema (QuickBooks rejects elements out of order).
 */
import { child, childrenNamed, el, parseXml, type RawXml, textOf, type XmlNode } from "./xml.js";

export const QBXML_VERSION = "13.0";

/** A reference to a list element: by ListID when we know it, else by full name. */
export type QbdRef = { listId: string } | { fullName: string };

function ref(name: string, r: QbdRef): RawXml {
  return el(name, "listId" in r ? el("ListID", r.listId) : el("FullName", r.fullName));
}

/** Wraps one request element into a complete qbXML document. */
export function qbxmlDocument(request: RawXml): string {
  return (
    `<?xml version="1.0" encoding="utf-8"?><?qbxml version="${QBXML_VERSION}"?>` +
    el("QBXML", el("QBXMLMsgsRq", request, { onError: "stopOnError" })).xml
  );
}

export function customerQuery(requestId: string, by: QbdRef): RawXml {
  return el("CustomerQueryRq", "listId" in by ? el("ListID", by.listId) : el("FullName", by.fullName), {
    requestID: requestId,
  });
}

export function customerAdd(requestId: string, name: string, parent: QbdRef | null): RawXml {
  return el(
    "CustomerAddRq",
    el("CustomerAdd", [el("Name", name), parent ? ref("ParentRef", parent) : null]),
    {
      requestID: requestId,
    },
  );
}

export function itemQuery(requestId: string, by: QbdRef): RawXml {
  return el("ItemQueryRq", "listId" in by ? el("ListID", by.listId) : el("FullName", by.fullName), {
    requestID: requestId,
  });
}

export function itemServiceAdd(
  requestId: string,
  item: { name: string; description: string; incomeAccount: QbdRef },
): RawXml {
  return el(
    "ItemServiceAddRq",
    el("ItemServiceAdd", [
      el("Name", item.name),
      el("SalesOrPurchase", [
        el("Desc", item.description),
        el("Price", "0.00"),
        ref("AccountRef", item.incomeAccount),
      ]),
    ]),
    { requestID: requestId },
  );
}

export function incomeAccountQuery(requestId: string): RawXml {
  return el("AccountQueryRq", [el("ActiveStatus", "ActiveOnly"), el("AccountType", "Income")], {
    requestID: requestId,
  });
}

/** A transaction query (EstimateQueryRq, PurchaseOrderQueryRq) by one filter, answered with its lines. */
function txnQuery(requestName: string, requestId: string, filter: RawXml): RawXml {
  return el(requestName, [filter, el("IncludeLineItems", "true")], { requestID: requestId });
}

export function estimateQueryByTxnId(requestId: string, txnId: string): RawXml {
  return txnQuery("EstimateQueryRq", requestId, el("TxnID", txnId));
}

export function estimateQueryByCustomer(requestId: string, customer: QbdRef): RawXml {
  return txnQuery("EstimateQueryRq", requestId, ref("EntityFilter", customer));
}

export interface EstimateLineWrite {
  item: QbdRef;
  description: string;
  /** Decimal text with two places, e.g. "125000.00". */
  amount: string;
  className?: string | undefined;
}

export interface EstimateWrite {
  customer: QbdRef;
  refNumber: string;
  memo: string;
  lines: EstimateLineWrite[];
}

/** What estimate and purchase-order lines share, in schema order: ItemRef, Desc, Quantity, Rate, ClassRef, Amount. */
function itemLineStart(line: EstimateLineWrite): (RawXml | null)[] {
  return [
    ref("ItemRef", line.item),
    el("Desc", line.description),
    el("Quantity", "1"),
    el("Rate", line.amount),
    line.className ? ref("ClassRef", { fullName: line.className }) : null,
    el("Amount", line.amount),
  ];
}

function lineBody(line: EstimateLineWrite): (RawXml | null)[] {
  return [...itemLineStart(line), ref("SalesTaxCodeRef", { fullName: "Non" })];
}

/** The start of a transaction mod in schema order: TxnID, EditSequence, the entity, RefNumber, Memo. */
function txnModStart(
  target: { txnId: string; editSequence: string },
  entity: { name: string; ref: QbdRef | undefined },
  fields: { refNumber?: string | undefined; memo?: string | undefined },
): (RawXml | null)[] {
  return [
    el("TxnID", target.txnId),
    el("EditSequence", target.editSequence),
    entity.ref ? ref(entity.name, entity.ref) : null,
    fields.refNumber !== undefined ? el("RefNumber", fields.refNumber) : null,
    fields.memo !== undefined ? el("Memo", fields.memo) : null,
  ];
}

export function estimateAdd(requestId: string, e: EstimateWrite): RawXml {
  return el(
    "EstimateAddRq",
    el("EstimateAdd", [
      ref("CustomerRef", e.customer),
      el("RefNumber", e.refNumber),
      el("Memo", e.memo),
      el("IsToBeEmailed", "false"),
      ...e.lines.map((l) => el("EstimateLineAdd", lineBody(l))),
    ]),
    { requestID: requestId },
  );
}

/** What an EstimateMod carries: the lines always, the rest only when Costbridge changes something it owns. */
export interface EstimateModWrite {
  /** Only to move the estimate back onto the project's job. */
  customer?: QbdRef | undefined;
  /** Only where the reference number is ours (we set it, nobody renumbered it) and differs. */
  refNumber?: string | undefined;
  /** The memo with our marker updated, the bookkeeper's words around it kept; omitted when unchanged. */
  memo?: string | undefined;
  lines: EstimateLineWrite[];
}

/**
 * A rewrite of an estimate's lines: `lineIds[i]` keeps the i-th existing line (QuickBooks deletes every line not
 * named), -1 adds one. Nothing else of the estimate is sent unless given, so QuickBooks keeps it as it is (dates,
 * addresses, terms, template, customer message, its "to be e-mailed" flag, custom fields).
 */
export function estimateMod(
  requestId: string,
  target: { txnId: string; editSequence: string; lineIds: string[] },
  e: EstimateModWrite,
): RawXml {
  return el(
    "EstimateModRq",
    el("EstimateMod", [
      ...txnModStart(target, { name: "CustomerRef", ref: e.customer }, e),
      ...e.lines.map((l, i) =>
        el("EstimateLineMod", [el("TxnLineID", target.lineIds[i] ?? "-1"), ...lineBody(l)]),
      ),
    ]),
    { requestID: requestId },
  );
}

// ---- vendors and purchase orders -------------------------------------------------------------------------

export function vendorQuery(requestId: string, by: QbdRef): RawXml {
  return el("VendorQueryRq", "listId" in by ? el("ListID", by.listId) : el("FullName", by.fullName), {
    requestID: requestId,
  });
}

/** What Costbridge knows of a vendor, written when it adds one (each field only when set). */
export interface VendorWrite {
  name: string;
  companyName?: string | undefined;
  address?:
    | {
        addr1?: string | undefined;
        city?: string | undefined;
        state?: string | undefined;
        postalCode?: string | undefined;
        country?: string | undefined;
      }
    | undefined;
  phone?: string | undefined;
  email?: string | undefined;
  contact?: string | undefined;
}

function optional(name: string, value: string | undefined): RawXml | null {
  return value === undefined || value === "" ? null : el(name, value);
}

/** VendorAdd in schema order: Name, CompanyName, VendorAddress, Phone, Email, Contact. */
export function vendorAdd(requestId: string, v: VendorWrite): RawXml {
  const a = v.address;
  const address = a
    ? [
        optional("Addr1", a.addr1),
        optional("City", a.city),
        optional("State", a.state),
        optional("PostalCode", a.postalCode),
        optional("Country", a.country),
      ].filter((x): x is RawXml => x !== null)
    : [];
  return el(
    "VendorAddRq",
    el("VendorAdd", [
      el("Name", v.name),
      optional("CompanyName", v.companyName),
      address.length > 0 ? el("VendorAddress", address) : null,
      optional("Phone", v.phone),
      optional("Email", v.email),
      optional("Contact", v.contact),
    ]),
    { requestID: requestId },
  );
}

export function purchaseOrderQueryByTxnId(requestId: string, txnId: string): RawXml {
  return txnQuery("PurchaseOrderQueryRq", requestId, el("TxnID", txnId));
}

/** Purchase orders by reference number (QuickBooks cannot filter on the memo: the marker is checked on the answer). */
export function purchaseOrderQueryByRefNumber(requestId: string, refNumber: string): RawXml {
  return txnQuery("PurchaseOrderQueryRq", requestId, el("RefNumber", refNumber));
}

export interface PurchaseOrderLineWrite {
  item: QbdRef;
  description: string;
  /** Decimal text with two places, e.g. "125000.00"; written as Rate and Amount at quantity 1. */
  amount: string;
  /** The customer:job the line's cost is charged to. */
  customer: QbdRef;
  className?: string | undefined;
}

export interface PurchaseOrderWrite {
  vendor: QbdRef;
  refNumber: string;
  memo: string;
  lines: PurchaseOrderLineWrite[];
}

/** A purchase-order line in schema order: ItemRef, Desc, Quantity, Rate, ClassRef, Amount, CustomerRef. */
function purchaseOrderLineBody(line: PurchaseOrderLineWrite): (RawXml | null)[] {
  return [...itemLineStart(line), ref("CustomerRef", line.customer)];
}

export function purchaseOrderAdd(requestId: string, po: PurchaseOrderWrite): RawXml {
  return el(
    "PurchaseOrderAddRq",
    el("PurchaseOrderAdd", [
      ref("VendorRef", po.vendor),
      el("RefNumber", po.refNumber),
      el("Memo", po.memo),
      ...po.lines.map((l) => el("PurchaseOrderLineAdd", purchaseOrderLineBody(l))),
    ]),
    { requestID: requestId },
  );
}

/**
 * One line of a PurchaseOrderMod: an existing line rewritten (its TxnLineID and what Costbridge owns), a new line
 * (TxnLineID -1), or a line Costbridge does not own named by its TxnLineID alone, so QuickBooks keeps it as it is.
 */
export type PurchaseOrderLineModWrite =
  | { txnLineId: string; line: PurchaseOrderLineWrite }
  | { txnLineId: "-1"; line: PurchaseOrderLineWrite }
  | { txnLineId: string; keep: true };

export interface PurchaseOrderModWrite {
  /** Only to move the purchase order back to the commitment's vendor. */
  vendor?: QbdRef | undefined;
  /** Only where it differs. */
  refNumber?: string | undefined;
  /** The memo with our marker, a bookkeeper's words around it kept; omitted when unchanged. */
  memo?: string | undefined;
  /** Every line the purchase order keeps: QuickBooks deletes the lines a mod does not name. */
  lines: PurchaseOrderLineModWrite[];
}

export function purchaseOrderMod(
  requestId: string,
  target: { txnId: string; editSequence: string },
  po: PurchaseOrderModWrite,
): RawXml {
  return el(
    "PurchaseOrderModRq",
    el("PurchaseOrderMod", [
      ...txnModStart(target, { name: "VendorRef", ref: po.vendor }, po),
      ...po.lines.map((l) =>
        el("PurchaseOrderLineMod", [
          el("TxnLineID", l.txnLineId),
          ...("line" in l ? purchaseOrderLineBody(l.line) : []),
        ]),
      ),
    ]),
    { requestID: requestId },
  );
}

// ---- responses ----------------------------------------------------------------------------------------------

export interface QbxmlResponse {
  /** e.g. "CustomerQuery", "EstimateAdd". */
  type: string;
  requestId: string | null;
  statusCode: string;
  statusSeverity: string;
  statusMessage: string;
  /** The Ret elements (CustomerRet, ItemServiceRet, EstimateRet, …), in order. */
  rets: XmlNode[];
}

export class QbxmlParseError extends Error {}

/** Every response of a qbXML response document. */
export function parseQbxmlResponses(xml: string): QbxmlResponse[] {
  let root: XmlNode;
  try {
    root = parseXml(xml);
  } catch (e) {
    throw new QbxmlParseError(`QuickBooks sent a response that is not XML: ${(e as Error).message}`);
  }
  const msgs = child(root, "QBXMLMsgsRs");
  if (root.name !== "QBXML" || !msgs)
    throw new QbxmlParseError("QuickBooks sent a response without QBXMLMsgsRs.");
  return msgs.children
    .filter((n) => n.name.endsWith("Rs"))
    .map((n) => ({
      type: n.name.slice(0, -2),
      requestId: n.attrs.requestID ?? null,
      statusCode: n.attrs.statusCode ?? "",
      statusSeverity: n.attrs.statusSeverity ?? "",
      statusMessage: n.attrs.statusMessage ?? "",
      rets: n.children.filter((c) => c.name.endsWith("Ret")),
    }));
}

/** Query answers that mean "nothing matched": 1 (no match) and 500 (a named element was not found). */
export function isNotFound(r: QbxmlResponse): boolean {
  return r.statusCode === "1" || r.statusCode === "500";
}

export function isOk(r: QbxmlResponse): boolean {
  return r.statusCode === "0";
}

export interface ListRet {
  kind: string;
  listId: string;
  name: string;
  fullName: string;
  isActive: boolean;
  sublevel: number;
  editSequence: string;
}

export function readListRet(n: XmlNode): ListRet {
  return {
    kind: n.name.replace(/Ret$/, ""),
    listId: textOf(n, "ListID") ?? "",
    name: textOf(n, "Name") ?? "",
    fullName: textOf(n, "FullName") ?? textOf(n, "Name") ?? "",
    isActive: (textOf(n, "IsActive") ?? "true") !== "false",
    sublevel: Number(textOf(n, "Sublevel") ?? "0"),
    editSequence: textOf(n, "EditSequence") ?? "",
  };
}

export interface EstimateLineRet {
  txnLineId: string;
  itemListId: string;
  itemFullName: string;
  className: string | null;
  description: string;
  amount: string;
}

export interface EstimateRet {
  txnId: string;
  editSequence: string;
  txnNumber: number;
  customerListId: string;
  refNumber: string;
  memo: string;
  totalAmount: string;
  lines: EstimateLineRet[];
}

export function readEstimateRet(n: XmlNode): EstimateRet {
  return {
    txnId: textOf(n, "TxnID") ?? "",
    editSequence: textOf(n, "EditSequence") ?? "",
    txnNumber: Number(textOf(n, "TxnNumber") ?? "0"),
    customerListId: textOf(child(n, "CustomerRef"), "ListID") ?? "",
    refNumber: textOf(n, "RefNumber") ?? "",
    memo: textOf(n, "Memo") ?? "",
    totalAmount: textOf(n, "TotalAmount") ?? "",
    lines: childrenNamed(n, "EstimateLineRet").map((l) => ({
      txnLineId: textOf(l, "TxnLineID") ?? "",
      itemListId: textOf(child(l, "ItemRef"), "ListID") ?? "",
      itemFullName: textOf(child(l, "ItemRef"), "FullName") ?? "",
      className: textOf(child(l, "ClassRef"), "FullName") ?? null,
      description: textOf(l, "Desc") ?? "",
      amount: textOf(l, "Amount") ?? "",
    })),
  };
}

export interface PurchaseOrderLineRet {
  txnLineId: string;
  itemListId: string;
  itemFullName: string;
  className: string | null;
  description: string;
  amount: string;
  customerListId: string;
}

export interface PurchaseOrderRet {
  txnId: string;
  editSequence: string;
  txnNumber: number;
  vendorListId: string;
  refNumber: string;
  memo: string;
  totalAmount: string;
  isManuallyClosed: boolean;
  lines: PurchaseOrderLineRet[];
}

export function readPurchaseOrderRet(n: XmlNode): PurchaseOrderRet {
  return {
    txnId: textOf(n, "TxnID") ?? "",
    editSequence: textOf(n, "EditSequence") ?? "",
    txnNumber: Number(textOf(n, "TxnNumber") ?? "0"),
    vendorListId: textOf(child(n, "VendorRef"), "ListID") ?? "",
    refNumber: textOf(n, "RefNumber") ?? "",
    memo: textOf(n, "Memo") ?? "",
    totalAmount: textOf(n, "TotalAmount") ?? "",
    isManuallyClosed: textOf(n, "IsManuallyClosed") === "true",
    lines: childrenNamed(n, "PurchaseOrderLineRet").map((l) => ({
      txnLineId: textOf(l, "TxnLineID") ?? "",
      itemListId: textOf(child(l, "ItemRef"), "ListID") ?? "",
      itemFullName: textOf(child(l, "ItemRef"), "FullName") ?? "",
      className: textOf(child(l, "ClassRef"), "FullName") ?? null,
      description: textOf(l, "Desc") ?? "",
      amount: textOf(l, "Amount") ?? "",
      customerListId: textOf(child(l, "CustomerRef"), "ListID") ?? "",
    })),
  };
}
