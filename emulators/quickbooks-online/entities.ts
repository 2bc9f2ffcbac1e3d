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

export const SCHEMAS: Record<EntityName, EntitySchema> = {
  Customer: {
    writable: [
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

function allocateId(realm: RealmState, entity: EntityName): string {
  const next = realm.nextId[entity];
  realm.nextId[entity] = next + 1;
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
  const clash =
    Object.values(realm.entities.Customer).some(
      (other) => other.Id !== selfId && sameName(other.DisplayName, display),
    ) || realm.reservedNames.some((name) => sameName(name, display));
  if (clash) throw faults.duplicateName("customer, vendor or employee");

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
// Generic create / update / delete / read

const FINALIZERS: Record<EntityName, (ctx: EntityContext, c: Obj, existing: Obj | undefined) => Obj> = {
  Customer: finalizeCustomer,
  Item: finalizeItem,
  Class: finalizeClass,
  Account: finalizeAccount,
  Estimate: finalizeEstimate,
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
export function writeEntity(ctx: EntityContext, entity: EntityName, body: unknown, operation?: string): Obj {
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
    const finalized = FINALIZERS[entity](ctx, candidate, existing);
    const meta = existing.MetaData as Obj;
    const saved = stamp(ctx, finalized, id, Number(existing.SyncToken) + 1, String(meta.CreateTime));
    table[id] = saved;
    if (entity === "Customer") refreshCustomerDescendants(realm, id);
    ctx.onChange?.(entity, id, "Update");
    return saved;
  }

  const finalized = FINALIZERS[entity](ctx, pickWritable(entity, body), undefined);
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
  const nameField = entity === "Customer" ? "DisplayName" : "Name";
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
