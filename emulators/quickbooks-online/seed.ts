import { applyCountryPreset } from "./countries.js";
import { createSeedEntity, type EntityContext } from "./entities.js";
import type { Obj } from "./faults.js";
import type { RealmState } from "./state.js";
import { formatTimestamp } from "./time.js";

/** The seeded customer new jobs are created under. */
export const SEED_PARENT_CUSTOMER = "Acme Builders Jobs";

function emptyRealm(realmId: string): RealmState {
  return {
    realmId,
    companyInfo: {},
    preferences: {},
    entities: { Customer: {}, Item: {}, Class: {}, Account: {}, Estimate: {}, Vendor: {}, PurchaseOrder: {} },
    deletedIds: {
      Customer: [],
      Item: [],
      Class: [],
      Account: [],
      Estimate: [],
      Vendor: [],
      PurchaseOrder: [],
    },
    // QuickBooks class ids are long numbers; the other lists count up from small integers. Vendors take their ids
    // from the customers' counter and purchase orders from the estimates' (names and transactions each share one
    // id space), so the Vendor and PurchaseOrder counters stay unused.
    nextId: {
      Customer: 1,
      Item: 1,
      Class: 5000000000000001,
      Account: 1,
      Estimate: 101,
      Vendor: 1,
      PurchaseOrder: 101,
    },
    nextDocNumber: 1001,
    reservedNames: ["Pat Foreman"],
  };
}

function companyInfo(companyName: string, nowMs: number): Obj {
  const address = {
    Id: "1",
    Line1: "123 Sierra Way",
    City: "San Pablo",
    CountrySubDivisionCode: "CA",
    PostalCode: "87999",
  };
  return {
    Id: "1",
    SyncToken: "0",
    domain: "QBO",
    sparse: false,
    CompanyName: companyName,
    LegalName: companyName,
    CompanyAddr: address,
    CustomerCommunicationAddr: address,
    LegalAddr: address,
    PrimaryPhone: { FreeFormNumber: "(650) 555-0100" },
    Email: { Address: "noreply@quickbooks.invalid" },
    CompanyStartDate: "2024-01-01",
    FiscalYearStartMonth: "January",
    Country: "US",
    SupportedLanguages: "en",
    DefaultTimeZone: "America/Los_Angeles",
    NameValue: [
      { Name: "NeoEnabled", Value: "true" },
      { Name: "IndustryType", Value: "Construction" },
      { Name: "CompanyType", Value: "Other" },
      { Name: "SubscriptionStatus", Value: "SUBSCRIBED" },
      { Name: "OfferingSku", Value: "QuickBooks Online Plus" },
      { Name: "PayrollFeature", Value: "false" },
      { Name: "AccountantFeature", Value: "false" },
    ],
    MetaData: { CreateTime: formatTimestamp(nowMs), LastUpdatedTime: formatTimestamp(nowMs) },
  };
}

function preferences(nowMs: number): Obj {
  return {
    Id: "1",
    SyncToken: "0",
    domain: "QBO",
    sparse: false,
    AccountingInfoPrefs: {
      TrackDepartments: false,
      DepartmentTerminology: "Location",
      ClassTrackingPerTxn: false,
      ClassTrackingPerTxnLine: true,
      CustomerTerminology: "Customers",
      UseAccountNumbers: false,
      FirstMonthOfFiscalYear: "January",
      TaxYearMonth: "January",
    },
    ProductAndServicesPrefs: {
      ForSales: true,
      ForPurchase: true,
      QuantityWithPriceAndRate: true,
      QuantityOnHand: true,
    },
    SalesFormsPrefs: {
      AllowEstimates: true,
      EstimateMessage: "Please review the estimate below.",
      // The seeded company numbers its own estimates; turn it off (control plane) to have QuickBooks number them.
      CustomTxnNumbers: true,
      AllowDeposit: false,
      AllowDiscount: true,
      AllowServiceDate: false,
      AllowShipping: false,
      DefaultDiscountAccount: "86",
      ETransactionEnabledStatus: "NotApplicable",
      AutoApplyCredit: true,
    },
    VendorAndPurchasesPrefs: { TrackingByCustomer: true, BillableExpenseTracking: true },
    TimeTrackingPrefs: {
      UseServices: true,
      BillCustomers: true,
      ShowBillRateToAll: false,
      WorkWeekStartDate: "Monday",
    },
    TaxPrefs: { UsingSalesTax: false, PartnerTaxEnabled: false },
    CurrencyPrefs: { MultiCurrencyEnabled: false, HomeCurrency: { value: "USD" } },
    ReportPrefs: { ReportBasis: "Accrual", CalcAgingReportFromTxnDate: false },
    OtherPrefs: {
      NameValue: [
        { Name: "SalesFormsPrefs.DefaultCustomerMessage", Value: "Thank you for your business." },
        { Name: "ProjectsEnabled", Value: "false" },
      ],
    },
    MetaData: { CreateTime: formatTimestamp(nowMs), LastUpdatedTime: formatTimestamp(nowMs) },
  };
}

