// QuickBooks Online reports timestamps in the company's time zone with an explicit offset; sandbox companies
// default to US Pacific, so the emulator does the same.
const pacific = new Intl.DateTimeFormat("en-US", {
  timeZone: "America/Los_Angeles",
  hourCycle: "h23",
  year: "numeric",
  month: "2-digit",
  day: "2-digit",
  hour: "2-digit",
  minute: "2-digit",
  second: "2-digit",
});

interface LocalParts {
  year: string;
  month: string;
  day: string;
  hour: string;
  minute: string;
  second: string;
  offsetMinutes: number;
}

function toLocalParts(ms: number): LocalParts {
  const wholeSecondMs = Math.floor(ms / 1000) * 1000;
  const parts: Record<string, string> = {};
  for (const part of pacific.formatToParts(new Date(wholeSecondMs))) parts[part.type] = part.value;
  const year = parts.year ?? "1970";
  const month = parts.month ?? "01";
  const day = parts.day ?? "01";
  const hour = parts.hour ?? "00";
  const minute = parts.minute ?? "00";
  const second = parts.second ?? "00";
  const asUtc = Date.UTC(
    Number(year),
    Number(month) - 1,
    Number(day),
    Number(hour),
    Number(minute),
    Number(second),
  );
  return {
    year,
    month,
    day,
    hour,
    minute,
    second,
    offsetMinutes: Math.round((asUtc - wholeSecondMs) / 60_000),
  };
}

function formatOffset(minutes: number): string {
  const sign = minutes < 0 ? "-" : "+";
  const abs = Math.abs(minutes);
  return `${sign}${String(Math.floor(abs / 60)).padStart(2, "0")}:${String(abs % 60).padStart(2, "0")}`;
}

/** `2026-03-02T10:14:05-08:00`, or with milliseconds as in the envelope `time` field. */
export function formatTimestamp(ms: number, withMillis = false): string {
  const p = toLocalParts(ms);
  const millis = withMillis ? `.${String(Math.floor(ms) % 1000).padStart(3, "0")}` : "";
  return `${p.year}-${p.month}-${p.day}T${p.hour}:${p.minute}:${p.second}${millis}${formatOffset(p.offsetMinutes)}`;
}

/** The company-local calendar date, used as the default TxnDate. */
export function formatDate(ms: number): string {
  const p = toLocalParts(ms);
  return `${p.year}-${p.month}-${p.day}`;
}
