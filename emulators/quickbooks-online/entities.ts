import { countryOf, homeCurrencyOf, multicurrencyOn, taxCodeRate, taxNameOf } from "./countries.js";
import { centsToNumber, type Decimal, decimalToNumber, multiply, parseDecimal, toCents } from "./decimal.js";
import { faults, type Obj, QboFault } from "./faults.js";
import type { EntityName, RealmState } from "./state.js";
import { formatDate, formatTimestamp } from "./time.js";

export type ChangeOperation = "Create" | "Update" | "Delete";

export interface EntityContext {
  realm: RealmState;
  nowMs: number;
  /** Told of every create, update and delete, after it is stored (change data capture, webhooks). */
  onChange?: (entity: EntityName, id: string, operation: ChangeOperation) => void;
}

export interface Ref {
  value: string;
  name?: string;
}

interface EntitySchema {
  /** Properties a client may send. */
  writable: readonly string[];
  /** Properties the server owns: accepted in a request and silently ignored. */
  readOnly: readonly string[];
  /** Properties a full update keeps even though the client omitted them. */
  preserved: readonly string[];
  isTransaction: boolean;
}

const COMMON_READ_ONLY = ["domain", "MetaData"] as const;

/** The name and contact properties a customer and a vendor both take. */
const NAME_AND_CONTACT = [
  "DisplayName",
  "Title",
  "GivenName",
  "MiddleName",
  "FamilyName",
  "Suffix",
  "CompanyName",
  "PrintOnCheckName",
  "PrimaryEmailAddr",
  "PrimaryPhone",
  "Mobile",
  "Fax",
  "AlternatePhone",
  "WebAddr",
  "BillAddr",
] as const;

export const SCHEMAS: Record<EntityName, EntitySchema> = {
  Customer: {
    writable: [
      ...NAME_AND_CONTACT,
      "ShipAddr",
      "Notes",
      "Job",
      "BillWithParent",
      "ParentRef",
      "Active",
      "Taxable",
      "PreferredDeliveryMethod",
      "CurrencyRef",
      "CustomerTypeRef",
      "SalesTermRef",
      "PaymentMethodRef",
      "ResaleNum",
      "DefaultTaxCodeRef",
      "TaxExemptionReasonId",
      "PrimaryTaxIdentifier",
      "SecondaryTaxIdentifier",
      "BusinessNumber",
      "GSTIN",
      "GSTRegistrationType",
      "OpenBalanceDate",
      "Balance",
      "Source",
    ],
    readOnly: [
      ...COMMON_READ_ONLY,
      "FullyQualifiedName",
      "Level",
      "BalanceWithJobs",
      "IsProject",
      "V4IDPseudonym",
    ],
    preserved: ["Balance"],
    isTransaction: false,
  },
  Item: {
    writable: [
      "Name",
      "Sku",
      "Description",
      "Type",
      "Active",
      "Taxable",
      "UnitPrice",
      "IncomeAccountRef",
      "ExpenseAccountRef",
      "AssetAccountRef",
      "PurchaseDesc",
      "PurchaseCost",
      "TrackQtyOnHand",
      "QtyOnHand",
      "InvStartDate",
      "SubItem",
      "ParentRef",
      "ClassRef",
      "SalesTaxIncluded",
      "PurchaseTaxIncluded",
      "SalesTaxCodeRef",
      "PurchaseTaxCodeRef",
      "PrefVendorRef",
      "ReorderPoint",
      "ServiceType",
      "ItemCategoryType",
      "TaxClassificationRef",
      "AbatementRate",
      "ReverseChargeRate",
    ],
    readOnly: [...COMMON_READ_ONLY, "FullyQualifiedName", "Level"],
    preserved: [],
    isTransaction: false,
  },
  Class: {
    writable: ["Name", "SubClass", "ParentRef", "Active"],
    readOnly: [...COMMON_READ_ONLY, "FullyQualifiedName"],
    preserved: [],
    isTransaction: false,
  },
  Account: {
    writable: [
      "Name",
      "AcctNum",
      "AccountType",
      "AccountSubType",
      "Description",
      "Active",
      "SubAccount",
      "ParentRef",
      "CurrencyRef",
      "TaxCodeRef",
      "OpeningBalance",
      "OpeningBalanceDate",
    ],
    readOnly: [
      ...COMMON_READ_ONLY,
      "FullyQualifiedName",
      "Classification",
      "CurrentBalance",
      "CurrentBalanceWithSubAccounts",
    ],
    preserved: [],
    isTransaction: false,
  },
  Estimate: {
    writable: [
      "CustomerRef",
      "Line",
      "TxnDate",
      "DocNumber",
      "PrivateNote",
      "CustomerMemo",
      "TxnStatus",
      "ExpirationDate",
      "AcceptedBy",
      "AcceptedDate",
      "ClassRef",
      "ProjectRef",
      "DepartmentRef",
      "CurrencyRef",
      "ExchangeRate",
      "BillEmail",
      "BillEmailCc",
      "BillEmailBcc",
      "BillAddr",
      "ShipAddr",
      "ShipFromAddr",
      "SalesTermRef",
      "DueDate",
      "ShipDate",
      "ShipMethodRef",
      "TrackingNum",
      "EmailStatus",
      "PrintStatus",
      "ApplyTaxAfterDiscount",
      "TxnTaxDetail",
      "CustomField",
      "GlobalTaxCalculation",
      "LinkedTxn",
      "FreeFormAddress",
      "TransactionLocationType",
      "TaxExemptionRef",
      "RecurDataRef",
    ],
    readOnly: [...COMMON_READ_ONLY, "TotalAmt", "HomeTotalAmt"],
    preserved: ["TxnDate", "DocNumber"],
    isTransaction: true,
  },
  Vendor: {
    writable: [
      ...NAME_AND_CONTACT,
      "OtherContactInfo",
      "Active",
      "AcctNum",
      "Vendor1099",
      "TaxIdentifier",
      "TermRef",
      "APAccountRef",
      "CurrencyRef",
      "BillRate",
      "CostRate",
      "Source",
      "GSTIN",
      "GSTRegistrationType",
      "BusinessNumber",
      "TaxReportingBasis",
      "T4AEligible",
      "T5018Eligible",
      "HasTPAR",
      "VendorPaymentBankDetail",
    ],
    readOnly: [...COMMON_READ_ONLY, "Balance", "V4IDPseudonym"],
    preserved: [],
    isTransaction: false,
  },
  PurchaseOrder: {
    writable: [
      "VendorRef",
      "APAccountRef",
      "Line",
      "TxnDate",
      "DocNumber",
      "PrivateNote",
      "Memo",
      "POStatus",
      "POEmail",
      "DueDate",
      "ClassRef",
      "DepartmentRef",
      "SalesTermRef",
      "ShipMethodRef",
      "ShipTo",
      "ShipAddr",
      "VendorAddr",
      "CurrencyRef",
      "ExchangeRate",
      "GlobalTaxCalculation",
      "TxnTaxDetail",
      "CustomField",
      "LinkedTxn",
      "EmailStatus",
      "PrintStatus",
      "TransactionLocationType",
      "RecurDataRef",
    ],
    readOnly: [...COMMON_READ_ONLY, "TotalAmt", "HomeTotalAmt"],
    preserved: ["TxnDate", "DocNumber"],
    isTransaction: true,
  },
};

const LINE_PROPERTIES = new Set([
  "Id",
  "LineNum",
  "Description",
  "Amount",
  "DetailType",
  "SalesItemLineDetail",
  "GroupLineDetail",
  "DescriptionLineDetail",
  "SubTotalLineDetail",
  "DiscountLineDetail",
  "LinkedTxn",
  "CustomField",
  "ProjectRef",
]);

