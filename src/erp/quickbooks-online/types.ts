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
}

export interface QboItem {
  Id: string;
  SyncToken: string;
  Name: string;
  Sku?: string;
  Type?: string;
  Active?: boolean;
  IncomeAccountRef?: QboRef;
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
}
