import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  currencyFractionDigits,
  formatCalendarDate,
  formatDateTime,
  formatLocalDate,
  formatMoney,
  formatMoneyChange,
  minorToDecimalString,
} from "./format.js";

describe("formatMoney", () => {
  it("formats cents as dollars with grouping", () => {
    expect(formatMoney(123456n, "USD")).toBe("$1,234.56");
    expect(formatMoney(5n, "USD")).toBe("$0.05");
    expect(formatMoney(0n, "USD")).toBe("$0.00");
  });

  it("keeps every digit of amounts far beyond what a double holds", () => {
    // 2^53 + 1 cents cannot be represented as a double; a float detour would print ...992 instead of ...993.
    expect(formatMoney(9_007_199_254_740_993n, "USD")).toBe("$90,071,992,547,409.93");
    expect(formatMoney(123_456_789_012_345_678_901_234_567n, "USD")).toBe(
      "$1,234,567,890,123,456,789,012,345.67",
    );
  });

  it("shows negatives with a minus sign", () => {
    expect(formatMoney(-250_00n, "USD")).toBe("-$250.00");
    expect(formatMoney(-1n, "USD")).toBe("-$0.01");
    expect(formatMoney(-9_007_199_254_740_993n, "USD")).toBe("-$90,071,992,547,409.93");
  });

  it("formats euros in the locale's own way", () => {
    expect(formatMoney(123456789n, "EUR", "de-DE")).toBe("1.234.567,89\u00a0€");
    expect(formatMoney(-123456789n, "EUR", "de-DE")).toBe("-1.234.567,89\u00a0€");
    expect(formatMoney(123456789n, "EUR", "en-US")).toBe("€1,234,567.89");
    expect(formatMoney(5n, "eur", "fr-FR")).toBe("0,05\u00a0€");
  });

  it("uses each currency's own minor unit", () => {
    expect(currencyFractionDigits("JPY")).toBe(0);
    expect(formatMoney(1500n, "JPY")).toBe("¥1,500");
    expect(currencyFractionDigits("KWD")).toBe(3);
    expect(minorToDecimalString(-1234n, "KWD")).toBe("-1.234");
  });

  it("rejects an unknown currency instead of guessing", () => {
    expect(() => formatMoney(1n, "NOPE")).toThrow(RangeError);
  });

  it("round-trips the digits of any amount exactly", () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(10n ** 40n), max: 10n ** 40n }), (minor) => {
        const shown = formatMoney(minor, "USD");
        const digits = shown.replace(/[^0-9]/g, "");
        const abs = minor < 0n ? -minor : minor;
        expect(BigInt(digits)).toBe(abs);
        expect(shown.startsWith("-")).toBe(minor < 0n);
      }),
    );
  });
});

describe("formatMoneyChange", () => {
  it("always shows the direction of a change", () => {
    expect(formatMoneyChange(35_000_00n, "USD")).toBe("+$35,000.00");
    expect(formatMoneyChange(-12_000_00n, "USD")).toBe("-$12,000.00");
    expect(formatMoneyChange(0n, "USD")).toBe("$0.00");
  });
});

describe("dates in the company's time zone", () => {
  const instant = new Date("2026-03-06T03:30:00Z");

  it("shows the local wall-clock time and zone", () => {
    expect(formatDateTime(instant, "America/Chicago")).toBe("Mar 5, 2026, 9:30 PM CST");
    expect(formatDateTime(instant, "Asia/Tokyo")).toBe("Mar 6, 2026, 12:30 PM GMT+9");
  });

  it("follows daylight saving time", () => {
    expect(formatDateTime(new Date("2026-07-06T03:30:00Z"), "America/Chicago")).toBe(
      "Jul 5, 2026, 10:30 PM CDT",
    );
  });

  it("gives the local calendar date, which can differ from the UTC one", () => {
    expect(formatLocalDate(instant, "America/Chicago")).toBe("2026-03-05");
    expect(formatLocalDate(instant, "UTC")).toBe("2026-03-06");
    expect(formatLocalDate(instant, "Pacific/Kiritimati")).toBe("2026-03-06");
  });

  it("spells out a calendar date without shifting it", () => {
    expect(formatCalendarDate("2026-03-06")).toBe("Friday, March 6, 2026");
    expect(() => formatCalendarDate("2026-02-30")).toThrow(RangeError);
    expect(() => formatCalendarDate("03/06/2026")).toThrow(RangeError);
  });

  it("rejects an unknown time zone", () => {
    expect(() => formatDateTime(instant, "Mars/Olympus_Mons")).toThrow(RangeError);
  });
});
