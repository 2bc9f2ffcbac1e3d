/**
 * The part of the qbXML 13.0 schema Costbridge writes to, as data: for every element we send, the children it may
 * have in the order the schema's sequence requires, and the maximum length of each text field. QuickBooks checks a
 * request against its schema before running it (an element out of order or unknown makes the whole request set
 * fail with hresult 0x80040400, "QuickBooks found an error when parsing the provided XML text stream") and checks
 * lengths when it runs it (statusCode 3070). Every request is checked here before it is handed out, so neither
 * reaches QuickBooks.
 *
 * Checked against the qbXML 13.0 On-screen Reference (element order of CustomerAdd, ItemServiceAdd, EstimateAdd,
 * EstimateMod, their line aggregates and the queries; STRTYPE max lengths) and, for vendors and purchase orders,
 * against Intuit's qbxmlops130 sample document (VendorQuery, VendorAdd, PurchaseOrderQuery, PurchaseOrderAdd,
 * PurchaseOrderMod and their lines). Only the children Costbridge uses are listed; the rest of the schema is not
 * needed to check what we build.
 */
import { XMLValidator } from "fast-xml-parser";
import { hasForbiddenXmlChars, parseXml, type XmlNode } from "./xml.js";

/** A character reference to a character XML 1.0 forbids (&#11;, &#x1F;, …). */
const FORBIDDEN_CHAR_REFERENCE = /&#(x0*([0-8bBcCeEfF]|1[0-9a-fA-F])|0*([0-8]|1[1-2]|1[4-9]|2[0-9]|3[01]));/;

/** QuickBooks Desktop's limits on what Costbridge writes (characters). */
export const QBD_LIMITS = {
  /** Customer and job `Name`. */
  customerName: 41,
  /** Item `Name`. */
  itemName: 31,
  /** `FullName` of any list reference (Parent:Job, a class, an account). */
  fullName: 159,
  /** Transaction `RefNumber`. */
  refNumber: 11,
  /** Transaction `Memo`. */
  memo: 4095,
  /** Line and item `Desc`. */
  desc: 4095,
  /** `ListID`, `TxnID`, `TxnLineID` (IDTYPE). */
  id: 36,
  /** `EditSequence`. */
  editSequence: 16,
  /** Vendor `Name` (and a `VendorRef`'s `FullName`). */
  vendorName: 41,
  /** Vendor `CompanyName` and `Contact`. */
  vendorCompanyName: 41,
  vendorPhone: 21,
  vendorEmail: 1023,
  /** `VendorAddress` parts. */
  addr: 41,
  city: 31,
  state: 21,
  postalCode: 13,
  country: 31,
} as const;

type Rule =
  | { children: string[]; oneOf?: string[][]; anyOrder?: boolean }
  | { max: number; pattern?: RegExp };

const REF = { children: ["ListID", "FullName"], oneOf: [["ListID", "FullName"]] };
const ID = { max: QBD_LIMITS.id };
const AMOUNT = { max: 20, pattern: /^-?\d{1,13}(\.\d{1,2})?$/ };
const BOOL = { max: 5, pattern: /^(true|false)$/ };

const LINE_ADD = ["ItemRef", "Desc", "Quantity", "Rate", "ClassRef", "Amount", "SalesTaxCodeRef"];
/** A purchase-order line: ClassRef between Rate and Amount, CustomerRef (the job) after Amount. */
const PO_LINE = ["ItemRef", "Desc", "Quantity", "Rate", "ClassRef", "Amount", "CustomerRef"];

/**
 * Element name (qualified by its parent where the same name means different things) → rule. Container rules list
 * the allowed children in schema order; a child may repeat only where the schema allows (lines, ListID/FullName
 * filters).
 */
