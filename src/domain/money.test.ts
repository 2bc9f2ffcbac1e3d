import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  formatAmount,
  formatMoney,
  isAmountInRange,
  MAX_AMOUNT_MINOR,
  MIN_AMOUNT_MINOR,
  parseAmount,
  sumAmounts,
} from "./money.js";

function parsed(input: unknown): bigint {
  const result = parseAmount(input);
  if (!result.ok) throw new Error(`expected ${String(input)} to parse: ${result.error.message}`);
  return result.value;
}

function rejection(input: unknown): string {
  const result = parseAmount(input);
  if (result.ok) throw new Error(`expected ${String(input)} to be rejected, got ${result.value}`);
  expect(result.error.code).toBe("invalid_amount");
  return result.error.details.reason;
}

const inRange = fc.bigInt({ min: MIN_AMOUNT_MINOR, max: MAX_AMOUNT_MINOR });

describe("parseAmount (API amounts are strings of decimal currency units, at most 2 decimals)", () => {
  it.each([
    ["125000.00", 12_500_000n],
    ["125000", 12_500_000n],
    ["-5", -500n],
    ["0.5", 50n],
    ["0.05", 5n],
    ["0", 0n],
    ["-0", 0n],
    ["-0.00", 0n],
    ["10.1", 1010n],
    ["999999999999.99", MAX_AMOUNT_MINOR],
    ["-999999999999.99", MIN_AMOUNT_MINOR],
  ])("accepts %s as %s minor units", (input, expected) => {
    expect(parsed(input)).toBe(expected);
  });

  it.each([
    ["1.234", "too_many_decimals"],
    ["0.001", "too_many_decimals"],
    ["1000000000000", "out_of_range"],
    ["-1000000000000.00", "out_of_range"],
    ["1e5", "exponent"],
    ["1E5", "exponent"],
    ["1,000.00", "thousands_separator"],
    ["1000,50", "thousands_separator"],
    [" 5", "whitespace"],
    ["5 ", "whitespace"],
    ["1 000", "whitespace"],
    ["+5", "plus_sign"],
    ["", "empty"],
    ["abc", "malformed"],
    [".", "malformed"],
    [".5", "malformed"],
    ["5.", "malformed"],
    ["--5", "malformed"],
    ["-", "malformed"],
    ["007", "malformed"],
    ["0x10", "malformed"],
    ["Infinity", "malformed"],
    ["NaN", "malformed"],
    ["$5", "malformed"],
    ["١٢٣", "malformed"],
    ["5.5.5", "malformed"],
  ])("rejects %j (%s)", (input, reason) => {
    expect(rejection(input)).toBe(reason);
  });

  it.each([[5], [5.5], [null], [undefined], [5n], [{}], [["5"]]])("rejects non-string %s", (input) => {
    expect(rejection(input)).toBe("not_a_string");
  });

  it("names the field and says why in a human sentence", () => {
    const result = parseAmount("1.234", "originalBudget");
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error.field).toBe("originalBudget");
    expect(result.error.message).toMatch(/more than 2 decimals/);
  });

  it("property: every in-range amount survives format → parse unchanged", () => {
    fc.assert(
      fc.property(inRange, (minor) => {
        expect(parsed(formatAmount(minor))).toBe(minor);
      }),
    );
  });

  it("property: a well-formed decimal string parses to exactly its value and formats back canonically", () => {
    const wellFormed = fc
      .tuple(
        fc.boolean(),
        fc.bigInt({ min: 0n, max: 999_999_999_999n }),
        fc.option(fc.stringMatching(/^[0-9]{1,2}$/), { nil: undefined }),
      )
      .map(([negative, whole, fraction]) => ({
        text: `${negative ? "-" : ""}${whole}${fraction === undefined ? "" : `.${fraction}`}`,
        expected: (negative ? -1n : 1n) * (whole * 100n + BigInt((fraction ?? "").padEnd(2, "0"))),
      }));
    fc.assert(
      fc.property(wellFormed, ({ text, expected }) => {
        const value = parsed(text);
        expect(typeof value).toBe("bigint");
        expect(value).toBe(expected);
        expect(formatAmount(value)).toMatch(/^-?(0|[1-9][0-9]*)\.[0-9]{2}$/);
      }),
    );
  });

  it("property: any input either parses to an in-range bigint or is rejected as invalid_amount, never throws", () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.string(), fc.stringMatching(/^[-+0-9.,eE ]{0,20}$/), fc.anything()),
        (input) => {
          const result = parseAmount(input);
          if (result.ok) {
            expect(typeof result.value).toBe("bigint");
            expect(isAmountInRange(result.value)).toBe(true);
            expect(parsed(formatAmount(result.value))).toBe(result.value);
          } else {
            expect(result.error.code).toBe("invalid_amount");
          }
        },
      ),
    );
  });

  it("property: anything beyond ±999,999,999,999.99 is out of range", () => {
    const beyond = fc.oneof(
      fc.bigInt({ min: MAX_AMOUNT_MINOR + 1n, max: MAX_AMOUNT_MINOR * 1000n }),
      fc.bigInt({ min: MIN_AMOUNT_MINOR * 1000n, max: MIN_AMOUNT_MINOR - 1n }),
    );
    fc.assert(
      fc.property(beyond, (minor) => {
        expect(rejection(formatAmount(minor))).toBe("out_of_range");
      }),
    );
  });
});

