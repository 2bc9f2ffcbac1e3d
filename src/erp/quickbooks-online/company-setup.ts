/**
 * How a QuickBooks Online company is set up for the estimates Costbridge writes: its country (a US company takes
 * the "NON" pseudo tax code; every other edition needs `GlobalTaxCalculation` and one of the company's own tax
 * codes on each line), whether it numbers transactions itself, and which currencies it holds. Read once per
 * export, before anything is written.
 */
import type { QboClient } from "./client.js";
import type { EstimateTaxSetup } from "./mapping.js";
import type { QboCompanyCurrency, QboPreferences, QboTaxCode, QboTaxRate } from "./types.js";

export interface QboCompanySetup {
  /** "US", "CA", "GB", "AU", … as CompanyInfo.Country gives it ("UK" read as "GB"). */
  country: string;
  /** SalesFormsPrefs.CustomTxnNumbers: only then does Costbridge send its own DocNumber. */
  customTxnNumbers: boolean;
  multicurrency: boolean;
  homeCurrency: string;
  /** Every currency the company can record a transaction in: its home currency and, with multicurrency, its list. */
  currencies: string[];
  /** Null for a non-US company without a tax code that adds no tax. */
  tax: EstimateTaxSetup | null;
}

/** A refusal the export turns into a Failed to Export with this remedy. */
export class CompanySetupProblem extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly remedy: string,
  ) {
    super(message);
    this.name = "CompanySetupProblem";
  }
}

export function normalizeCountry(raw: string | undefined): string {
  const c = (raw ?? "").trim().toUpperCase();
  if (c === "" || c === "USA" || c === "UNITED STATES") return "US";
  if (c === "UK" || c === "UNITED KINGDOM") return "GB";
  if (c === "CANADA") return "CA";
  if (c === "AUSTRALIA") return "AU";
  return c;
}

/**
 * Names of codes that add no tax, best first: exempt before GST-free before "No VAT" before out-of-scope before
 * zero-rated (a zero-rated sale still appears on a return; an estimate is not a sale yet, so exempt fits best).
 */
const EXEMPT_NAME_RANK: RegExp[] = [
  /exempt/i,
  /gst[\s-]*free/i,
  /no\s*vat/i,
  /out\s*of\s*scope/i,
  /zero|^0(\.0+)?\s*%/i,
];

/**
 * The company's own tax code for lines that must add no tax: active, not a group, and with no sales rate above
 * zero; among several, the one whose name says so most plainly. Null when the company has none.
 */
export function pickExemptTaxCode(
  codes: readonly QboTaxCode[],
  rates: readonly QboTaxRate[],
): QboTaxCode | null {
  const rateOf = new Map(rates.map((r) => [r.Id, Number(r.RateValue ?? 0)]));
  const addsNoTax = (code: QboTaxCode) => {
    const details = code.SalesTaxRateList?.TaxRateDetail ?? [];
    return details.every((d) => (rateOf.get(d.TaxRateRef?.value ?? "") ?? 0) === 0);
  };
  const candidates = codes.filter(
    (c) => c.Active !== false && c.Id !== "TAX" && c.Id !== "NON" && c.Taxable !== true && addsNoTax(c),
  );
  const rank = (c: QboTaxCode) => {
    const i = EXEMPT_NAME_RANK.findIndex((re) => re.test(c.Name));
    return i === -1 ? EXEMPT_NAME_RANK.length : i;
  };
  return (
    [...candidates].sort(
      (a, b) => rank(a) - rank(b) || Number(a.Id) - Number(b.Id) || a.Id.localeCompare(b.Id),
    )[0] ?? null
  );
}

/** Why the company cannot take a budget in `currency`; null when it holds it. */
export function currencyProblem(setup: QboCompanySetup, currency: string): CompanySetupProblem | null {
  const { currencies, multicurrency, homeCurrency } = setup;
  if (currencies.includes(currency)) return null;
  return new CompanySetupProblem(
    "currency_not_in_quickbooks",
    multicurrency
      ? `The QuickBooks company does not hold ${currency}, the currency of this company in Costbridge ` +
          `(it holds ${currencies.join(", ")}).`
      : `The QuickBooks company keeps its books in ${homeCurrency || "another currency"} without multicurrency, ` +
          `but this company's currency in Costbridge is ${currency}.`,
    multicurrency
      ? `Add ${currency} in QuickBooks (Settings › Currencies), or correct the company currency in Costbridge, ` +
          "then retry the export."
      : `Correct the company currency in Costbridge to ${homeCurrency || "the QuickBooks home currency"}, or ` +
          "turn on multicurrency in QuickBooks and add it, then retry the export.",
  );
}

export async function readCompanySetup(
  client: QboClient,
  prefs: QboPreferences,
  currency: string,
): Promise<QboCompanySetup> {
  const info = await client.companyInfo();
  const country = normalizeCountry(info.Country);
  const multicurrency = prefs.CurrencyPrefs?.MultiCurrencyEnabled === true;
  const homeCurrency = (
    prefs.CurrencyPrefs?.HomeCurrency?.value ?? (country === "US" ? "USD" : "")
  ).toUpperCase();
  const currencies = homeCurrency ? [homeCurrency] : [];
  if (multicurrency) {
    const held = await client.queryAll<QboCompanyCurrency>("select * from CompanyCurrency");
    for (const c of held) if (c.Active !== false && !currencies.includes(c.Code)) currencies.push(c.Code);
  }
  const customTxnNumbers = prefs.SalesFormsPrefs?.CustomTxnNumbers === true;
  const base = { country, customTxnNumbers, multicurrency, homeCurrency, currencies };
  const currencyRef = multicurrency ? { currency } : {};
  if (country === "US") return { ...base, tax: { lineTaxCode: "NON", ...currencyRef } };
  const [codes, rates] = await Promise.all([
    client.queryAll<QboTaxCode>("select * from TaxCode"),
    client.queryAll<QboTaxRate>("select * from TaxRate"),
  ]);
  const exempt = pickExemptTaxCode(codes, rates);
  return {
    ...base,
    tax: exempt ? { lineTaxCode: exempt.Id, globalTaxCalculation: "TaxExcluded", ...currencyRef } : null,
  };
}
