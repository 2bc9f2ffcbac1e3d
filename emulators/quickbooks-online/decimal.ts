// Amounts arrive as JSON numbers (or numeric strings). They are converted to exact decimals here so that totals
// and the Qty x UnitPrice check never go through floating-point arithmetic.

export interface Decimal {
  coef: bigint;
  scale: number;
}

const DECIMAL_RE = /^([+-])?(\d+)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;

export function parseDecimal(value: unknown): Decimal | null {
  let text: string;
  if (typeof value === "number") {
    if (!Number.isFinite(value)) return null;
    text = String(value);
  } else if (typeof value === "string" && value.trim() !== "") {
    text = value.trim();
  } else {
    return null;
  }
  const match = DECIMAL_RE.exec(text);
  if (!match) return null;
  const [, sign, whole = "0", frac = "", exp] = match;
  let digits = whole + frac;
  let scale = frac.length - (exp ? Number(exp) : 0);
  if (scale < 0) {
    digits += "0".repeat(-scale);
    scale = 0;
  }
  const coef = BigInt(digits) * (sign === "-" ? -1n : 1n);
  return { coef, scale };
}

export function multiply(a: Decimal, b: Decimal): Decimal {
  return { coef: a.coef * b.coef, scale: a.scale + b.scale };
}

/** Rounds half away from zero to two decimals, as QuickBooks does for line amounts. */
export function toCents(d: Decimal): bigint {
  if (d.scale <= 2) return d.coef * 10n ** BigInt(2 - d.scale);
  const divisor = 10n ** BigInt(d.scale - 2);
  const negative = d.coef < 0n;
  const abs = negative ? -d.coef : d.coef;
  let cents = abs / divisor;
  if ((abs % divisor) * 2n >= divisor) cents += 1n;
  return negative ? -cents : cents;
}

export function centsToNumber(cents: bigint): number {
  const negative = cents < 0n;
  const abs = negative ? -cents : cents;
  const text = `${negative ? "-" : ""}${abs / 100n}.${String(abs % 100n).padStart(2, "0")}`;
  return Number(text);
}

export function compareDecimals(a: Decimal, b: Decimal): number {
  const scale = Math.max(a.scale, b.scale);
  const left = a.coef * 10n ** BigInt(scale - a.scale);
  const right = b.coef * 10n ** BigInt(scale - b.scale);
  return left < right ? -1 : left > right ? 1 : 0;
}

/** Normalises a decimal for output as a JSON number without float arithmetic. */
export function decimalToNumber(d: Decimal): number {
  const negative = d.coef < 0n;
  const digits = (negative ? -d.coef : d.coef).toString().padStart(d.scale + 1, "0");
  const whole = digits.slice(0, digits.length - d.scale);
  const frac = digits.slice(digits.length - d.scale);
  return Number(`${negative ? "-" : ""}${whole}${frac ? `.${frac}` : ""}`);
}
