/**
 * The qbXML 13.0 schema as far as this company file answers it: for each aggregate of the requests it runs, the
 * children the schema allows, in the order its sequences require (from the qbXML 13.0 On-screen Reference and
 * Intuit's qbxmlops130 sample document, which lists every request's elements in schema order). QuickBooks
 * validates a request set against the schema before running anything; an element out of order or one the schema
 * does not have there fails the whole set with hresult 0x80040400 ("QuickBooks found an error when parsing the
 * provided XML text stream").
 */
import type { XmlNode } from "./xml.js";

const REF = ["ListID", "FullName"];
const LIST_QUERY = [
  "ListID",
  "FullName",
  "MaxReturned",
  "ActiveStatus",
  "FromModifiedDate",
  "ToModifiedDate",
  "NameFilter",
  "NameRangeFilter",
];
const LINE = [
  "ItemRef",
  "Desc",
  "Quantity",
  "UnitOfMeasure",
  "OverrideUOMSetRef",
  "Rate",
  "RatePercent",
  "PriceLevelRef",
  "ClassRef",
  "Amount",
  "OptionForPriceRuleConflict",
  "InventorySiteRef",
  "InventorySiteLocationRef",
  "SalesTaxCodeRef",
  "MarkupRate",
  "MarkupRatePercent",
  "Other1",
  "Other2",
  "DataExt",
];
const ESTIMATE_HEAD = [
  "CustomerRef",
  "ClassRef",
  "TemplateRef",
  "TxnDate",
  "RefNumber",
  "BillAddress",
  "ShipAddress",
  "IsActive",
  "CreateChangeOrder",
  "PONumber",
  "TermsRef",
  "DueDate",
  "SalesRepRef",
  "FOB",
  "ItemSalesTaxRef",
  "Memo",
  "CustomerMsgRef",
  "IsToBeEmailed",
  "IsTaxIncluded",
  "CustomerSalesTaxCodeRef",
  "Other",
  "ExchangeRate",
];
const TAIL = ["IncludeRetElement", "OwnerID"];
const ADDRESS = [
  "Addr1",
  "Addr2",
  "Addr3",
  "Addr4",
  "Addr5",
  "City",
  "State",
  "PostalCode",
  "Country",
  "Note",
];
/** PurchaseOrderAdd's head; PurchaseOrderMod has the same with IsManuallyClosed before Memo and no ExternalGUID. */
const PO_HEAD_START = [
  "VendorRef",
  "ClassRef",
  "InventorySiteRef",
  "ShipToEntityRef",
  "TemplateRef",
  "TxnDate",
  "RefNumber",
  "VendorAddress",
  "ShipAddress",
  "TermsRef",
  "DueDate",
  "ExpectedDate",
  "ShipMethodRef",
  "FOB",
];
const PO_HEAD_END = [
  "Memo",
  "VendorMsg",
  "IsToBePrinted",
  "IsToBeEmailed",
  "IsTaxIncluded",
  "SalesTaxCodeRef",
  "Other1",
  "Other2",
  "ExchangeRate",
];
/** A purchase-order line: ClassRef sits between Rate and Amount, CustomerRef after Amount. */
const PO_LINE_TAIL = [
  "Rate",
  "ClassRef",
  "Amount",
  "TaxAmount",
  "InventorySiteLocationRef",
  "CustomerRef",
  "ServiceDate",
  "SalesTaxCodeRef",
];