const SALES_ITEM_DETAIL_PROPERTIES = new Set([
  "ItemRef",
  "ClassRef",
  "Qty",
  "UnitPrice",
  "TaxCodeRef",
  "ServiceDate",
  "DiscountRate",
  "DiscountAmt",
  "ItemAccountRef",
  "MarkupInfo",
  "TaxInclusiveAmt",
  "TaxClassificationRef",
  "PriceLevelRef",
]);

const DETAIL_KEYS: Record<string, string> = {
  SalesItemLineDetail: "SalesItemLineDetail",
  GroupLineDetail: "GroupLineDetail",
  DescriptionOnly: "DescriptionLineDetail",
  SubTotalLineDetail: "SubTotalLineDetail",
  DiscountLineDetail: "DiscountLineDetail",
};

const TXN_STATUSES = ["Accepted", "Closed", "Pending", "Rejected", "Converted"];
const ITEM_TYPES = ["Service", "Inventory", "NonInventory", "Group", "Category"];
const ACCOUNT_CLASSIFICATION: Record<string, string> = {
  Bank: "Asset",
  "Other Current Asset": "Asset",
  "Fixed Asset": "Asset",
  "Other Asset": "Asset",
  "Accounts Receivable": "Asset",
  Equity: "Equity",
  Expense: "Expense",
  "Other Expense": "Expense",
  "Cost of Goods Sold": "Expense",
  "Accounts Payable": "Liability",
  "Credit Card": "Liability",
  "Long Term Liability": "Liability",
  "Other Current Liability": "Liability",
  Income: "Revenue",
  "Other Income": "Revenue",
};
const DELETED_SUFFIX = " (deleted)";