const RULES: Record<string, Rule> = {
  QBXML: { children: ["QBXMLMsgsRq"] },
  QBXMLMsgsRq: {
    children: [
      "CustomerQueryRq",
      "CustomerAddRq",
      "ItemQueryRq",
      "ItemServiceAddRq",
      "AccountQueryRq",
      "EstimateQueryRq",
      "EstimateAddRq",
      "EstimateModRq",
      "VendorQueryRq",
      "VendorAddRq",
      "PurchaseOrderQueryRq",
      "PurchaseOrderAddRq",
      "PurchaseOrderModRq",
    ],
    anyOrder: true,
  },
  CustomerQueryRq: { children: ["ListID", "FullName"], oneOf: [["ListID", "FullName"]] },
  ItemQueryRq: { children: ["ListID", "FullName"], oneOf: [["ListID", "FullName"]] },
  AccountQueryRq: { children: ["ActiveStatus", "AccountType"] },
  EstimateQueryRq: {
    children: ["TxnID", "EntityFilter", "IncludeLineItems"],
    oneOf: [["TxnID", "EntityFilter"]],
  },
  EntityFilter: REF,
  CustomerAddRq: { children: ["CustomerAdd"] },
  CustomerAdd: { children: ["Name", "ParentRef"] },
  ItemServiceAddRq: { children: ["ItemServiceAdd"] },
  ItemServiceAdd: { children: ["Name", "SalesOrPurchase"] },
  SalesOrPurchase: { children: ["Desc", "Price", "AccountRef"] },
  EstimateAddRq: { children: ["EstimateAdd"] },
  EstimateAdd: { children: ["CustomerRef", "RefNumber", "Memo", "IsToBeEmailed", "EstimateLineAdd"] },
  EstimateLineAdd: { children: LINE_ADD },
  EstimateModRq: { children: ["EstimateMod"] },
  EstimateMod: { children: ["TxnID", "EditSequence", "CustomerRef", "RefNumber", "Memo", "EstimateLineMod"] },
  EstimateLineMod: { children: ["TxnLineID", ...LINE_ADD] },
  VendorQueryRq: { children: ["ListID", "FullName"], oneOf: [["ListID", "FullName"]] },
  VendorAddRq: { children: ["VendorAdd"] },
  VendorAdd: { children: ["Name", "CompanyName", "VendorAddress", "Phone", "Email", "Contact"] },
  VendorAddress: { children: ["Addr1", "City", "State", "PostalCode", "Country"] },
  PurchaseOrderQueryRq: {
    children: ["TxnID", "RefNumber", "IncludeLineItems"],
    oneOf: [["TxnID", "RefNumber"]],
  },
  PurchaseOrderAddRq: { children: ["PurchaseOrderAdd"] },
  PurchaseOrderAdd: { children: ["VendorRef", "RefNumber", "Memo", "PurchaseOrderLineAdd"] },
  PurchaseOrderLineAdd: { children: PO_LINE },
  PurchaseOrderModRq: { children: ["PurchaseOrderMod"] },
  PurchaseOrderMod: {
    children: ["TxnID", "EditSequence", "VendorRef", "RefNumber", "Memo", "PurchaseOrderLineMod"],
  },
  PurchaseOrderLineMod: { children: ["TxnLineID", ...PO_LINE] },
  VendorRef: REF,
  ParentRef: REF,
  AccountRef: REF,
  CustomerRef: REF,
  ItemRef: REF,
  ClassRef: REF,
  SalesTaxCodeRef: REF,
  // Text fields.
  "CustomerAdd/Name": { max: QBD_LIMITS.customerName },
  "ItemServiceAdd/Name": { max: QBD_LIMITS.itemName },
  "VendorAdd/Name": { max: QBD_LIMITS.vendorName },
  "VendorRef/FullName": { max: QBD_LIMITS.vendorName },
  "VendorQueryRq/FullName": { max: QBD_LIMITS.vendorName },
  CompanyName: { max: QBD_LIMITS.vendorCompanyName },
  Contact: { max: QBD_LIMITS.vendorCompanyName },
  Phone: { max: QBD_LIMITS.vendorPhone },
  Email: { max: QBD_LIMITS.vendorEmail },
  Addr1: { max: QBD_LIMITS.addr },
  City: { max: QBD_LIMITS.city },
  State: { max: QBD_LIMITS.state },
  PostalCode: { max: QBD_LIMITS.postalCode },
  Country: { max: QBD_LIMITS.country },
  FullName: { max: QBD_LIMITS.fullName },
  "SalesTaxCodeRef/FullName": { max: 3 },
  ListID: ID,
  TxnID: ID,
  TxnLineID: ID,
  EditSequence: { max: QBD_LIMITS.editSequence },
  RefNumber: { max: QBD_LIMITS.refNumber },
  Memo: { max: QBD_LIMITS.memo },
  Desc: { max: QBD_LIMITS.desc },
  Price: AMOUNT,
  Rate: AMOUNT,
  Amount: AMOUNT,
  Quantity: { max: 20, pattern: /^-?\d{1,13}(\.\d{1,5})?$/ },
  IsToBeEmailed: BOOL,
  IncludeLineItems: BOOL,
  ActiveStatus: { max: 12, pattern: /^(ActiveOnly|InactiveOnly|All)$/ },
  AccountType: { max: 30, pattern: /^[A-Za-z]+$/ },
};

