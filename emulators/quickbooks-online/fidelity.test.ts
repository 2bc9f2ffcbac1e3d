import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type AnyJson, faultCode, type Harness, json, startHarness } from "./test-support.js";

let h: Harness;

beforeEach(async () => {
  h = await startHarness();
});
afterEach(async () => {
  await h.close();
});

/** Seeded: customer 1 (Acme Builders Jobs), item 3 (03-300 Cast-in-place concrete). */
function line(amount: number, taxCode?: string): AnyJson {
  const detail: AnyJson = { ItemRef: { value: "3" }, Qty: 1, UnitPrice: amount };
  if (taxCode) detail.TaxCodeRef = { value: taxCode };
  return { DetailType: "SalesItemLineDetail", Amount: amount, SalesItemLineDetail: detail };
}

async function create(body: AnyJson): Promise<AnyJson> {
  return json(await h.api("POST", "/estimate", { CustomerRef: { value: "1" }, ...body }));
}

async function update(body: AnyJson): Promise<AnyJson> {
  return json(await h.api("POST", "/estimate?operation=update", body));
}

async function preset(body: AnyJson): Promise<Response> {
  return h.control("POST", `/preset/${h.realmId}`, body);
}

const BOOKKEEPER = {
  BillAddr: { Line1: "9 Quay Street", City: "Portside" },
  ShipAddr: { Line1: "Pier 4", City: "Portside" },
  ExpirationDate: "2027-01-31",
  CustomerMemo: { value: "Valid for 60 days." },
  TxnStatus: "Accepted",
  BillEmail: { Address: "owner@harbor.example" },
};

describe("full versus sparse update", () => {
  it("a full update clears every writable field left out (status back to Pending); a sparse one touches only what it sends", async () => {
    const est = (await create({ DocNumber: "E-1", Line: [line(100)], ...BOOKKEEPER })).Estimate;
    expect(est).toMatchObject(BOOKKEEPER);

    const sparse = (await update({ Id: est.Id, SyncToken: est.SyncToken, sparse: true, Line: [line(250)] }))
      .Estimate;
    expect(sparse).toMatchObject({ ...BOOKKEEPER, TotalAmt: 250, DocNumber: "E-1" });

    const full = (
      await update({
        Id: est.Id,
        SyncToken: sparse.SyncToken,
        CustomerRef: { value: "1" },
        Line: [line(300)],
      })
    ).Estimate;
    expect(full).toMatchObject({ TotalAmt: 300, TxnStatus: "Pending" });
    for (const cleared of ["BillAddr", "ShipAddr", "ExpirationDate", "CustomerMemo", "BillEmail"]) {
      expect(full[cleared], cleared).toBeUndefined();
    }
  });

  it("numbers an estimate itself when custom transaction numbers are off", async () => {
    await h.control("POST", `/edit/${h.realmId}/Preferences/1`, {
      SalesFormsPrefs: { CustomTxnNumbers: false },
    });
    const a = (await create({ Line: [line(1)] })).Estimate;
    const b = (await create({ Line: [line(1)] })).Estimate;
    expect(Number(b.DocNumber)).toBe(Number(a.DocNumber) + 1);
    await h.control("POST", `/edit/${h.realmId}/Preferences/1`, {
      SalesFormsPrefs: { CustomTxnNumbers: true },
    });
    expect((await create({ Line: [line(1)] })).Estimate.DocNumber).toBeUndefined();
  });

  it("a converted estimate is linked to its invoice and closed", async () => {
    const est = (await create({ Line: [line(100)] })).Estimate;
    const res = await json(await h.control("POST", `/invoice/${h.realmId}/${est.Id}`));
    expect(res.Estimate).toMatchObject({
      TxnStatus: "Closed",
      LinkedTxn: [{ TxnId: res.Invoice.Id, TxnType: "Invoice" }],
    });
    const read = (await json(await h.api("GET", `/estimate/${est.Id}`))).Estimate;
    expect(read.LinkedTxn).toEqual([{ TxnId: res.Invoice.Id, TxnType: "Invoice" }]);
  });
});

