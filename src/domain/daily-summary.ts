import { type DomainError, domainError } from "./errors.js";
import { err, ok, type Result } from "./result.js";

export const DEFAULT_SUMMARY_HOUR = 7;

const formatters = new Map<string, Intl.DateTimeFormat>();

// Intl throws RangeError for an unknown zone; a cached formatter per zone keeps the hourly check cheap.
function formatterFor(timeZone: string): Intl.DateTimeFormat | null {
  const cached = formatters.get(timeZone);
  if (cached) return cached;
  try {
    const formatter = new Intl.DateTimeFormat("en-US-u-ca-gregory-nu-latn", {
      timeZone,
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      hourCycle: "h23",
    });
    formatters.set(timeZone, formatter);
    return formatter;
  } catch {
    return null;
  }
}

export function isValidTimeZone(timeZone: unknown): timeZone is string {
  return typeof timeZone === "string" && timeZone.length > 0 && formatterFor(timeZone) !== null;
}

export function isValidSummaryHour(hour: unknown): hour is number {
  return typeof hour === "number" && Number.isInteger(hour) && hour >= 0 && hour <= 23;
}

interface LocalTime {
  readonly localDate: string;
  readonly localHour: number;
}

function localTime(instant: Date, formatter: Intl.DateTimeFormat): LocalTime {
  if (Number.isNaN(instant.getTime())) throw new Error("invalid instant");
  const parts = Object.fromEntries(formatter.formatToParts(instant).map((p) => [p.type, p.value]));
  const year = (parts.year ?? "").padStart(4, "0");
  return { localDate: `${year}-${parts.month}-${parts.day}`, localHour: Number(parts.hour) };
}

/** The company's calendar date (`YYYY-MM-DD`) at a UTC instant. */
export function localDateAt(
  instant: Date,
  timeZone: string,
): Result<string, DomainError<"invalid_time_zone">> {
  const formatter = formatterFor(timeZone);
  if (!formatter) return err(domainError("invalid_time_zone", { field: "timeZone", details: { timeZone } }));
  return ok(localTime(instant, formatter).localDate);
}

export interface SummaryDecision {
  /** True from the summary hour to the end of the local day; the send is deduplicated per local date. */
  readonly due: boolean;
  /** The local date the summary covers. */
  readonly localDate: string;
  readonly localHour: number;
}

/**
 * Whether the daily summary is due at `instant`. "At or after the hour" rather than "during the hour" means a
 * skipped DST hour, a late or missed cron tick or a restart still sends that day's summary, and a repeated
 * hour (clocks going back) cannot send it twice because the caller keys the send on `localDate`.
 */
export function decideDailySummary(
  instant: Date,
  timeZone: string,
  summaryHour: number,
): Result<SummaryDecision, DomainError<"invalid_time_zone" | "invalid_summary_hour">> {
  if (!isValidSummaryHour(summaryHour)) {
    return err(domainError("invalid_summary_hour", { field: "dailySummaryHour", details: { summaryHour } }));
  }
  const formatter = formatterFor(timeZone);
  if (!formatter) return err(domainError("invalid_time_zone", { field: "timeZone", details: { timeZone } }));
  const { localDate, localHour } = localTime(instant, formatter);
  return ok({ due: localHour >= summaryHour, localDate, localHour });
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/** Validates a `YYYY-MM-DD` calendar date (e.g. the operator's `date`), rejecting impossible days. */
export function parseLocalDate(input: unknown, field = "date"): Result<string, DomainError<"invalid_date">> {
  const invalid = err(domainError("invalid_date", { field }));
  if (typeof input !== "string") return invalid;
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(input);
  if (!match) return invalid;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  if (month < 1 || month > 12 || day < 1) return invalid;
  if (day > daysInMonth(year, month)) return invalid;
  return ok(input);
}