/** Elements that may appear more than once in a row. */
const REPEATABLE = new Set([
  "EstimateLineAdd",
  "EstimateLineMod",
  "PurchaseOrderLineAdd",
  "PurchaseOrderLineMod",
  "ListID",
  "FullName",
  "TxnID",
]);

/** Where a request breaks the schema, worded for a person: the element, its path and what is wrong. */
export interface QbxmlViolation {
  kind: "not_well_formed" | "order" | "unknown_element" | "missing" | "too_long" | "format";
  /** e.g. "EstimateAdd/EstimateLineAdd/Desc". */
  path: string;
  element: string;
  message: string;
  /** For too_long: the limit and the length found. */
  max?: number;
  length?: number;
}

function ruleFor(parent: string, name: string): Rule | undefined {
  return RULES[`${parent}/${name}`] ?? RULES[name];
}

function chars(text: string): number {
  return [...text].length;
}

function check(node: XmlNode, parent: string, path: string, out: QbxmlViolation[]) {
  const rule = ruleFor(parent, node.name);
  const here = path ? `${path}/${node.name}` : node.name;
  if (!rule) {
    out.push({
      kind: "unknown_element",
      path: here,
      element: node.name,
      message: `${here} is not an element qbXML allows there.`,
    });
    return;
  }
  if ("max" in rule) {
    if (node.children.length > 0) {
      out.push({ kind: "format", path: here, element: node.name, message: `${here} must hold text only.` });
      return;
    }
    const n = chars(node.text);
    if (n > rule.max) {
      out.push({
        kind: "too_long",
        path: here,
        element: node.name,
        max: rule.max,
        length: n,
        message: `${here} has ${n} characters; QuickBooks Desktop allows ${rule.max}.`,
      });
    } else if (rule.pattern && !rule.pattern.test(node.text)) {
      out.push({
        kind: "format",
        path: here,
        element: node.name,
        message: `${here} "${node.text}" is not in the form qbXML expects.`,
      });
    }
    return;
  }
  // Children in schema order: each child's position in the rule may not go backwards, nor repeat unless allowed.
  let last = -1;
  let lastName = "";
  for (const c of node.children) {
    const at = rule.children.indexOf(c.name);
    if (at === -1) {
      out.push({
        kind: "unknown_element",
        path: `${here}/${c.name}`,
        element: c.name,
        message: `${here}/${c.name} is not an element qbXML allows in ${node.name}.`,
      });
      continue;
    }
    if (rule.anyOrder) {
      // requests of a set may come in any order
    } else if (at < last || (at === last && !(REPEATABLE.has(c.name) && c.name === lastName))) {
      out.push({
        kind: "order",
        path: `${here}/${c.name}`,
        element: c.name,
        message: `${here}/${c.name} comes after ${lastName}, against the order of the qbXML schema (${rule.children.join(", ")}).`,
      });
    }
    last = Math.max(last, at);
    lastName = c.name;
    check(c, node.name, here, out);
  }
  for (const group of rule.oneOf ?? []) {
    const used = group.filter((g) => node.children.some((c) => c.name === g));
    if (used.length !== 1) {
      out.push({
        kind: used.length === 0 ? "missing" : "format",
        path: here,
        element: node.name,
        message: `${here} needs exactly one of ${group.join(" or ")}.`,
      });
    }
  }
  if (node.text.trim() !== "") {
    out.push({ kind: "format", path: here, element: node.name, message: `${here} holds stray text.` });
  }
}

/** Every way a qbXML request document breaks the rules above; empty when QuickBooks Desktop will accept it. */
export function checkQbxmlRequest(xml: string): QbxmlViolation[] {
  const valid = XMLValidator.validate(xml);
  if (valid !== true) {
    return [
      {
        kind: "not_well_formed",
        path: "",
        element: "",
        message: `The request is not well-formed XML: ${valid.err.msg} (line ${valid.err.line}).`,
      },
    ];
  }
  // The validator lets characters XML forbids through, also as character references: refuse both.
  const forbidden = hasForbiddenXmlChars(xml) || FORBIDDEN_CHAR_REFERENCE.test(xml);
  if (forbidden) {
    return [
      {
        kind: "not_well_formed",
        path: "",
        element: "",
        message: "The request holds a character XML 1.0 does not allow.",
      },
    ];
  }
  if (!/^<\?xml version="1\.0" encoding="utf-8"\?><\?qbxml version="13\.0"\?>/.test(xml)) {
    return [
      {
        kind: "missing",
        path: "",
        element: "",
        message: "The request does not start with the XML declaration and the qbxml 13.0 instruction.",
      },
    ];
  }
  const out: QbxmlViolation[] = [];
  check(parseXml(xml), "", "", out);
  return out;
}
