/**
 * Country editions of QuickBooks Online. A US company takes the "TAX"/"NON" pseudo codes on sales lines and ignores
 * `GlobalTaxCalculation`; a Canadian, UK or Australian company needs `GlobalTaxCalculation` on the transaction and
 * one of its own tax codes on every sales line (there is no "NON" there), and tax is added to the total. With
 * multicurrency on, a transaction names its currency, which must be one the company holds and the customer's.
 */
import type { Obj } from "./faults.js";
import type { RealmState } from "./state.js";

export const COUNTRIES = ["US", "CA", "GB", "AU"] as const;
export type Country = (typeof COUNTRIES)[number];

interface RateDef {
  name: string;
  /** Percent. */
  rate: number;
}

interface Preset {
  currency: { value: string; name: string };
  /** What QuickBooks calls the tax in its messages. */
  taxName: string;
  address: Obj;
  phone: string;
  timeZone: string;
  /** Tax code name → its sales rates (empty: a code that adds no tax). */
  codes: [name: string, rates: RateDef[]][];
}

const PRESETS: Record<Country, Preset> = {
  US: {
    currency: { value: "USD", name: "United States Dollar" },
    taxName: "sales tax",
    address: {
      Line1: "123 Sierra Way",
      City: "San Pablo",
      CountrySubDivisionCode: "CA",
      PostalCode: "87999",
    },
    phone: "(650) 555-0100",
    timeZone: "America/Los_Angeles",
    codes: [],
  },
  CA: {
    currency: { value: "CAD", name: "Canadian Dollar" },
    taxName: "GST/HST",
    address: {
      Line1: "100 King Street West",
      City: "Toronto",
      CountrySubDivisionCode: "ON",
      PostalCode: "M5X 1A9",
    },
    phone: "(416) 555-0100",
    timeZone: "America/Toronto",
    codes: [
      ["HST ON", [{ name: "HST ON", rate: 13 }]],
      ["GST", [{ name: "GST", rate: 5 }]],
      ["Exempt", [{ name: "Exempt", rate: 0 }]],
      ["Zero-rated", [{ name: "Zero-rated", rate: 0 }]],
      ["Out of Scope", []],
    ],
  },
  GB: {
    currency: { value: "GBP", name: "British Pound Sterling" },
    taxName: "VAT",
    address: { Line1: "1 Poultry", City: "London", PostalCode: "EC2R 8EJ", Country: "GB" },
    phone: "020 7946 0100",
    timeZone: "Europe/London",
    codes: [
      ["20.0% S", [{ name: "20.0% S", rate: 20 }]],
      ["5.0% R", [{ name: "5.0% R", rate: 5 }]],
      ["0.0% Z", [{ name: "0.0% Z", rate: 0 }]],
      ["Exempt", [{ name: "Exempt", rate: 0 }]],
      ["No VAT", []],
    ],
  },
  AU: {
    currency: { value: "AUD", name: "Australian Dollar" },
    taxName: "GST",
    address: { Line1: "1 Martin Place", City: "Sydney", CountrySubDivisionCode: "NSW", PostalCode: "2000" },
    phone: "(02) 5550 0100",
    timeZone: "Australia/Sydney",
    codes: [
      ["GST", [{ name: "GST (sales)", rate: 10 }]],
      ["GST free", [{ name: "GST free (sales)", rate: 0 }]],
      ["Input taxed", [{ name: "Input taxed (sales)", rate: 0 }]],
      ["Out of Scope", []],
    ],
  },
};

export function isCountry(value: unknown): value is Country {
  return typeof value === "string" && (COUNTRIES as readonly string[]).includes(value);
}

export function countryOf(realm: RealmState): string {
  const c = realm.companyInfo.Country;
  return typeof c === "string" && c !== "" ? c : "US";
}

export function taxNameOf(realm: RealmState): string {
  const c = countryOf(realm);
  return isCountry(c) ? PRESETS[c].taxName : "tax";
}

export function homeCurrencyOf(realm: RealmState): { value: string; name?: string } {
  const prefs = realm.preferences.CurrencyPrefs as Obj | undefined;
  const home = prefs?.HomeCurrency as { value?: unknown; name?: unknown } | undefined;
  const value = typeof home?.value === "string" ? home.value : "USD";
  const known = Object.values(PRESETS).find((p) => p.currency.value === value);
  return known ? { ...known.currency } : { value };
}

export function multicurrencyOn(realm: RealmState): boolean {
  const prefs = realm.preferences.CurrencyPrefs as Obj | undefined;
  return prefs?.MultiCurrencyEnabled === true;
}