export function buildSeededRealm(realmId: string, companyName: string, nowMs: number): RealmState {
  const realm = emptyRealm(realmId);
  realm.companyInfo = companyInfo(companyName, nowMs);
  realm.preferences = preferences(nowMs);
  applyCountryPreset(realm, { country: "US" });
  const ctx: EntityContext = { realm, nowMs };

  const income = createSeedEntity(ctx, "Account", {
    Name: "Construction Income",
    AccountType: "Income",
    AccountSubType: "ServiceFeeIncome",
  });
  createSeedEntity(ctx, "Account", {
    Name: "Services",
    AccountType: "Income",
    AccountSubType: "ServiceFeeIncome",
  });
  createSeedEntity(ctx, "Account", {
    Name: "Cost of Goods Sold",
    AccountType: "Cost of Goods Sold",
    AccountSubType: "SuppliesMaterialsCogs",
  });
  createSeedEntity(ctx, "Account", { Name: "Checking", AccountType: "Bank", AccountSubType: "Checking" });
  createSeedEntity(ctx, "Account", {
    Name: "Accounts Receivable (A/R)",
    AccountType: "Accounts Receivable",
    AccountSubType: "AccountsReceivable",
  });
  createSeedEntity(ctx, "Account", {
    Name: "Accounts Payable (A/P)",
    AccountType: "Accounts Payable",
    AccountSubType: "AccountsPayable",
  });

  for (const name of ["Labor", "Material", "Equipment", "Subcontract", "Other"]) {
    createSeedEntity(ctx, "Class", { Name: name });
  }

  const incomeRef = { value: String(income.Id) };
  createSeedEntity(ctx, "Item", { Name: "Services", Type: "Service", IncomeAccountRef: incomeRef });
  createSeedEntity(ctx, "Item", {
    Name: "01-100 General Requirements",
    Sku: "01-100",
    Description: "General requirements",
    Type: "Service",
    IncomeAccountRef: incomeRef,
  });
  createSeedEntity(ctx, "Item", {
    Name: "03-300 Cast-in-place concrete",
    Sku: "03-300",
    Description: "Cast-in-place concrete",
    Type: "Service",
    IncomeAccountRef: incomeRef,
  });
  createSeedEntity(ctx, "Item", {
    Name: "09-900 Painting",
    Sku: "09-900",
    Description: "Painting",
    Type: "Service",
    IncomeAccountRef: incomeRef,
  });
  createSeedEntity(ctx, "Item", { Name: "Construction", Type: "Category" });

  createSeedEntity(ctx, "Customer", {
    DisplayName: SEED_PARENT_CUSTOMER,
    CompanyName: "Acme Builders",
    Notes: "Parent customer for project jobs",
    BillAddr: {
      Id: "2",
      Line1: "100 Main Street",
      City: "Springfield",
      CountrySubDivisionCode: "CA",
      PostalCode: "94000",
    },
  });
  createSeedEntity(ctx, "Customer", {
    DisplayName: "Smith Residence",
    GivenName: "Jane",
    FamilyName: "Smith",
    PrimaryEmailAddr: { Address: "jane.smith@example.com" },
    BillAddr: {
      Id: "3",
      Line1: "12 Oak Lane",
      City: "Springfield",
      CountrySubDivisionCode: "CA",
      PostalCode: "94001",
    },
  });
  const riverside = createSeedEntity(ctx, "Customer", {
    DisplayName: "Riverside Office Park",
    CompanyName: "Riverside Holdings LLC",
  });
  createSeedEntity(ctx, "Customer", {
    DisplayName: "Riverside Phase 1",
    Job: true,
    BillWithParent: true,
    ParentRef: { value: String(riverside.Id) },
  });
  createSeedEntity(ctx, "Vendor", {
    DisplayName: "Concrete Supply Co",
    CompanyName: "Concrete Supply Co",
    PrimaryEmailAddr: { Address: "orders@concrete-supply.example" },
  });
  return realm;
}
