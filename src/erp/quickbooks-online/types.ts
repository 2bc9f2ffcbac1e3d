/** The slice of the QuickBooks Online v3 entities this adapter reads and writes (PascalCase as on the wire). */

export interface QboRef {
  value: string;
  name?: string;
}

export interface QboMetaData {
  CreateTime?: string;
  LastUpdatedTime?: string;
}

export interface QboSalesItemLineDetail {
  ItemRef?: QboRef;
  ClassRef?: QboRef;
  Qty?: number;
  UnitPrice?: number;
  TaxCodeRef?: QboRef;
}

export interface QboLine {
  Id?: string;
  LineNum?: number;
  DetailType: string;
  Amount?: number;
  Description?: string;
  SalesItemLineDetail?: QboSalesItemLineDetail;
  ItemBasedExpenseLineDetail?: QboItemBasedExpenseLineDetail;
  [key: string]: unknown;
}

export interface QboEstimate {
  Id: string;
  SyncToken: string;
  CustomerRef: QboRef;
  Line: QboLine[];
  DocNumber?: string;
  TxnDate?: string;
  PrivateNote?: string;
  TxnStatus?: string;
  EmailStatus?: string;
  TotalAmt?: number;
  LinkedTxn?: { TxnId: string; TxnType: string }[];
  GlobalTaxCalculation?: string;
  CurrencyRef?: QboRef;
  MetaData?: QboMetaData;
}

export interface QboCustomer {
  Id: string;
  SyncToken: string;
  DisplayName: string;
  FullyQualifiedName?: string;
  Job?: boolean;
  ParentRef?: QboRef;
  Active?: boolean;
  Level?: number;
  CurrencyRef?: QboRef;
}

export interface QboItem {
  Id: string;
  SyncToken: string;
  Name: string;
  Sku?: string;
  Type?: string;
  Active?: boolean;
  IncomeAccountRef?: QboRef;
  /** The purchase side: where the cost of buying the item goes. Needed for the item to go on a purchase order. */
  ExpenseAccountRef?: QboRef;
  PurchaseCost?: number;
}

export interface QboVendor {
  Id: string;
  SyncToken: string;
  DisplayName: string;
  CompanyName?: string;
  Active?: boolean;
  CurrencyRef?: QboRef;
}

export interface QboItemBasedExpenseLineDetail {
  ItemRef?: QboRef;
  CustomerRef?: QboRef;
  ClassRef?: QboRef;
  BillableStatus?: string;
  Qty?: number;
  UnitPrice?: number;
}

export interface QboPurchaseOrder {
  Id: string;
  SyncToken: string;
  VendorRef: QboRef;
  APAccountRef?: QboRef;
  Line: QboLine[];
  DocNumber?: string;
  PrivateNote?: string;
  Memo?: string;
  POStatus?: string;
  TotalAmt?: number;
  CurrencyRef?: QboRef;
  MetaData?: QboMetaData;
}

export interface QboClass {
  Id: string;
  SyncToken: string;
  Name: string;
  Active?: boolean;
}

export interface QboAccount {
  Id: string;
  Name: string;
  AccountType?: string;
  Active?: boolean;
}

export interface QboPreferences {
  SalesFormsPrefs?: { AllowEstimates?: boolean; CustomTxnNumbers?: boolean };
  AccountingInfoPrefs?: { ClassTrackingPerTxn?: boolean; ClassTrackingPerTxnLine?: boolean };
  CurrencyPrefs?: { MultiCurrencyEnabled?: boolean; HomeCurrency?: QboRef };
  TaxPrefs?: { UsingSalesTax?: boolean; PartnerTaxEnabled?: boolean };
}

export interface QboCompanyInfo {
  Id: string;
  CompanyName?: string;
  /** Two-letter country of the company's edition: "US", "CA", "GB" (sometimes "UK"), "AU", … */
  Country?: string;
}

export interface QboTaxRateDetail {
  TaxRateRef?: QboRef;
}

export interface QboTaxCode {
  Id: string;
  Name: string;
  Description?: string;
  Active?: boolean;
  Taxable?: boolean;
  TaxGroup?: boolean;
  SalesTaxRateList?: { TaxRateDetail?: QboTaxRateDetail[] };
}

export interface QboTaxRate {
  Id: string;
  Name: string;
  RateValue?: number;
  Active?: boolean;
}

export interface QboCompanyCurrency {
  Id: string;
  Code: string;
  Name?: string;
  Active?: boolean;
}
