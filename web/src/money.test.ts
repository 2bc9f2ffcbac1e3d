import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { formatMoney, fromCents, parseMoneyInput, sumAmounts, toCents } from "./money.js";

describe("formatMoney", () => {
  it("groups thousands and keeps two decimals", () => {
    expect(formatMoney("125000.00")).toBe("$125,000.00");
    expect(formatMoney("1234567.5")).toBe("$1,234,567.50");
    expect(formatMoney("0")).toBe("$0.00");
    expect(formatMoney("999.99")).toBe("$999.99");
  });

  it("puts the sign before the symbol, and a plus only when asked", () => {
    expect(formatMoney("-2500.00")).toBe("-$2,500.00");
    expect(formatMoney("2500.00", { signed: true })).toBe("+$2,500.00");
    expect(formatMoney("0.00", { signed: true })).toBe("$0.00");
    expect(formatMoney("-0.00")).toBe("$0.00");
  });

  it("does not lose cents on amounts beyond float precision", () => {
    expect(formatMoney("90071992547409.93")).toBe("$90,071,992,547,409.93");
  });

  it("shows a dash for missing amounts and leaves unknown text alone", () => {
    expect(formatMoney(null)).toBe("—");
    expect(formatMoney("n/a")).toBe("n/a");
  });
});

describe("parseMoneyInput", () => {
  it("accepts what people type and returns the wire form", () => {
    expect(parseMoneyInput("$1,250.5")).toBe("1250.50");
    expect(parseMoneyInput(" 300 ")).toBe("300.00");
    expect(parseMoneyInput(".75")).toBe("0.75");
    expect(parseMoneyInput("12.")).toBe("12.00");
  });

  it("refuses negatives unless allowed, and more than two decimals always", () => {
    expect(parseMoneyInput("-250")).toBeNull();
    expect(parseMoneyInput("-250", { allowNegative: true })).toBe("-250.00");
    expect(parseMoneyInput("1.005")).toBeNull();
    expect(parseMoneyInput("abc")).toBeNull();
    expect(parseMoneyInput("")).toBeNull();
    expect(parseMoneyInput("-")).toBeNull();
  });
});

describe("cents", () => {
  it("round-trips any amount through cents and through formatting", () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(10n ** 15n - 1n), max: 10n ** 15n - 1n }), (cents) => {
        const wire = fromCents(cents);
        expect(toCents(wire)).toBe(cents);
        expect(parseMoneyInput(formatMoney(wire), { allowNegative: true })).toBe(
          wire === "-0.00" ? "0.00" : wire,
        );
      }),
    );
  });

  it("sums exactly", () => {
    expect(sumAmounts(["0.10", "0.20", "-0.05", null, "1000000.00"])).toBe("1000000.25");
    expect(sumAmounts([])).toBe("0.00");
  });
});