export function isPlainObject(value: unknown): value is Obj {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isAbsent(value: unknown): boolean {
  return value === undefined || value === null;
}

function optString(body: Obj, field: string, element = field): string | undefined {
  const value = body[field];
  if (isAbsent(value)) return undefined;
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  throw faults.invalidValue(element, value);
}

function optBoolean(body: Obj, field: string): boolean | undefined {
  const value = body[field];
  if (isAbsent(value)) return undefined;
  if (typeof value === "boolean") return value;
  if (value === "true" || value === "false") return value === "true";
  throw faults.invalidValue(field, value);
}

function optDecimal(body: Obj, field: string, element = field): Decimal | undefined {
  const value = body[field];
  if (isAbsent(value)) return undefined;
  const parsed = parseDecimal(value);
  if (!parsed) throw faults.invalidValue(element, value);
  return parsed;
}

export function optRef(body: Obj, field: string, element = field): Ref | undefined {
  const value = body[field];
  if (isAbsent(value)) return undefined;
  if (!isPlainObject(value)) throw faults.invalidValue(element, value);
  const id = value.value;
  if (isAbsent(id) || id === "") throw faults.required(`${element}.value`, element);
  if (typeof id !== "string" && typeof id !== "number") throw faults.invalidValue(element, value);
  const ref: Ref = { value: String(id) };
  if (typeof value.name === "string") ref.name = value.name;
  return ref;
}

function checkLength(field: string, value: string | undefined, max: number): void {
  if (value !== undefined && value.length > max) throw faults.length(field, max, value.length);
}

function checkProperties(entity: EntityName, body: Obj): void {
  const schema = SCHEMAS[entity];
  for (const key of Object.keys(body)) {
    if (key === "Id" || key === "SyncToken" || key === "sparse") continue;
    if (schema.writable.includes(key) || schema.readOnly.includes(key)) continue;
    throw faults.unrecognizedField(key);
  }
}

function pickWritable(entity: EntityName, body: Obj): Obj {
  const out: Obj = {};
  for (const key of SCHEMAS[entity].writable) if (key in body) out[key] = body[key];
  return out;
}

/** Vendors share the customers' id space (both are "Names"), purchase orders the estimates' (transactions). */
const ID_SPACE: Partial<Record<EntityName, EntityName>> = { Vendor: "Customer", PurchaseOrder: "Estimate" };

function allocateId(realm: RealmState, entity: EntityName): string {
  const space = ID_SPACE[entity] ?? entity;
  const next = realm.nextId[space];
  realm.nextId[space] = next + 1;
  return String(next);
}

function compareIds(a: string, b: string): number {
  if (a.length !== b.length) return a.length - b.length;
  return a < b ? -1 : a > b ? 1 : 0;
}

export function listEntities(realm: RealmState, entity: EntityName): Obj[] {
  return Object.values(realm.entities[entity]).sort((a, b) => compareIds(String(a.Id), String(b.Id)));
}

function sameName(a: unknown, b: string): boolean {
  return typeof a === "string" && a.trim().toLowerCase() === b.trim().toLowerCase();
}

// ---------------------------------------------------------------------------------------------------------------
// Customers

function composeDisplayName(c: Obj): string {
  return ["Title", "GivenName", "MiddleName", "FamilyName", "Suffix"]
    .map((field) => optString(c, field)?.trim() ?? "")
    .filter((part) => part !== "")
    .join(" ");
}

function applyDeletedSuffix(name: string, active: boolean, wasActive: boolean): string {
  // An inactive name-list entry shows as "Name (deleted)", which also frees the plain name for reuse.
  if (!active) return name.endsWith(DELETED_SUFFIX) ? name : `${name}${DELETED_SUFFIX}`;
  if (!wasActive && name.endsWith(DELETED_SUFFIX)) return name.slice(0, -DELETED_SUFFIX.length);
  return name;
}

/**
 * Whether a customer, vendor or employee other than `self` already uses this DisplayName: the three lists share
 * one namespace in QuickBooks.
 */
function nameTaken(
  realm: RealmState,
  display: string,
  list: "Customer" | "Vendor",
  selfId?: string,
): boolean {
  const others = (table: Record<string, Obj>, isSelfList: boolean) =>
    Object.values(table).some(
      (other) => !(isSelfList && other.Id === selfId) && sameName(other.DisplayName, display),
    );
  return (
    others(realm.entities.Customer, list === "Customer") ||
    others(realm.entities.Vendor, list === "Vendor") ||
    realm.reservedNames.some((name) => sameName(name, display))
  );
}

function finalizeCustomer(ctx: EntityContext, c: Obj, existing: Obj | undefined): Obj {
  const { realm } = ctx;
  let display = optString(c, "DisplayName")?.trim();
  if (!display) display = composeDisplayName(c);
  if (!display) throw faults.required("DisplayName");
  checkLength("DisplayName", display, 500);
  if (/[:\t\n\r]/.test(display)) {
    throw faults.business("The name can't contain a colon (:), tab or new line.", "DisplayName");
  }
  const active = optBoolean(c, "Active") ?? true;
  display = applyDeletedSuffix(display, active, existing ? existing.Active !== false : true);
  const selfId = existing ? String(existing.Id) : undefined;
  if (nameTaken(realm, display, "Customer", selfId))
    throw faults.duplicateName("customer, vendor or employee");

  const parentRef = optRef(c, "ParentRef");
  const job = parentRef ? true : (optBoolean(c, "Job") ?? false);
  if (job && !parentRef) throw faults.required("ParentRef");
  let level = 0;
  let fullName = display;
  if (parentRef) {
    const parent = realm.entities.Customer[parentRef.value];
    if (!parent) throw faults.invalidReference("Names", parentRef.value, "ParentRef");
    if (parent.Active === false && active) throw faults.inactiveReference("ParentRef");
    for (let cursor: Obj | undefined = parent; cursor; ) {
      if (selfId !== undefined && cursor.Id === selfId) {
        throw faults.business("A customer can't be a sub-customer of itself or of its own sub-customers.");
      }
      const up = cursor.ParentRef as Ref | undefined;
      cursor = up ? realm.entities.Customer[up.value] : undefined;
    }
    level = Number(parent.Level ?? 0) + 1;
    if (level > 4) throw faults.business("Sub-customers can only be nested 4 levels deep.", "ParentRef");
    parentRef.name = String(parent.FullyQualifiedName);
    fullName = `${String(parent.FullyQualifiedName)}:${display}`;
  }
  for (const field of ["GivenName", "FamilyName", "MiddleName", "Title", "Suffix"]) {
    checkLength(field, optString(c, field), 100);
  }
  checkLength("CompanyName", optString(c, "CompanyName"), 100);
  checkLength("Notes", optString(c, "Notes"), 2000);
  const billWithParent = optBoolean(c, "BillWithParent") ?? false;
  if (billWithParent && !job) throw faults.business("Only a sub-customer can be billed with its parent.");

  const out: Obj = { ...c };
  out.DisplayName = display;
  out.PrintOnCheckName = optString(c, "PrintOnCheckName") ?? optString(c, "CompanyName") ?? display;
  out.Active = active;
  out.Job = job;
  out.BillWithParent = billWithParent;
  if (parentRef) out.ParentRef = parentRef;
  else delete out.ParentRef;
  out.Level = level;
  out.FullyQualifiedName = fullName;
  out.Taxable = optBoolean(c, "Taxable") ?? false;
  out.Balance = existing?.Balance ?? 0;
  out.BalanceWithJobs = existing?.BalanceWithJobs ?? 0;
  out.CurrencyRef = optRef(c, "CurrencyRef") ?? existing?.CurrencyRef ?? homeCurrencyOf(ctx.realm);
  out.PreferredDeliveryMethod = optString(c, "PreferredDeliveryMethod") ?? "Print";
  out.IsProject = false;
  return out;
}

/** Renames and re-parents ripple down: jobs carry their ancestors' names in FullyQualifiedName. */
function refreshCustomerDescendants(realm: RealmState, parentId: string): void {
  const parent = realm.entities.Customer[parentId];
  if (!parent) return;
  for (const child of Object.values(realm.entities.Customer)) {
    const ref = child.ParentRef as Ref | undefined;
    if (ref?.value !== parentId) continue;
    child.FullyQualifiedName = `${String(parent.FullyQualifiedName)}:${String(child.DisplayName)}`;
    child.Level = Number(parent.Level ?? 0) + 1;
    child.ParentRef = { value: parentId, name: String(parent.FullyQualifiedName) };
    refreshCustomerDescendants(realm, String(child.Id));
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Items, classes, accounts

function finalizeItem(ctx: EntityContext, c: Obj, existing: Obj | undefined): Obj {
  const { realm } = ctx;
  let name = optString(c, "Name")?.trim();
  if (!name) throw faults.required("Name");
  checkLength("Name", name, 100);
  if (/[:\t\n\r]/.test(name))
    throw faults.business("The name can't contain a colon (:), tab or new line.", "Name");
  const active = optBoolean(c, "Active") ?? true;
  name = applyDeletedSuffix(name, active, existing ? existing.Active !== false : true);
  const selfId = existing ? String(existing.Id) : undefined;
  if (Object.values(realm.entities.Item).some((other) => other.Id !== selfId && sameName(other.Name, name))) {
    throw faults.duplicateName("product or service");
  }
  const type = optString(c, "Type") ?? (typeof existing?.Type === "string" ? existing.Type : "Service");
  if (!ITEM_TYPES.includes(type)) throw faults.enumeration("Type", type);
  checkLength("Sku", optString(c, "Sku"), 100);
  checkLength("Description", optString(c, "Description"), 4000);
  checkLength("PurchaseDesc", optString(c, "PurchaseDesc"), 4000);

  const out: Obj = { ...c, Name: name, Type: type, Active: active };
  const income = optRef(c, "IncomeAccountRef");
  if ((type === "Service" || type === "NonInventory" || type === "Inventory") && !income) {
    throw faults.required("IncomeAccountRef");
  }
  if (income) out.IncomeAccountRef = resolveAccount(realm, income, "IncomeAccountRef");
  const expense = optRef(c, "ExpenseAccountRef");
  if (expense) out.ExpenseAccountRef = resolveAccount(realm, expense, "ExpenseAccountRef");
  // Intuit: with purchase information given, a Service or NonInventory item needs its expense account.
  const purchaseInfo = ["PurchaseDesc", "PurchaseTaxIncluded", "PurchaseCost"].some((k) => !isAbsent(c[k]));
  if (purchaseInfo && !expense && (type === "Service" || type === "NonInventory")) {
    throw faults.required("ExpenseAccountRef");
  }
  const classRef = optRef(c, "ClassRef");
  if (classRef) out.ClassRef = resolveClass(realm, classRef, "ClassRef");

  let fullName = name;
  let level = 0;
  const parentRef = optRef(c, "ParentRef");
  const subItem = optBoolean(c, "SubItem") ?? !!parentRef;
  if (subItem && !parentRef) throw faults.required("ParentRef");
  if (parentRef) {
    const parent = realm.entities.Item[parentRef.value];
    if (!parent) throw faults.invalidReference("Items", parentRef.value, "ParentRef");
    if (parent.Id === selfId) throw faults.business("An item can't be its own parent.");
    parentRef.name = String(parent.FullyQualifiedName);
    out.ParentRef = parentRef;
    fullName = `${String(parent.FullyQualifiedName)}:${name}`;
    level = Number(parent.Level ?? 0) + 1;
  }
  out.SubItem = subItem;
  out.FullyQualifiedName = fullName;
  if (level > 0) out.Level = level;
  else delete out.Level;
  const unitPrice = optDecimal(c, "UnitPrice");
  out.UnitPrice = unitPrice ? decimalToNumber(unitPrice) : 0;
  const purchaseCost = optDecimal(c, "PurchaseCost");
  if (purchaseCost) out.PurchaseCost = decimalToNumber(purchaseCost);
  out.Taxable = optBoolean(c, "Taxable") ?? false;
  out.TrackQtyOnHand = optBoolean(c, "TrackQtyOnHand") ?? false;
  return out;
}

function finalizeClass(ctx: EntityContext, c: Obj, existing: Obj | undefined): Obj {
  const { realm } = ctx;
  const name = optString(c, "Name")?.trim();
  if (!name) throw faults.required("Name");
  checkLength("Name", name, 100);
  const selfId = existing ? String(existing.Id) : undefined;
  const parentRef = optRef(c, "ParentRef");
  const siblingsClash = Object.values(realm.entities.Class).some(
    (other) =>
      other.Id !== selfId &&
      sameName(other.Name, name) &&
      (other.ParentRef as Ref | undefined)?.value === parentRef?.value,
  );
  if (siblingsClash) throw faults.duplicateName("class");
  const out: Obj = { ...c, Name: name, Active: optBoolean(c, "Active") ?? true };
  let fullName = name;
  if (parentRef) {
    const parent = realm.entities.Class[parentRef.value];
    if (!parent) throw faults.invalidReference("Klasses", parentRef.value, "ParentRef");
    parentRef.name = String(parent.FullyQualifiedName);
    out.ParentRef = parentRef;
    fullName = `${String(parent.FullyQualifiedName)}:${name}`;
  }
  out.SubClass = !!parentRef;
  out.FullyQualifiedName = fullName;
  return out;
}

function finalizeAccount(ctx: EntityContext, c: Obj, existing: Obj | undefined): Obj {
  const { realm } = ctx;
  const name = optString(c, "Name")?.trim();
  if (!name) throw faults.required("Name");
  checkLength("Name", name, 100);
  const selfId = existing ? String(existing.Id) : undefined;
  if (
    Object.values(realm.entities.Account).some((other) => other.Id !== selfId && sameName(other.Name, name))
  ) {
    throw faults.duplicateName("account");
  }
  const type = optString(c, "AccountType");
  if (!type) throw faults.required("AccountType");
  const classification = ACCOUNT_CLASSIFICATION[type];
  if (!classification) throw faults.enumeration("AccountType", type);
  return {
    ...c,
    Name: name,
    AccountType: type,
    Classification: classification,
    FullyQualifiedName: name,
    SubAccount: false,
    Active: optBoolean(c, "Active") ?? true,
    CurrentBalance: existing?.CurrentBalance ?? 0,
    CurrentBalanceWithSubAccounts: existing?.CurrentBalanceWithSubAccounts ?? 0,
    CurrencyRef: optRef(c, "CurrencyRef") ?? homeCurrencyOf(ctx.realm),
  };
}

function resolveAccount(realm: RealmState, ref: Ref, element: string): Ref {
  const account = realm.entities.Account[ref.value];
  if (!account) throw faults.invalidReference("Accounts", ref.value, element);
  if (account.Active === false) throw faults.inactiveReference(element);
  if (element === "IncomeAccountRef" && account.Classification !== "Revenue") {
    throw faults.business("Select an income account for this product or service.", element);
  }
  // Intuit names cost of goods sold; for a service item an equity account (an owner's draw) is allowed too.
  if (
    element === "ExpenseAccountRef" &&
    account.Classification !== "Expense" &&
    account.Classification !== "Equity"
  ) {
    throw faults.business("Select an expense account for this product or service.", element);
  }
  return { value: ref.value, name: String(account.Name) };
}

function resolveClass(realm: RealmState, ref: Ref, element: string): Ref {
  const klass = realm.entities.Class[ref.value];
  if (!klass) throw faults.invalidReference("Klasses", ref.value, element);
  if (klass.Active === false) throw faults.inactiveReference(element);
  return { value: ref.value, name: String(klass.FullyQualifiedName) };
}

// ---------------------------------------------------------------------------------------------------------------
// Estimates

function preference(realm: RealmState, section: string, key: string): unknown {
  const block = realm.preferences[section];
  return isPlainObject(block) ? block[key] : undefined;
}

interface BuiltLines {
  lines: Obj[];
  totalCents: bigint;
  taxCents: bigint;
}

const GLOBAL_TAX_CALCULATIONS = ["TaxExcluded", "TaxInclusive", "NotApplicable"];

/** How a transaction is taxed: US companies ignore `GlobalTaxCalculation`; elsewhere it decides. */
type TaxMode = { country: "US" } | { country: string; global: string };

function buildEstimateLines(
  realm: RealmState,
  rawLines: unknown,
  strict: boolean,
  tax: TaxMode = { country: "US" },
): BuiltLines {
  if (!Array.isArray(rawLines) || rawLines.length === 0) throw faults.required("Line");
  const content: Obj[] = [];
  const discounts: Obj[] = [];
  let subtotal = 0n;
  let taxCents = 0n;
  let hasSalesLine = false;
  rawLines.forEach((raw, index) => {
    if (!isPlainObject(raw)) throw faults.invalidValue(`Line[${index}]`, raw);
    if (strict) {
      for (const key of Object.keys(raw)) if (!LINE_PROPERTIES.has(key)) throw faults.unrecognizedField(key);
    }
    const detailType = optString(raw, "DetailType", "Line.DetailType");
    if (!detailType) throw faults.required("Line.DetailType");
    const detailKey = DETAIL_KEYS[detailType];
    if (!detailKey) throw faults.enumeration("Line.DetailType", detailType);
    const description = optString(raw, "Description", "Line.Description");
    checkLength("Line.Description", description, 4000);
    const line: Obj = {};
    if (description !== undefined) line.Description = description;
    switch (detailType) {
      case "SubTotalLineDetail":
        // Subtotals are always recomputed by the service.
        return;
      case "DescriptionOnly": {
        const detail = raw.DescriptionLineDetail;
        line.DetailType = detailType;
        line.DescriptionLineDetail = isPlainObject(detail) ? { ...detail } : {};
        content.push(line);
        return;
      }
      case "GroupLineDetail":
        throw faults.business(
          "Bundles (group items) are not supported on this company.",
          "Line.GroupLineDetail",
        );
      case "DiscountLineDetail": {
        if (preference(realm, "SalesFormsPrefs", "AllowDiscount") === false) {
          throw faults.business("Discounts are turned off for this company.", "Line.DiscountLineDetail");
        }
        const detail = raw.DiscountLineDetail;
        if (!isPlainObject(detail)) throw faults.required("Line.DiscountLineDetail");
        line.DetailType = detailType;
        line.DiscountLineDetail = { ...detail };
        const amount = optDecimal(raw, "Amount", "Line.Amount");
        line.__discountAmount = amount ? toCents(amount) : null;
        discounts.push(line);
        return;
      }
      case "SalesItemLineDetail": {
        const detail = raw.SalesItemLineDetail;
        if (!isPlainObject(detail)) throw faults.required("Line.SalesItemLineDetail");
        if (strict) {
          for (const key of Object.keys(detail)) {
            if (!SALES_ITEM_DETAIL_PROPERTIES.has(key)) throw faults.unrecognizedField(key);
          }
        }
        const amount = optDecimal(raw, "Amount", "Line.Amount");
        if (!amount) throw faults.required("Line.Amount");
        const amountCents = toCents(amount);
        const outDetail: Obj = { ...detail };
        const itemRef = optRef(detail, "ItemRef", "Line.SalesItemLineDetail.ItemRef");
        if (itemRef) {
          const item = realm.entities.Item[itemRef.value];
          if (!item)
            throw faults.invalidReference("Items", itemRef.value, "Line.SalesItemLineDetail.ItemRef");
          if (item.Active === false) throw faults.inactiveReference("Line.SalesItemLineDetail.ItemRef");
          if (item.Type === "Category") {
            throw new QboFault(
              "2500",
              "Invalid Reference Id : An item in this transaction is set up as a category instead of a product or service. Please select a product or service.",
              "Line.SalesItemLineDetail.ItemRef",
            );
          }
          outDetail.ItemRef = { value: itemRef.value, name: String(item.FullyQualifiedName) };
          hasSalesLine = true;
          subtotal += amountCents;
        }
        const classRef = optRef(detail, "ClassRef", "Line.SalesItemLineDetail.ClassRef");
        if (classRef) {
          if (strict && preference(realm, "AccountingInfoPrefs", "ClassTrackingPerTxnLine") !== true) {
            throw faults.business(
              "Class tracking per line is turned off for this company.",
              "Line.SalesItemLineDetail.ClassRef",
            );
          }
          outDetail.ClassRef = resolveClass(realm, classRef, "Line.SalesItemLineDetail.ClassRef");
        }
        const qty = optDecimal(detail, "Qty", "Line.SalesItemLineDetail.Qty");
        const unitPrice = optDecimal(detail, "UnitPrice", "Line.SalesItemLineDetail.UnitPrice");
        if (qty) outDetail.Qty = decimalToNumber(qty);
        if (unitPrice) outDetail.UnitPrice = decimalToNumber(unitPrice);
        if (qty && unitPrice && strict && toCents(multiply(qty, unitPrice)) !== amountCents) {
          throw faults.business(
            `Amount calculation incorrect in the request. Amount should be equal to UnitPrice * Qty. Supplied value:${centsToNumber(amountCents)}`,
            "Line.Amount",
          );
        }
        const taxCode = optRef(detail, "TaxCodeRef", "Line.SalesItemLineDetail.TaxCodeRef");
        if (taxCode) outDetail.TaxCodeRef = taxCode;
        if (strict && itemRef && "global" in tax && tax.global !== "NotApplicable") {
          // Outside the US every sales line names one of the company's own tax codes.
          const element = "Line.SalesItemLineDetail.TaxCodeRef";
          if (!taxCode) {
            throw faults.business(
              `Make sure all your transactions have a ${taxNameOf(realm)} rate before you save.`,
              element,
            );
          }
          const code = taxCodeRate(realm, taxCode.value);
          if (!code) throw faults.invalidReference("TaxCode", taxCode.value, element);
          if (!code.active) throw faults.inactiveReference(element);
          if (tax.global === "TaxExcluded" && code.rate > 0) {
            taxCents += toCents(multiply(amount, { coef: BigInt(Math.round(code.rate * 1000)), scale: 5 }));
          }
        }
        line.Amount = centsToNumber(amountCents);
        line.DetailType = detailType;
        line.SalesItemLineDetail = outDetail;
        content.push(line);
        return;
      }
    }
  });
  // A sales line without an item is a documentation line: accepted, but it does not make a valid estimate alone.
  if (!hasSalesLine) throw faults.required("Line");
  const lines: Obj[] = content.map((line, index) => ({ Id: String(index + 1), LineNum: index + 1, ...line }));
  lines.push({ DetailType: "SubTotalLineDetail", Amount: centsToNumber(subtotal), SubTotalLineDetail: {} });
  let total = subtotal + taxCents;
  for (const discount of discounts) {
    const detail = discount.DiscountLineDetail as Obj;
    let cents = discount.__discountAmount as bigint | null;
    delete discount.__discountAmount;
    if (detail.PercentBased === true) {
      const percent = parseDecimal(detail.DiscountPercent);
      if (!percent) throw faults.required("Line.DiscountLineDetail.DiscountPercent");
      cents = toCents(
        multiply({ coef: subtotal, scale: 2 }, { coef: percent.coef, scale: percent.scale + 2 }),
      );
      detail.DiscountPercent = decimalToNumber(percent);
    }
    if (cents === null) throw faults.required("Line.Amount");
    discount.Amount = centsToNumber(cents);
    total -= cents;
    lines.push(discount);
  }
  return { lines, totalCents: total, taxCents };
}

/** The tax rules of the company's country edition for one transaction (see countries.ts). */
function taxModeOf(realm: RealmState, c: Obj): TaxMode {
  const country = countryOf(realm);
  if (country === "US") return { country };
  const global = optString(c, "GlobalTaxCalculation");
  if (global === undefined) throw faults.required("GlobalTaxCalculation");
  if (!GLOBAL_TAX_CALCULATIONS.includes(global)) throw faults.enumeration("GlobalTaxCalculation", global);
  return { country, global };
}

/** The transaction's currency: the home currency, or with multicurrency one the company holds and the customer's. */
function currencyOf(realm: RealmState, c: Obj, customer: Obj): Ref {
  const home = homeCurrencyOf(realm);
  const sent = optRef(c, "CurrencyRef");
  if (!multicurrencyOn(realm)) {
    if (sent && sent.value !== home.value) {
      throw faults.business("Multicurrency is not turned on for this company.", "CurrencyRef");
    }
    return home;
  }
  if (!sent) throw faults.required("CurrencyRef");
  const held = (realm.currencies ?? []).find((cur) => cur.Code === sent.value && cur.Active !== false);
  if (sent.value !== home.value && !held)
    throw faults.invalidReference("Currency", sent.value, "CurrencyRef");
  const customerCurrency = (customer.CurrencyRef as Ref | undefined)?.value ?? home.value;
  if (customerCurrency !== sent.value) {
    throw faults.business(
      `The transaction's currency (${sent.value}) must be the customer's currency (${customerCurrency}).`,
      "CurrencyRef",
    );
  }
  return sent.value === home.value ? home : { value: sent.value, name: String(held?.Name ?? sent.value) };
}

function finalizeEstimate(ctx: EntityContext, c: Obj, existing: Obj | undefined): Obj {
  const { realm } = ctx;
  if (preference(realm, "SalesFormsPrefs", "AllowEstimates") === false) {
    throw faults.business("Estimates are turned off for this company.");
  }
  const customerRef = optRef(c, "CustomerRef");
  if (!customerRef) throw faults.business("You must select a customer for this transaction.", "CustomerRef");
  const customer = realm.entities.Customer[customerRef.value];
  if (!customer) throw faults.invalidReference("Names", customerRef.value, "CustomerRef");
  if (customer.Active === false) throw faults.inactiveReference("CustomerRef");
  const tax = taxModeOf(realm, c);
  const currency = currencyOf(realm, c, customer);
  const { lines, totalCents, taxCents } = buildEstimateLines(realm, c.Line, true, tax);

  let docNumber = optString(c, "DocNumber");
  checkLength("DocNumber", docNumber, 21);
  if (
    docNumber === undefined &&
    !existing &&
    preference(realm, "SalesFormsPrefs", "CustomTxnNumbers") !== true
  ) {
    docNumber = String(realm.nextDocNumber);
    realm.nextDocNumber += 1;
  }
  const txnDate = optString(c, "TxnDate") ?? formatDate(ctx.nowMs);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(txnDate) || Number.isNaN(Date.parse(txnDate))) {
    throw faults.invalidValue("TxnDate", txnDate);
  }
  const status = optString(c, "TxnStatus") ?? "Pending";
  if (!TXN_STATUSES.includes(status)) throw faults.enumeration("TxnStatus", status);
  const privateNote = optString(c, "PrivateNote");
  checkLength("PrivateNote", privateNote, 4000);
  const memo = c.CustomerMemo;
  if (isPlainObject(memo)) checkLength("CustomerMemo", optString(memo, "value", "CustomerMemo"), 1000);
  const classRef = optRef(c, "ClassRef");

  const out: Obj = { ...c };
  if (classRef) {
    if (preference(realm, "AccountingInfoPrefs", "ClassTrackingPerTxn") !== true) {
      throw faults.business("Class tracking per transaction is turned off for this company.", "ClassRef");
    }
    out.ClassRef = resolveClass(realm, classRef, "ClassRef");
  }
  if (docNumber !== undefined) out.DocNumber = docNumber;
  else delete out.DocNumber;
  out.TxnDate = txnDate;
  out.TxnStatus = status;
  out.CustomerRef = { value: customerRef.value, name: String(customer.DisplayName) };
  out.Line = lines;
  out.TotalAmt = centsToNumber(totalCents);
  out.TxnTaxDetail = { TotalTax: centsToNumber(taxCents) };
  if ("global" in tax) out.GlobalTaxCalculation = tax.global;
  else delete out.GlobalTaxCalculation;
  out.ApplyTaxAfterDiscount = optBoolean(c, "ApplyTaxAfterDiscount") ?? false;
  out.PrintStatus = optString(c, "PrintStatus") ?? "NotSet";
  out.EmailStatus = optString(c, "EmailStatus") ?? "NotSet";
  out.CurrencyRef = currency;
  // The customer's address is filled in on a new estimate; an update leaves what it was given (or cleared).
  if (!existing && isAbsent(out.BillAddr) && isPlainObject(customer.BillAddr)) {
    out.BillAddr = { ...customer.BillAddr };
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// Vendors

function checkContactLengths(c: Obj): void {
  for (const field of ["GivenName", "FamilyName", "MiddleName"]) checkLength(field, optString(c, field), 100);
  checkLength("Title", optString(c, "Title"), 16);
  checkLength("Suffix", optString(c, "Suffix"), 16);
  checkLength("CompanyName", optString(c, "CompanyName"), 100);
  checkLength("PrintOnCheckName", optString(c, "PrintOnCheckName"), 110);
  checkLength("AcctNum", optString(c, "AcctNum"), 100);
  const email = c.PrimaryEmailAddr;
  if (isPlainObject(email)) checkLength("PrimaryEmailAddr.Address", optString(email, "Address"), 100);
  const phone = c.PrimaryPhone;
  if (isPlainObject(phone))
    checkLength("PrimaryPhone.FreeFormNumber", optString(phone, "FreeFormNumber"), 30);
  const addr = c.BillAddr;
  if (isPlainObject(addr)) {
    for (const line of ["Line1", "Line2", "Line3", "Line4", "Line5"]) {
      checkLength(`BillAddr.${line}`, optString(addr, line), 500);
    }
    checkLength("BillAddr.City", optString(addr, "City"), 255);
    checkLength("BillAddr.Country", optString(addr, "Country"), 255);
    checkLength("BillAddr.CountrySubDivisionCode", optString(addr, "CountrySubDivisionCode"), 255);
    checkLength("BillAddr.PostalCode", optString(addr, "PostalCode"), 30);
  }
}

function finalizeVendor(ctx: EntityContext, c: Obj, existing: Obj | undefined): Obj {
  const { realm } = ctx;
  let display = optString(c, "DisplayName")?.trim();
  if (!display) display = composeDisplayName(c);
  if (!display) throw faults.required("DisplayName");
  checkLength("DisplayName", display, 500);
  if (/[:\t\n\r]/.test(display)) {
    throw faults.business("The name can't contain a colon (:), tab or new line.", "DisplayName");
  }
  const active = optBoolean(c, "Active") ?? true;
  display = applyDeletedSuffix(display, active, existing ? existing.Active !== false : true);
  const selfId = existing ? String(existing.Id) : undefined;
  if (nameTaken(realm, display, "Vendor", selfId)) throw faults.duplicateName("customer, vendor or employee");
  checkContactLengths(c);
  const out: Obj = { ...c };
  out.DisplayName = display;
  out.PrintOnCheckName = optString(c, "PrintOnCheckName") ?? optString(c, "CompanyName") ?? display;
  out.Active = active;
  out.Vendor1099 = optBoolean(c, "Vendor1099") ?? false;
  out.Balance = existing?.Balance ?? 0;
  out.CurrencyRef = optRef(c, "CurrencyRef") ?? existing?.CurrencyRef ?? homeCurrencyOf(realm);
  const apAccount = optRef(c, "APAccountRef");
  if (apAccount) out.APAccountRef = resolvePayablesAccount(realm, apAccount, "APAccountRef");
  return out;
}

function resolvePayablesAccount(realm: RealmState, ref: Ref, element: string): Ref {
  const account = realm.entities.Account[ref.value];
  if (!account) throw faults.invalidReference("Accounts", ref.value, element);
  if (account.Active === false) throw faults.inactiveReference(element);
  if (account.AccountType !== "Accounts Payable") {
    throw faults.business("The account must be an accounts payable (A/P) account.", element);
  }
  return { value: ref.value, name: String(account.Name) };
}

// ---------------------------------------------------------------------------------------------------------------
// Purchase orders

const PO_STATUSES = ["Open", "Closed"];
const BILLABLE_STATUSES = ["Billable", "NotBillable", "HasBeenBilled"];
const PURCHASE_LINE_PROPERTIES = new Set([
  "Id",
  "LineNum",
  "Description",
  "Amount",
  "DetailType",
  "ItemBasedExpenseLineDetail",
  "AccountBasedExpenseLineDetail",
  "LinkedTxn",
  "ProjectRef",
  "CustomField",
]);
const ITEM_EXPENSE_DETAIL_PROPERTIES = new Set([
  "ItemRef",
  "CustomerRef",
  "ClassRef",
  "TaxCodeRef",
  "BillableStatus",
  "Qty",
  "UnitPrice",
  "MarkupInfo",
  "PriceLevelRef",
  "TaxInclusiveAmt",
]);
const ACCOUNT_EXPENSE_DETAIL_PROPERTIES = new Set([
  "AccountRef",
  "CustomerRef",
  "ClassRef",
  "TaxCodeRef",
  "BillableStatus",
  "MarkupInfo",
  "TaxAmount",
  "TaxInclusiveAmt",
]);

/** A customer or job a purchase line is charged to. */
function lineCustomer(realm: RealmState, detail: Obj, element: string): Ref | undefined {
  const ref = optRef(detail, "CustomerRef", element);
  if (!ref) return undefined;
  const customer = realm.entities.Customer[ref.value];
  if (!customer) throw faults.invalidReference("Names", ref.value, element);
  if (customer.Active === false) throw faults.inactiveReference(element);
  return { value: ref.value, name: String(customer.FullyQualifiedName) };
}

/**
 * The lines of a purchase order: item lines (the item must have an expense account) and account lines. A line
 * whose Id names an existing line of this purchase order updates that line and keeps its Id; any other line is new
 * and gets the next Id. The array sent is the whole list: lines left out are removed.
 */
function buildPurchaseLines(
  realm: RealmState,
  rawLines: unknown,
  existingLines: Obj[],
  strict: boolean,
): { lines: Obj[]; totalCents: bigint } {
  if (!Array.isArray(rawLines) || rawLines.length === 0) throw faults.required("Line");
  const existingIds = new Set(existingLines.map((l) => String(l.Id)));
  let nextId = Math.max(0, ...existingLines.map((l) => Number(l.Id) || 0)) + 1;
  const usedIds = new Set<string>();
  const lines: Obj[] = [];
  let total = 0n;
  let hasItemOrAccount = false;
  rawLines.forEach((raw, index) => {
    if (!isPlainObject(raw)) throw faults.invalidValue(`Line[${index}]`, raw);
    if (strict) {
      for (const key of Object.keys(raw)) {
        if (!PURCHASE_LINE_PROPERTIES.has(key)) throw faults.unrecognizedField(key);
      }
    }
    const detailType = optString(raw, "DetailType", "Line.DetailType");
    if (!detailType) throw faults.required("Line.DetailType");
    if (detailType !== "ItemBasedExpenseLineDetail" && detailType !== "AccountBasedExpenseLineDetail") {
      throw faults.enumeration("Line.DetailType", detailType);
    }
    const description = optString(raw, "Description", "Line.Description");
    checkLength("Line.Description", description, 4000);
    const amount = optDecimal(raw, "Amount", "Line.Amount");
    if (!amount) throw faults.required("Line.Amount");
    const amountCents = toCents(amount);
    const detail = raw[detailType];
    if (!isPlainObject(detail)) throw faults.required(`Line.${detailType}`);
    const allowed =
      detailType === "ItemBasedExpenseLineDetail"
        ? ITEM_EXPENSE_DETAIL_PROPERTIES
        : ACCOUNT_EXPENSE_DETAIL_PROPERTIES;
    if (strict) {
      for (const key of Object.keys(detail)) if (!allowed.has(key)) throw faults.unrecognizedField(key);
    }
    const prefix = `Line.${detailType}`;
    const outDetail: Obj = { ...detail };
    let counts = false;
    if (detailType === "ItemBasedExpenseLineDetail") {
      const itemRef = optRef(detail, "ItemRef", `${prefix}.ItemRef`);
      if (itemRef) {
        const item = realm.entities.Item[itemRef.value];
        if (!item) throw faults.invalidReference("Items", itemRef.value, `${prefix}.ItemRef`);
        if (item.Active === false) throw faults.inactiveReference(`${prefix}.ItemRef`);
        if (item.Type === "Category") {
          throw new QboFault(
            "2500",
            "Invalid Reference Id : An item in this transaction is set up as a category instead of a product or service. Please select a product or service.",
            `${prefix}.ItemRef`,
          );
        }
        // An item bought from a vendor needs the account its cost goes to.
        if (strict && !isPlainObject(item.ExpenseAccountRef) && !isPlainObject(item.AssetAccountRef)) {
          throw faults.business("You must select an account for this transaction.", `${prefix}.ItemRef`);
        }
        outDetail.ItemRef = { value: itemRef.value, name: String(item.FullyQualifiedName) };
        counts = true;
      }
      const qty = optDecimal(detail, "Qty", `${prefix}.Qty`);
      const unitPrice = optDecimal(detail, "UnitPrice", `${prefix}.UnitPrice`);
      if (qty) outDetail.Qty = decimalToNumber(qty);
      if (unitPrice) outDetail.UnitPrice = decimalToNumber(unitPrice);
      if (qty && unitPrice && strict && toCents(multiply(qty, unitPrice)) !== amountCents) {
        throw faults.business(
          `Amount calculation incorrect in the request. Amount should be equal to UnitPrice * Qty. Supplied value:${centsToNumber(amountCents)}`,
          "Line.Amount",
        );
      }
    } else {
      const accountRef = optRef(detail, "AccountRef", `${prefix}.AccountRef`);
      if (!accountRef) throw faults.required(`${prefix}.AccountRef`);
      const account = realm.entities.Account[accountRef.value];
      if (!account) throw faults.invalidReference("Accounts", accountRef.value, `${prefix}.AccountRef`);
      if (account.Active === false) throw faults.inactiveReference(`${prefix}.AccountRef`);
      outDetail.AccountRef = { value: accountRef.value, name: String(account.Name) };
      counts = true;
    }
    const customer = lineCustomer(realm, detail, `${prefix}.CustomerRef`);
    if (customer) outDetail.CustomerRef = customer;
    const classRef = optRef(detail, "ClassRef", `${prefix}.ClassRef`);
    if (classRef) {
      if (strict && preference(realm, "AccountingInfoPrefs", "ClassTrackingPerTxnLine") !== true) {
        throw faults.business(
          "Class tracking per line is turned off for this company.",
          `${prefix}.ClassRef`,
        );
      }
      outDetail.ClassRef = resolveClass(realm, classRef, `${prefix}.ClassRef`);
    }
    const billable = optString(detail, "BillableStatus", `${prefix}.BillableStatus`) ?? "NotBillable";
    if (!BILLABLE_STATUSES.includes(billable)) throw faults.enumeration(`${prefix}.BillableStatus`, billable);
    outDetail.BillableStatus = billable;
    if (counts) {
      hasItemOrAccount = true;
      total += amountCents;
    }
    const sentId = raw.Id === undefined || raw.Id === null ? "" : String(raw.Id);
    let id: string;
    if (sentId !== "" && Number(sentId) > 0 && existingIds.has(sentId) && !usedIds.has(sentId)) {
      id = sentId;
    } else {
      id = String(nextId);
      nextId += 1;
    }
    usedIds.add(id);
    const line: Obj = { Id: id, LineNum: index + 1 };
    if (description !== undefined) line.Description = description;
    line.Amount = centsToNumber(amountCents);
    line.DetailType = detailType;
    line[detailType] = outDetail;
    lines.push(line);
  });
  if (!hasItemOrAccount) throw faults.required("Line");
  return { lines, totalCents: total };
}

/** The A/P account: the one named, or the company's only one (Intuit: "the account is implied"). */
function payablesAccountOf(realm: RealmState, c: Obj): Ref {
  const sent = optRef(c, "APAccountRef");
  if (sent) return resolvePayablesAccount(realm, sent, "APAccountRef");
  const payables = listEntities(realm, "Account").filter(
    (a) => a.AccountType === "Accounts Payable" && a.Active !== false,
  );
  const only = payables[0];
  if (payables.length !== 1 || !only) throw faults.required("APAccountRef");
  return { value: String(only.Id), name: String(only.Name) };
}

export interface WriteOptions {
  /** `include=allowduplicatedocnum`: a DocNumber another purchase order already uses is accepted. */
  allowDuplicateDocNumber?: boolean;
}

function finalizePurchaseOrder(
  ctx: EntityContext,
  c: Obj,
  existing: Obj | undefined,
  options: WriteOptions = {},
): Obj {
  const { realm } = ctx;
  const vendorRef = optRef(c, "VendorRef");
  if (!vendorRef) throw faults.required("VendorRef");
  const vendor = realm.entities.Vendor[vendorRef.value];
  if (!vendor) throw faults.invalidReference("Names", vendorRef.value, "VendorRef");
  if (vendor.Active === false) throw faults.inactiveReference("VendorRef");
  const apAccount = payablesAccountOf(realm, c);
  const tax = taxModeOf(realm, c);
  const currency = currencyOf(realm, c, vendor);
  const existingLines = Array.isArray(existing?.Line) ? (existing.Line as Obj[]) : [];
  const { lines, totalCents } = buildPurchaseLines(realm, c.Line, existingLines, true);

  let docNumber = optString(c, "DocNumber");
  checkLength("DocNumber", docNumber, 21);
  if (docNumber === undefined && !existing) {
    docNumber = String(realm.nextDocNumber);
    realm.nextDocNumber += 1;
  }
  if (docNumber !== undefined && !options.allowDuplicateDocNumber && docNumber !== existing?.DocNumber) {
    const selfId = existing ? String(existing.Id) : undefined;
    const clash = Object.values(realm.entities.PurchaseOrder).some(
      (other) => other.Id !== selfId && other.DocNumber === docNumber,
    );
    if (clash) {
      throw new QboFault(
        "6140",
        `Duplicate Document Number Error : You must specify a different number. This number has already been used. DocNumber=${docNumber} is assigned to TxnType=PurchaseOrder`,
        "DocNumber",
      );
    }
  }
  const txnDate = optString(c, "TxnDate") ?? formatDate(ctx.nowMs);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(txnDate) || Number.isNaN(Date.parse(txnDate))) {
    throw faults.invalidValue("TxnDate", txnDate);
  }
  const status = optString(c, "POStatus") ?? "Open";
  if (!PO_STATUSES.includes(status)) throw faults.enumeration("POStatus", status);
  checkLength("PrivateNote", optString(c, "PrivateNote"), 4000);
  checkLength("Memo", optString(c, "Memo"), 4000);
  const email = c.POEmail;
  if (isPlainObject(email)) checkLength("POEmail.Address", optString(email, "Address"), 100);
  const classRef = optRef(c, "ClassRef");

  const out: Obj = { ...c };
  if (classRef) {
    if (preference(realm, "AccountingInfoPrefs", "ClassTrackingPerTxn") !== true) {
      throw faults.business("Class tracking per transaction is turned off for this company.", "ClassRef");
    }
    out.ClassRef = resolveClass(realm, classRef, "ClassRef");
  }
  if (docNumber !== undefined) out.DocNumber = docNumber;
  else delete out.DocNumber;
  out.VendorRef = { value: vendorRef.value, name: String(vendor.DisplayName) };
  out.APAccountRef = apAccount;
  out.TxnDate = txnDate;
  out.POStatus = status;
  out.Line = lines;
  out.TotalAmt = centsToNumber(totalCents);
  if ("global" in tax) out.GlobalTaxCalculation = tax.global;
  else delete out.GlobalTaxCalculation;
  out.CurrencyRef = currency;
  out.EmailStatus = optString(c, "EmailStatus") ?? "NotSet";
  out.PrintStatus = optString(c, "PrintStatus") ?? "NotSet";
  // A new purchase order gets the vendor's address; an update leaves what it was given (or cleared).
  if (!existing && isAbsent(out.VendorAddr) && isPlainObject(vendor.BillAddr)) {
    out.VendorAddr = { ...vendor.BillAddr };
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// Generic create / update / delete / read

const FINALIZERS: Record<
  EntityName,
  (ctx: EntityContext, c: Obj, existing: Obj | undefined, options?: WriteOptions) => Obj
> = {
  Customer: finalizeCustomer,
  Item: finalizeItem,
  Class: finalizeClass,
  Account: finalizeAccount,
  Estimate: finalizeEstimate,
  Vendor: finalizeVendor,
  PurchaseOrder: finalizePurchaseOrder,
};

function stamp(ctx: EntityContext, out: Obj, id: string, syncToken: number, createTime: string): Obj {
  const { Id: _id, SyncToken: _sync, domain: _domain, sparse: _sparse, MetaData: _meta, ...fields } = out;
  return {
    Id: id,
    SyncToken: String(syncToken),
    domain: "QBO",
    sparse: false,
    ...fields,
    MetaData: { CreateTime: createTime, LastUpdatedTime: formatTimestamp(ctx.nowMs) },
  };
}

function checkCompanyStatus(realm: RealmState): void {
  const nameValues = realm.companyInfo.NameValue;
  if (!Array.isArray(nameValues)) return;
  const status = nameValues.find((nv) => isPlainObject(nv) && nv.Name === "SubscriptionStatus") as
    | Obj
    | undefined;
  if (status && !["SUBSCRIBED", "TRIAL", "PAID"].includes(String(status.Value))) {
    throw new QboFault(
      "6190",
      "Invalid Company Status : The subscription period has ended or the company is cancelled.",
    );
  }
}

export function readEntity(ctx: EntityContext, entity: EntityName, id: string): Obj {
  const found = ctx.realm.entities[entity][id];
  if (found) return found;
  if (SCHEMAS[entity].isTransaction && ctx.realm.deletedIds[entity].includes(id))
    throw faults.deletedTransaction();
  throw faults.notFound();
}

function requireIdAndSyncToken(body: Obj): { id: string; syncToken: string } {
  const id = body.Id;
  if (isAbsent(id) || id === "") throw faults.required("Id");
  const syncToken = body.SyncToken;
  if (isAbsent(syncToken) || syncToken === "") throw faults.required("SyncToken");
  return { id: String(id), syncToken: String(syncToken) };
}

/**
 * Create (no Id), full or sparse update (Id + SyncToken), or delete (`operation=delete`); returns the object the
 * API puts under the entity key of the response envelope.
 */
export function writeEntity(
  ctx: EntityContext,
  entity: EntityName,
  body: unknown,
  operation?: string,
  options: WriteOptions = {},
): Obj {
  const { realm } = ctx;
  if (!isPlainObject(body)) throw faults.invalidValue(entity, body);
  const op = operation?.toLowerCase();
  if (op !== undefined && op !== "create" && op !== "update" && op !== "delete") {
    throw faults.unsupportedOperation(`Operation ${operation} is not supported.`);
  }
  checkCompanyStatus(realm);
  const table = realm.entities[entity];

  if (op === "delete") {
    if (!SCHEMAS[entity].isTransaction) {
      throw faults.unsupportedOperation(`Operation Delete is not supported for ${entity}.`);
    }
    const { id, syncToken } = requireIdAndSyncToken(body);
    const existing = readEntity(ctx, entity, id);
    if (String(existing.SyncToken) !== syncToken) throw faults.stale();
    delete table[id];
    realm.deletedIds[entity].push(id);
    ctx.onChange?.(entity, id, "Delete");
    return { status: "Deleted", domain: "QBO", Id: id };
  }

  checkProperties(entity, body);
  const hasId = !isAbsent(body.Id) && body.Id !== "";
  if (hasId || op === "update") {
    const { id, syncToken } = requireIdAndSyncToken(body);
    const existing = readEntity(ctx, entity, id);
    if (String(existing.SyncToken) !== syncToken) throw faults.stale();
    const sparse = body.sparse === true || body.sparse === "true";
    const writable = pickWritable(entity, body);
    let candidate: Obj;
    if (sparse) {
      candidate = { ...existing, ...writable };
    } else {
      // Full update: writable fields the client left out are cleared, except the few the service keeps.
      candidate = { ...writable };
      for (const key of SCHEMAS[entity].preserved) {
        if (!(key in candidate) && key in existing) candidate[key] = existing[key];
      }
    }
    const finalized = FINALIZERS[entity](ctx, candidate, existing, options);
    const meta = existing.MetaData as Obj;
    const saved = stamp(ctx, finalized, id, Number(existing.SyncToken) + 1, String(meta.CreateTime));
    table[id] = saved;
    if (entity === "Customer") refreshCustomerDescendants(realm, id);
    ctx.onChange?.(entity, id, "Update");
    return saved;
  }

  const finalized = FINALIZERS[entity](ctx, pickWritable(entity, body), undefined, options);
  const id = allocateId(realm, entity);
  const saved = stamp(ctx, finalized, id, 0, formatTimestamp(ctx.nowMs));
  table[id] = saved;
  ctx.onChange?.(entity, id, "Create");
  return saved;
}

/** A change made by a person in the QuickBooks UI: no validation beyond the shape, and the SyncToken moves on. */
export function editOutOfBand(
  ctx: EntityContext,
  entity: EntityName,
  id: string,
  fields: Obj,
  operation: ChangeOperation = "Update",
): Obj | null {
  const { realm } = ctx;
  const existing = realm.entities[entity][id];
  if (!existing) return null;
  const merged: Obj = { ...existing, ...fields };
  if (entity === "Estimate" && "Line" in fields) {
    const { lines, totalCents } = buildEstimateLines(realm, merged.Line, false);
    merged.Line = lines;
    merged.TotalAmt = centsToNumber(totalCents);
  }
  if (entity === "PurchaseOrder" && "Line" in fields) {
    const current = Array.isArray(existing.Line) ? (existing.Line as Obj[]) : [];
    const { lines, totalCents } = buildPurchaseLines(realm, merged.Line, current, false);
    merged.Line = lines;
    merged.TotalAmt = centsToNumber(totalCents);
  }
  if (entity === "Customer" && ("DisplayName" in fields || "ParentRef" in fields)) {
    const parent = merged.ParentRef ? realm.entities.Customer[(merged.ParentRef as Ref).value] : undefined;
    merged.FullyQualifiedName = parent
      ? `${String(parent.FullyQualifiedName)}:${String(merged.DisplayName)}`
      : String(merged.DisplayName);
    merged.Level = parent ? Number(parent.Level ?? 0) + 1 : 0;
  }
  if (
    (entity === "Item" || entity === "Class" || entity === "Account") &&
    "Name" in fields &&
    !merged.ParentRef
  ) {
    merged.FullyQualifiedName = String(merged.Name);
  }
  const meta = existing.MetaData as Obj;
  const saved = stamp(ctx, merged, id, Number(existing.SyncToken) + 1, String(meta.CreateTime));
  realm.entities[entity][id] = saved;
  if (entity === "Customer") refreshCustomerDescendants(realm, id);
  ctx.onChange?.(entity, id, operation);
  return saved;
}

/** Deletes a transaction or deactivates a name-list entry, as a person in the QuickBooks UI would. */
export function removeOutOfBand(ctx: EntityContext, entity: EntityName, id: string): Obj | null {
  const { realm } = ctx;
  const existing = realm.entities[entity][id];
  if (!existing) return null;
  if (SCHEMAS[entity].isTransaction) {
    delete realm.entities[entity][id];
    realm.deletedIds[entity].push(id);
    ctx.onChange?.(entity, id, "Delete");
    return { status: "Deleted", domain: "QBO", Id: id };
  }
  const nameField = entity === "Customer" || entity === "Vendor" ? "DisplayName" : "Name";
  const name = applyDeletedSuffix(String(existing[nameField]), false, true);
  // Deleting a name in QuickBooks makes it inactive; the notification still says Delete.
  return editOutOfBand(ctx, entity, id, { Active: false, [nameField]: name }, "Delete");
}

/** Inserts seed data through the same rules as the API, so seeded objects look exactly like created ones. */
export function createSeedEntity(ctx: EntityContext, entity: EntityName, body: Obj, id?: string): Obj {
  const finalized = FINALIZERS[entity](ctx, body, undefined);
  const assigned = id ?? allocateId(ctx.realm, entity);
  const saved = stamp(ctx, finalized, assigned, 0, formatTimestamp(ctx.nowMs));
  ctx.realm.entities[entity][assigned] = saved;
  return saved;
}