/** Aggregate → its children in schema order. Leaves (text elements) are not listed. */
export const SEQUENCES: Record<string, string[]> = {
  CustomerQueryRq: [...LIST_QUERY, "TotalBalanceFilter", "CurrencyFilter", "ClassFilter", ...TAIL],
  ItemQueryRq: [...LIST_QUERY, ...TAIL],
  ItemServiceQueryRq: [...LIST_QUERY, "ClassFilter", ...TAIL],
  AccountQueryRq: [...LIST_QUERY, "AccountType", "CurrencyFilter", ...TAIL],
  ClassQueryRq: [...LIST_QUERY, ...TAIL],
  EstimateQueryRq: [
    "TxnID",
    "RefNumber",
    "RefNumberCaseSensitive",
    "MaxReturned",
    "ModifiedDateRangeFilter",
    "TxnDateRangeFilter",
    "EntityFilter",
    "AccountFilter",
    "RefNumberFilter",
    "RefNumberRangeFilter",
    "CurrencyFilter",
    "IncludeLineItems",
    "IncludeLinkedTxns",
    ...TAIL,
  ],
  EntityFilter: ["ListID", "FullName", "ListIDWithChildren", "FullNameWithChildren"],
  CustomerAddRq: ["CustomerAdd", "IncludeRetElement"],
  CustomerAdd: [
    "Name",
    "IsActive",
    "ClassRef",
    "ParentRef",
    "CompanyName",
    "Salutation",
    "FirstName",
    "MiddleName",
    "LastName",
    "JobTitle",
    "BillAddress",
    "ShipAddress",
    "ShipToAddress",
    "Phone",
    "AltPhone",
    "Fax",
    "Email",
    "Cc",
    "Contact",
    "AltContact",
  ],
  ItemServiceAddRq: ["ItemServiceAdd", "IncludeRetElement"],
  ItemServiceAdd: [
    "Name",
    "BarCode",
    "IsActive",
    "ClassRef",
    "ParentRef",
    "UnitOfMeasureSetRef",
    "IsTaxIncluded",
    "SalesTaxCodeRef",
    "SalesOrPurchase",
    "SalesAndPurchase",
    "ExternalGUID",
  ],
  SalesOrPurchase: ["Desc", "Price", "PricePercent", "AccountRef"],
  EstimateAddRq: ["EstimateAdd", "IncludeRetElement"],
  EstimateAdd: [...ESTIMATE_HEAD, "ExternalGUID", "EstimateLineAdd", "EstimateLineGroupAdd"],
  EstimateLineAdd: LINE,
  EstimateModRq: ["EstimateMod", "IncludeRetElement"],
  EstimateMod: ["TxnID", "EditSequence", ...ESTIMATE_HEAD, "EstimateLineMod", "EstimateLineGroupMod"],
  EstimateLineMod: ["TxnLineID", ...LINE],
  VendorQueryRq: [...LIST_QUERY, "TotalBalanceFilter", "CurrencyFilter", "ClassFilter", ...TAIL],
  NameFilter: ["MatchCriterion", "Name"],
  VendorAddRq: ["VendorAdd", "IncludeRetElement"],
  VendorAdd: [
    "Name",
    "IsActive",
    "ClassRef",
    "CompanyName",
    "Salutation",
    "FirstName",
    "MiddleName",
    "LastName",
    "JobTitle",
    "VendorAddress",
    "ShipAddress",
    "Phone",
    "AltPhone",
    "Fax",
    "Email",
    "Cc",
    "Contact",
    "AltContact",
    "NameOnCheck",
    "AccountNumber",
    "Notes",
  ],
  VendorAddress: ADDRESS,
  ShipAddress: ADDRESS,
  PurchaseOrderQueryRq: [
    "TxnID",
    "RefNumber",
    "RefNumberCaseSensitive",
    "MaxReturned",
    "ModifiedDateRangeFilter",
    "TxnDateRangeFilter",
    "EntityFilter",
    "AccountFilter",
    "RefNumberFilter",
    "RefNumberRangeFilter",
    "CurrencyFilter",
    "IncludeLineItems",
    "IncludeLinkedTxns",
    ...TAIL,
  ],
  PurchaseOrderAddRq: ["PurchaseOrderAdd", "IncludeRetElement"],
  PurchaseOrderAdd: [
    ...PO_HEAD_START,
    ...PO_HEAD_END,
    "ExternalGUID",
    "PurchaseOrderLineAdd",
    "PurchaseOrderLineGroupAdd",
  ],
  PurchaseOrderLineAdd: [
    "ItemRef",
    "ManufacturerPartNumber",
    "Desc",
    "Quantity",
    "UnitOfMeasure",
    ...PO_LINE_TAIL,
    "OverrideItemAccountRef",
    "Other1",
    "Other2",
    "DataExt",
  ],
  PurchaseOrderModRq: ["PurchaseOrderMod", "IncludeRetElement"],
  PurchaseOrderMod: [
    "TxnID",
    "EditSequence",
    ...PO_HEAD_START,
    "IsManuallyClosed",
    ...PO_HEAD_END,
    "PurchaseOrderLineMod",
    "PurchaseOrderLineGroupMod",
  ],
  PurchaseOrderLineMod: [
    "TxnLineID",
    "ItemRef",
    "ManufacturerPartNumber",
    "Desc",
    "Quantity",
    "UnitOfMeasure",
    "OverrideUOMSetRef",
    ...PO_LINE_TAIL,
    "IsManuallyClosed",
    "OverrideItemAccountRef",
    "Other1",
    "Other2",
  ],
  VendorRef: REF,
  CustomerRef: REF,
  ParentRef: REF,
  ClassRef: REF,
  ItemRef: REF,
  AccountRef: REF,
  SalesTaxCodeRef: REF,
  TemplateRef: REF,
};

/** Children that may repeat back to back. */
const REPEATING = new Set([
  "ListID",
  "FullName",
  "TxnID",
  "RefNumber",
  "AccountType",
  "EstimateLineAdd",
  "EstimateLineGroupAdd",
  "EstimateLineMod",
  "EstimateLineGroupMod",
  "PurchaseOrderLineAdd",
  "PurchaseOrderLineGroupAdd",
  "PurchaseOrderLineMod",
  "PurchaseOrderLineGroupMod",
  "IncludeRetElement",
  "OwnerID",
]);

/** The first place a request breaks the schema's order or names an element it does not have there; null if none. */
export function schemaProblem(node: XmlNode): string | null {
  const order = SEQUENCES[node.name];
  if (!order) return null;
  let last = -1;
  let lastName = "";
  for (const c of node.children) {
    const at = order.indexOf(c.name);
    if (at === -1) return `${c.name} is not allowed in ${node.name}`;
    if (at < last || (at === last && !(REPEATING.has(c.name) && c.name === lastName))) {
      return `${c.name} is out of order in ${node.name}`;
    }
    last = at;
    lastName = c.name;
    const inner = schemaProblem(c);
    if (inner) return inner;
  }
  return null;
}
