/**
 * Formatting at the edge: money stays bigint minor units everywhere else, and instants are shown in the
 * company's IANA time zone, never the server's.
 */

const moneyFormats = new Map<string, Intl.NumberFormat>();
const fractionDigitsByCurrency = new Map<string, number>();

/** ISO 4217 minor-unit digits as the runtime's Intl data knows them (USD 2, JPY 0, KWD 3). */
export function currencyFractionDigits(currency: string): number {
  const code = currency.toUpperCase();
  let digits = fractionDigitsByCurrency.get(code);
  if (digits === undefined) {
    digits = new Intl.NumberFormat("en-US", { style: "currency", currency: code }).resolvedOptions()
      .maximumFractionDigits;
    fractionDigitsByCurrency.set(code, digits ?? 2);
  }
  return digits ?? 2;
}

function moneyFormat(
  currency: string,
  locale: string,
  signDisplay: "auto" | "exceptZero",
): Intl.NumberFormat {
  const code = currency.toUpperCase();
  const key = `${locale}|${code}|${signDisplay}`;
  let format = moneyFormats.get(key);
  if (!format) {
    const digits = currencyFractionDigits(code);
    format = new Intl.NumberFormat(locale, {
      style: "currency",
      currency: code,
      minimumFractionDigits: digits,
      maximumFractionDigits: digits,
      signDisplay,
    });
    moneyFormats.set(key, format);
  }
  return format;
}

/**
 * The amount as an exact decimal string ("-1234.50"). Intl formats decimal strings without passing through a
 * double, so amounts beyond 2^53 cents keep every digit.
 */
export function minorToDecimalString(minor: bigint, currency: string): string {
  const digits = currencyFractionDigits(currency);
  const isNegative = minor < 0n;
  const abs = isNegative ? -minor : minor;
  const sign = isNegative ? "-" : "";
  if (digits === 0) return `${sign}${abs}`;
  const scale = 10n ** BigInt(digits);
  const fraction = (abs % scale).toString().padStart(digits, "0");
  return `${sign}${abs / scale}.${fraction}`;
}

/** `formatMoney(123456n, "USD")` → `$1,234.56`; exact for any bigint; throws RangeError on an unknown currency. */
export function formatMoney(minor: bigint, currency: string, locale = "en-US"): string {
  return moneyFormat(currency, locale, "auto").format(
    minorToDecimalString(minor, currency) as Intl.StringNumericLiteral,
  );
}

/** A change in money, always signed unless zero: `+$1,000.00`, `-$250.00`, `$0.00`. */
export function formatMoneyChange(minor: bigint, currency: string, locale = "en-US"): string {
  return moneyFormat(currency, locale, "exceptZero").format(
    minorToDecimalString(minor, currency) as Intl.StringNumericLiteral,
  );
}

/**
 * Date formats are costly to build (a daily summary formats thousands of dates): each one is built once per
 * purpose, locale and zone and kept. An unknown zone throws RangeError, as the constructor does, and is not kept.
 */
const dateFormats = new Map<string, Intl.DateTimeFormat>();

function dateFormat(
  purpose: string,
  locale: string,
  timeZone: string,
  options: Omit<Intl.DateTimeFormatOptions, "timeZone">,
): Intl.DateTimeFormat {
  const key = `${purpose}\u0000${locale}\u0000${timeZone}`;
  let format = dateFormats.get(key);
  if (!format) {
    format = new Intl.DateTimeFormat(locale, { ...options, timeZone });
    dateFormats.set(key, format);
  }
  return format;
}

/** `Mar 5, 2026, 2:30 PM EST` in the given IANA time zone; throws RangeError on an unknown zone. */
export function formatDateTime(at: Date, timeZone: string, locale = "en-US"): string {
  return dateFormat("date-time", locale, timeZone, {
    year: "numeric",
    month: "short",
    day: "numeric",
    hour: "numeric",
    minute: "2-digit",
    timeZoneName: "short",
  }).format(at);
}

/** The calendar date (`YYYY-MM-DD`) an instant falls on in the given IANA time zone. */
export function formatLocalDate(at: Date, timeZone: string): string {
  const parts = dateFormat("local-date", "en-US", timeZone, {
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    calendar: "gregory",
    numberingSystem: "latn",
  }).formatToParts(at);
  const part = (type: Intl.DateTimeFormatPartTypes) => parts.find((p) => p.type === type)?.value ?? "";
  return `${part("year").padStart(4, "0")}-${part("month")}-${part("day")}`;
}

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** `2026-03-05` → `Thursday, March 5, 2026`; a calendar date has no zone, so none is applied. */
export function formatCalendarDate(isoDate: string, locale = "en-US"): string {
  const match = ISO_DATE.exec(isoDate);
  if (!match) throw new RangeError(`not a YYYY-MM-DD date: ${isoDate}`);
  const [, y, m, d] = match;
  const at = new Date(Date.UTC(Number(y), Number(m) - 1, Number(d)));
  if (formatLocalDate(at, "UTC") !== isoDate) throw new RangeError(`not a calendar date: ${isoDate}`);
  return dateFormat("calendar-date", locale, "UTC", {
    weekday: "long",
    year: "numeric",
    month: "long",
    day: "numeric",
  }).format(at);
}
