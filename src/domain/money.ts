import { type DomainError, domainError } from "./errors.js";
import { err, ok, type Result } from "./result.js";

/** Money inside Costbridge: an integer count of minor units (cents). Never a JS number. */
export type Minor = bigint;

/** ±999,999,999,999.99: what the API accepts for one amount, well inside QuickBooks' and PostgreSQL's ranges. */
export const MAX_AMOUNT_MINOR: Minor = 99_999_999_999_999n;
export const MIN_AMOUNT_MINOR: Minor = -MAX_AMOUNT_MINOR;

export type AmountRejection =
  | "not_a_string"
  | "empty"
  | "whitespace"
  | "plus_sign"
  | "exponent"
  | "thousands_separator"
  | "too_many_decimals"
  | "out_of_range"
  | "malformed"
  | "negative";

const REJECTION_MESSAGES: Record<AmountRejection, string> = {
  not_a_string: 'Amounts are strings of decimal currency units, e.g. "125000.00".',
  empty: "The amount is empty.",
  whitespace: "The amount contains spaces.",
  plus_sign: 'The amount has a "+" sign; write positive amounts without a sign.',
  exponent: "The amount uses exponent notation; write it out in full.",
  thousands_separator:
    'The amount contains a comma; write it without thousands separators, e.g. "125000.00".',
  too_many_decimals: "The amount has more than 2 decimals.",
  out_of_range: "The amount is beyond ±999,999,999,999.99.",
  malformed: 'The amount is not a decimal number such as "125000.00", "-5" or "0.5".',
  negative: "The amount cannot be negative here.",
};

const MAX_INTEGER_DIGITS = 12;
// No leading zeros (other than a lone 0), at least one digit before an optional point, ASCII digits only.
const AMOUNT_PATTERN = /^(-?)(0|[1-9][0-9]*)(?:\.([0-9]+))?$/;

export type InvalidAmount = DomainError<"invalid_amount"> & { readonly details: { reason: AmountRejection } };

/** An `invalid_amount` error for a rejection found here or by a rule elsewhere (e.g. a negative original). */
export function invalidAmount(reason: AmountRejection, field?: string): InvalidAmount {
  return domainError("invalid_amount", {
    message: REJECTION_MESSAGES[reason],
    details: { reason },
    ...(field === undefined ? {} : { field }),
  }) as InvalidAmount;
}

function reject(reason: AmountRejection, field: string | undefined): { ok: false; error: InvalidAmount } {
  return err(invalidAmount(reason, field));
}

/**
 * Parses a wire amount ("125000.00", "-5", "0.5") into minor units, strictly: the API never guesses what a
 * malformed number meant, because a misread budget amount is worse than a 400.
 */
export function parseAmount(input: unknown, field?: string): Result<Minor, InvalidAmount> {
  if (typeof input !== "string") return reject("not_a_string", field);
  if (input.length === 0) return reject("empty", field);
  if (/\s/.test(input)) return reject("whitespace", field);
  if (input.includes("+")) return reject("plus_sign", field);
  if (/[eE]/.test(input)) return reject("exponent", field);
  if (input.includes(",")) return reject("thousands_separator", field);
  const match = AMOUNT_PATTERN.exec(input);
  if (!match) return reject("malformed", field);
  const [, sign, whole = "", fraction = ""] = match;
  if (fraction.length > 2) return reject("too_many_decimals", field);
  if (whole.length > MAX_INTEGER_DIGITS) return reject("out_of_range", field);
  const magnitude = BigInt(whole) * 100n + BigInt(fraction.padEnd(2, "0"));
  const value = sign === "-" ? -magnitude : magnitude;
  // "-0" and "-0.00" are zero; there is no negative zero in bigint.
  return ok(value);
}

export function isAmountInRange(value: Minor): boolean {
  return value >= MIN_AMOUNT_MINOR && value <= MAX_AMOUNT_MINOR;
}

function splitMinor(value: Minor): { negative: boolean; whole: bigint; cents: string } {
  const negative = value < 0n;
  const magnitude = negative ? -value : value;
  return { negative, whole: magnitude / 100n, cents: (magnitude % 100n).toString().padStart(2, "0") };
}

/** The wire form: always two decimals, no grouping ("125000.00", "-0.50"). Totals may exceed the input range. */
export function formatAmount(value: Minor): string {
  const { negative, whole, cents } = splitMinor(value);
  return `${negative ? "-" : ""}${whole.toString()}.${cents}`;
}

/** For people (emails, tooltips): "$125,000.00", "-$0.50"; other currencies lead with their ISO code. */
export function formatMoney(value: Minor, currency = "USD"): string {
  const { negative, whole, cents } = splitMinor(value);
  const grouped = whole.toString().replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  const symbol = currency === "USD" ? "$" : `${currency} `;
  return `${negative ? "-" : ""}${symbol}${grouped}.${cents}`;
}

export function sumAmounts(values: Iterable<Minor>): Minor {
  let total = 0n;
  for (const value of values) total += value;
  return total;
}