describe("country editions", () => {
  it("refuses a US-only payload in a Canadian company, as QuickBooks does", async () => {
    expect((await preset({ country: "CA" })).status).toBe(200);
    const info = (await json(await h.api("GET", `/companyinfo/${h.realmId}`))).CompanyInfo;
    expect(info.Country).toBe("CA");
    const prefs = (await json(await h.api("GET", "/preferences"))).Preferences;
    expect(prefs.CurrencyPrefs).toEqual({ MultiCurrencyEnabled: false, HomeCurrency: { value: "CAD" } });

    const noGlobal = await create({ Line: [line(100, "NON")] });
    expect(faultCode(noGlobal)).toBe("2020");
    expect(noGlobal.Fault.Error[0].element).toBe("GlobalTaxCalculation");

    const nonCode = await create({ GlobalTaxCalculation: "TaxExcluded", Line: [line(100, "NON")] });
    expect(faultCode(nonCode)).toBe("2500");
    expect(nonCode.Fault.Error[0].element).toBe("Line.SalesItemLineDetail.TaxCodeRef");

    const noCode = await create({ GlobalTaxCalculation: "TaxExcluded", Line: [line(100)] });
    expect(faultCode(noCode)).toBe("6000");
    expect(noCode.Fault.Error[0].Detail).toMatch(/GST\/HST rate/);

    expect(faultCode(await create({ GlobalTaxCalculation: "Sometimes", Line: [line(100, "2")] }))).toBe(
      "2170",
    );
  });

  it("answers tax code and rate queries from the company's own list, and adds tax to the total", async () => {
    await preset({ country: "CA" });
    const codes = (
      await json(await h.api("GET", `/query?query=${encodeURIComponent("select * from TaxCode")}`))
    ).QueryResponse.TaxCode as AnyJson[];
    expect(codes.map((c) => c.Name)).toEqual(["HST ON", "GST", "Exempt", "Zero-rated", "Out of Scope"]);
    expect(codes.some((c) => c.Id === "NON")).toBe(false);
    const rates = (
      await json(await h.api("GET", `/query?query=${encodeURIComponent("select * from TaxRate")}`))
    ).QueryResponse.TaxRate as AnyJson[];
    expect(rates.find((r) => r.Name === "HST ON").RateValue).toBe(13);

    const hst = codes.find((c) => c.Name === "HST ON").Id;
    const exempt = codes.find((c) => c.Name === "Exempt").Id;
    const taxed = (await create({ GlobalTaxCalculation: "TaxExcluded", Line: [line(1000, hst)] })).Estimate;
    expect(taxed).toMatchObject({
      TotalAmt: 1130,
      TxnTaxDetail: { TotalTax: 130 },
      CurrencyRef: { value: "CAD" },
    });
    const untaxed = (await create({ GlobalTaxCalculation: "TaxExcluded", Line: [line(1000, exempt)] }))
      .Estimate;
    expect(untaxed).toMatchObject({ TotalAmt: 1000, GlobalTaxCalculation: "TaxExcluded" });
  });

  it("names VAT in a UK company and GST in an Australian one", async () => {
    await preset({ country: "GB" });
    expect(
      (await create({ GlobalTaxCalculation: "TaxExcluded", Line: [line(1)] })).Fault.Error[0].Detail,
    ).toMatch(/VAT rate/);
    await preset({ country: "AU" });
    expect(
      (await create({ GlobalTaxCalculation: "TaxExcluded", Line: [line(1)] })).Fault.Error[0].Detail,
    ).toMatch(/GST rate/);
    const prefs = (await json(await h.api("GET", "/preferences"))).Preferences;
    expect(prefs.CurrencyPrefs.HomeCurrency).toEqual({ value: "AUD" });
  });

  it("with multicurrency, a transaction names a currency the company holds and the customer's", async () => {
    await preset({ country: "CA", multicurrency: true, currencies: ["USD"] });
    const held = (
      await json(await h.api("GET", `/query?query=${encodeURIComponent("select * from CompanyCurrency")}`))
    ).QueryResponse.CompanyCurrency as AnyJson[];
    expect(held.map((c) => c.Code)).toEqual(["USD"]);
    const base = { GlobalTaxCalculation: "TaxExcluded", Line: [line(10, "4")] };
    expect(faultCode(await create(base))).toBe("2020");
    expect(faultCode(await create({ ...base, CurrencyRef: { value: "EUR" } }))).toBe("2500");
    // The seeded customer deals in the home currency.
    expect(faultCode(await create({ ...base, CurrencyRef: { value: "USD" } }))).toBe("6000");
    expect((await create({ ...base, CurrencyRef: { value: "CAD" } })).Estimate.CurrencyRef.value).toBe("CAD");
  });

  it("answers 400 naming the field for a preset it does not know", async () => {
    const res = await preset({ country: "FR" });
    expect(res.status).toBe(400);
    expect(await json(res)).toMatchObject({ error: { field: "country" } });
    expect((await preset({ country: "CA", currencies: ["usd"] })).status).toBe(400);
  });
});
