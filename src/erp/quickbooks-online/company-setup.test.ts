import { describe, expect, it } from "vitest";
import { normalizeCountry, pickExemptTaxCode } from "./company-setup.js";
import type { QboTaxCode, QboTaxRate } from "./types.js";

const rates: QboTaxRate[] = [
  { Id: "1", Name: "HST ON", RateValue: 13 },
  { Id: "2", Name: "Exempt", RateValue: 0 },
  { Id: "3", Name: "Zero-rated", RateValue: 0 },
];
const code = (Id: string, Name: string, rateIds: string[], over: Partial<QboTaxCode> = {}): QboTaxCode => ({
  Id,
  Name,
  Active: true,
  SalesTaxRateList: { TaxRateDetail: rateIds.map((value) => ({ TaxRateRef: { value } })) },
  ...over,
});

describe("the company's own code for lines that add no tax", () => {
  it("prefers an exempt code, never one with a rate above zero", () => {
    const codes = [code("2", "HST ON", ["1"]), code("4", "Zero-rated", ["3"]), code("3", "Exempt", ["2"])];
    expect(pickExemptTaxCode(codes, rates)?.Name).toBe("Exempt");
    expect(pickExemptTaxCode([codes[0]!, codes[1]!], rates)?.Name).toBe("Zero-rated");
    expect(pickExemptTaxCode([codes[0]!], rates)).toBeNull();
  });

  it("skips inactive codes and takes a code without rates (out of scope, no VAT)", () => {
    const codes = [code("3", "Exempt", ["2"], { Active: false }), code("7", "No VAT", [])];
    expect(pickExemptTaxCode(codes, rates)?.Name).toBe("No VAT");
  });

  it("prefers GST free to input taxed in Australia", () => {
    const codes = [code("4", "Input taxed", ["3"]), code("3", "GST free", ["3"])];
    expect(pickExemptTaxCode(codes, rates)?.Name).toBe("GST free");
  });
});

describe("the company's country", () => {
  it("reads the editions' spellings", () => {
    expect(normalizeCountry(undefined)).toBe("US");
    expect(normalizeCountry("UK")).toBe("GB");
    expect(normalizeCountry("Canada")).toBe("CA");
    expect(normalizeCountry("AU")).toBe("AU");
  });
});