/** Rate in percent of a tax code's sales rates together; undefined when the company has no such code. */
export function taxCodeRate(realm: RealmState, id: string): { rate: number; active: boolean } | undefined {
  const code = (realm.taxCodes ?? []).find((c) => c.Id === id);
  if (!code) return undefined;
  const details = ((code.SalesTaxRateList as Obj | undefined)?.TaxRateDetail ?? []) as Obj[];
  let rate = 0;
  for (const d of details) {
    const ref = d.TaxRateRef as { value?: string } | undefined;
    const r = (realm.taxRates ?? []).find((t) => t.Id === ref?.value);
    rate += Number(r?.RateValue ?? 0);
  }
  return { rate, active: code.Active !== false };
}

function buildTaxLists(country: Country, stamp: Obj): { codes: Obj[]; rates: Obj[] } {
  if (country === "US") {
    // The two pseudo codes a US sales line takes; automated sales tax decides the rate.
    return {
      codes: [
        {
          Id: "TAX",
          Name: "TAX",
          Description: "TAX",
          Active: true,
          Taxable: true,
          TaxGroup: false,
          ...stamp,
        },
        {
          Id: "NON",
          Name: "NON",
          Description: "NON",
          Active: true,
          Taxable: false,
          TaxGroup: false,
          ...stamp,
        },
      ],
      rates: [],
    };
  }
  const rates: Obj[] = [];
  const codes: Obj[] = [];
  for (const [name, defs] of PRESETS[country].codes) {
    const details: Obj[] = [];
    for (const def of defs) {
      let rate = rates.find((r) => r.Name === def.name);
      if (!rate) {
        rate = { Id: String(rates.length + 1), Name: def.name, RateValue: def.rate, Active: true, ...stamp };
        rates.push(rate);
      }
      details.push({
        TaxRateRef: { value: rate.Id, name: def.name },
        TaxTypeApplicable: "TaxOnAmount",
        TaxOrder: 0,
      });
    }
    codes.push({
      Id: String(codes.length + 2),
      Name: name,
      Description: name,
      Active: true,
      Taxable: defs.some((d) => d.rate > 0),
      TaxGroup: false,
      SalesTaxRateList: { TaxRateDetail: details },
      PurchaseTaxRateList: { TaxRateDetail: [] },
      ...stamp,
    });
  }
  return { codes, rates };
}

export interface PresetOptions {
  country: Country;
  multicurrency?: boolean;
  /** Foreign currencies the company holds (with multicurrency). */
  currencies?: string[];
  customTxnNumbers?: boolean;
}

/** Turns a realm into a company of that country edition; customers, items and estimates stay as they are. */
export function applyCountryPreset(realm: RealmState, options: PresetOptions): void {
  const preset = PRESETS[options.country];
  const meta = realm.companyInfo.MetaData as Obj | undefined;
  const stamp = meta ? { MetaData: { ...meta } } : {};
  const address = { Id: "1", ...preset.address };
  Object.assign(realm.companyInfo, {
    Country: options.country,
    CompanyAddr: address,
    CustomerCommunicationAddr: address,
    LegalAddr: address,
    PrimaryPhone: { FreeFormNumber: preset.phone },
    DefaultTimeZone: preset.timeZone,
  });
  const prefs = realm.preferences;
  const multicurrency = options.multicurrency ?? false;
  prefs.CurrencyPrefs = {
    MultiCurrencyEnabled: multicurrency,
    HomeCurrency: { value: preset.currency.value },
  };
  prefs.TaxPrefs =
    options.country === "US"
      ? { UsingSalesTax: false, PartnerTaxEnabled: false }
      : { UsingSalesTax: true, PartnerTaxEnabled: false };
  if (options.customTxnNumbers !== undefined) {
    (prefs.SalesFormsPrefs as Obj).CustomTxnNumbers = options.customTxnNumbers;
  }
  // The company was set up in this country: its customers and accounts are in its home currency.
  for (const table of [realm.entities.Customer, realm.entities.Account]) {
    for (const row of Object.values(table)) row.CurrencyRef = { ...preset.currency };
  }
  const lists = buildTaxLists(options.country, stamp);
  realm.taxCodes = lists.codes;
  realm.taxRates = lists.rates;
  realm.currencies = multicurrency
    ? (options.currencies ?? [])
        .filter((code) => code !== preset.currency.value)
        .map((code, i) => ({
          Id: String(i + 1),
          Code: code,
          Name: Object.values(PRESETS).find((p) => p.currency.value === code)?.currency.name ?? code,
          Active: true,
          ...stamp,
        }))
    : [];
}
