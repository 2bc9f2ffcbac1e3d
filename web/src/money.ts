/**
 * Amounts travel as decimal strings ("125000.00"). Inside the UI they are handled as bigint cents so that sums and
 * comparisons are exact; formatting is plain string work, never a float.
 */

const WIRE_AMOUNT = /^(-)?(\d+)(?:\.(\d{1,2}))?$/;

export function isAmount(value: unknown): value is string {
  return typeof value === "string" && WIRE_AMOUNT.test(value.trim());
}

export function toCents(amount: string): bigint {
  const match = WIRE_AMOUNT.exec(amount.trim());
  if (!match) throw new Error(`Not an amount: ${JSON.stringify(amount)}`);
  const units = BigInt(match[2] ?? "0");
  const fraction = BigInt((match[3] ?? "").padEnd(2, "0"));
  const cents = units * 100n + fraction;
  return match[1] ? -cents : cents;
}

export function fromCents(cents: bigint): string {
  const negative = cents < 0n;
  const abs = negative ? -cents : cents;
  const fraction = (abs % 100n).toString().padStart(2, "0");
  return `${negative ? "-" : ""}${abs / 100n}.${fraction}`;
}

export function sumAmounts(amounts: Iterable<string | null | undefined>): string {
  let total = 0n;
  for (const amount of amounts) {
    if (amount != null && isAmount(amount)) total += toCents(amount);
  }
  return fromCents(total);
}

export function groupThousands(digits: string): string {
  return digits.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
}

const symbolCache = new Map<string, string>();

function currencySymbol(currency: string): string {
  const cached = symbolCache.get(currency);
  if (cached !== undefined) return cached;
  let symbol = `${currency} `;
  try {
    // Only the symbol is taken from Intl; the number itself never goes through it.
    const part = new Intl.NumberFormat("en-US", { style: "currency", currency })
      .formatToParts(0)
      .find((p) => p.type === "currency");
    if (part) symbol = part.value.length > 1 && /^[A-Z]+$/.test(part.value) ? `${part.value} ` : part.value;
  } catch {
    // An unknown currency code keeps the code as its prefix.
  }
  symbolCache.set(currency, symbol);
  return symbol;
}

export interface FormatMoneyOptions {
  currency?: string;
  /** Show a leading "+" on positive amounts (used for changes). */
  signed?: boolean;
}

/** "1234567.5" → "$1,234,567.50"; "-20.00" → "-$20.00". Unparseable input is returned unchanged. */
export function formatMoney(amount: string | null | undefined, options: FormatMoneyOptions = {}): string {
  if (amount == null || amount === "") return "—";
  if (!isAmount(amount)) return amount;
  const cents = toCents(amount);
  const normalized = fromCents(cents < 0n ? -cents : cents);
  const [units = "0", fraction = "00"] = normalized.split(".");
  const sign = cents < 0n ? "-" : options.signed && cents > 0n ? "+" : "";
  return `${sign}${currencySymbol(options.currency ?? "USD")}${groupThousands(units)}.${fraction}`;
}

const MAX_DIGITS = 13;

/**
 * What a person types ("$1,250.5", "-300") → the wire form ("1250.50", "-300.00"), or null when it is not an
 * amount. Negative values only when allowed (budget change adjustments may be negative; originals may not).
 */
export function parseMoneyInput(text: string, options: { allowNegative?: boolean } = {}): string | null {
  const cleaned = text.trim().replace(/[\s,$]/g, "");
  const match = /^(-)?(\d*)(?:\.(\d{0,2}))?$/.exec(cleaned);
  if (!match) return null;
  const [, minus, units = "", fraction = ""] = match;
  if (units === "" && fraction === "") return null;
  if (units.length > MAX_DIGITS) return null;
  if (minus && !options.allowNegative) return null;
  const cents = BigInt(units || "0") * 100n + BigInt(fraction.padEnd(2, "0"));
  return fromCents(minus ? -cents : cents);
}

export function isZeroAmount(amount: string | null | undefined): boolean {
  return amount == null || !isAmount(amount) || toCents(amount) === 0n;
}

export function amountSign(amount: string | null | undefined): -1 | 0 | 1 {
  if (amount == null || !isAmount(amount)) return 0;
  const cents = toCents(amount);
  return cents < 0n ? -1 : cents > 0n ? 1 : 0;
}