describe("formatAmount (wire form)", () => {
  it.each([
    [12_500_000n, "125000.00"],
    [-50n, "-0.50"],
    [-1n, "-0.01"],
    [5n, "0.05"],
    [0n, "0.00"],
    [100n, "1.00"],
    // Totals may exceed the input range and still format exactly.
    [MAX_AMOUNT_MINOR * 3n, "2999999999999.97"],
  ])("formats %s as %s", (minor, text) => {
    expect(formatAmount(minor)).toBe(text);
  });
});

describe("formatMoney (for people)", () => {
  it.each([
    [12_500_000n, "USD", "$125,000.00"],
    [-50n, "USD", "-$0.50"],
    [0n, "USD", "$0.00"],
    [100_000_000n, "USD", "$1,000,000.00"],
    [99_999n, "USD", "$999.99"],
    [123_456n, "CAD", "CAD 1,234.56"],
  ])("formats %s %s as %s", (minor, currency, text) => {
    expect(formatMoney(minor, currency)).toBe(text);
  });
});

describe("sumAmounts", () => {
  it("sums exactly where floats would not (0.10 + 0.20 = 0.30)", () => {
    expect(sumAmounts([parsed("0.10"), parsed("0.20")])).toBe(parsed("0.30"));
    expect(sumAmounts([])).toBe(0n);
  });

  it("stays exact far beyond Number.MAX_SAFE_INTEGER", () => {
    const many = Array.from({ length: 1000 }, () => MAX_AMOUNT_MINOR);
    expect(sumAmounts(many)).toBe(MAX_AMOUNT_MINOR * 1000n);
    expect(formatAmount(sumAmounts(many))).toBe("999999999999990.00");
  });

  it("property: splitting a list anywhere gives the same total (associativity)", () => {
    fc.assert(
      fc.property(fc.array(inRange), fc.nat(), (values, cut) => {
        const at = values.length === 0 ? 0 : cut % (values.length + 1);
        const left = values.slice(0, at);
        const right = values.slice(at);
        expect(sumAmounts(values)).toBe(sumAmounts([sumAmounts(left), sumAmounts(right)]));
      }),
    );
  });

  it("property: (a + b) + c = a + (b + c) and order does not matter", () => {
    fc.assert(
      fc.property(inRange, inRange, inRange, (a, b, c) => {
        expect(sumAmounts([sumAmounts([a, b]), c])).toBe(sumAmounts([a, sumAmounts([b, c])]));
        expect(sumAmounts([a, b, c])).toBe(sumAmounts([c, a, b]));
      }),
    );
  });

  it("property: the sum of parsed strings equals the parse of the formatted sum", () => {
    fc.assert(
      fc.property(fc.array(inRange, { maxLength: 20 }), (values) => {
        const texts = values.map(formatAmount);
        const total = sumAmounts(texts.map(parsed));
        expect(total).toBe(values.reduce((acc, v) => acc + v, 0n));
        expect(typeof total).toBe("bigint");
      }),
    );
  });
});
