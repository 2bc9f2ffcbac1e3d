/**
 * Dates are shown in the company's time zone (the one its emails use), with the zone named, whatever the reader's
 * own clock says. The signed-in shell sets the zone of the company being viewed.
 */
let displayTimeZone: string | undefined;
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string | undefined): Intl.DateTimeFormat {
  const key = timeZone ?? "";
  let f = formatters.get(key);
  if (!f) {
    try {
      f = new Intl.DateTimeFormat("en-US", {
        dateStyle: "medium",
        timeStyle: "short",
        ...(timeZone ? { timeZone } : {}),
      });
    } catch {
      // A zone this browser does not know: the reader's own zone, still named.
      f = new Intl.DateTimeFormat("en-US", { dateStyle: "medium", timeStyle: "short" });
    }
    formatters.set(key, f);
  }
  return f;
}

function zoneName(date: Date, timeZone: string | undefined): string {
  try {
    const parts = new Intl.DateTimeFormat("en-US", {
      timeZoneName: "short",
      ...(timeZone ? { timeZone } : {}),
    }).formatToParts(date);
    return parts.find((p) => p.type === "timeZoneName")?.value ?? "";
  } catch {
    return "";
  }
}

export function setDisplayTimeZone(timeZone: string | null | undefined): void {
  displayTimeZone = timeZone || undefined;
}

export function getDisplayTimeZone(): string | undefined {
  return displayTimeZone;
}

/** "Dec 6, 2026, 2:34 PM CST": in the company's time zone, the zone named. */
export function formatDateTime(iso: string | null | undefined, timeZone = displayTimeZone): string {
  if (!iso) return "—";
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  const zone = zoneName(date, timeZone);
  // The zone stays with the time it qualifies (a no-break space).
  return zone ? `${formatter(timeZone).format(date)}\u00a0${zone}` : formatter(timeZone).format(date);
}

export function plural(count: number, one: string, many = `${one}s`): string {
  return `${count} ${count === 1 ? one : many}`;
}

/** The instant a calendar day (yyyy-mm-dd) starts in a time zone (the reader's own when none is given). */
export function dayStartIn(value: string, timeZone: string | undefined, plusDays = 0): string | undefined {
  if (!value) return undefined;
  const [y, m, d] = value.split("-").map(Number) as [number, number, number];
  if (!timeZone) return new Date(y, m - 1, d + plusDays).toISOString();
  const guess = Date.UTC(y, m - 1, d + plusDays);
  const wall = (at: number) => {
    const parts = Object.fromEntries(
      new Intl.DateTimeFormat("en-US", {
        timeZone,
        hourCycle: "h23",
        year: "numeric",
        month: "numeric",
        day: "numeric",
        hour: "numeric",
        minute: "numeric",
        second: "numeric",
      })
        .formatToParts(new Date(at))
        .map((p) => [p.type, Number(p.value)]),
    ) as Record<string, number>;
    return Date.UTC(
      parts.year ?? 0,
      (parts.month ?? 1) - 1,
      parts.day ?? 1,
      parts.hour ?? 0,
      parts.minute ?? 0,
      parts.second ?? 0,
    );
  };
  // Twice, so a day that starts right after a daylight-saving change still lands on its midnight.
  let at = guess - (wall(guess) - guess);
  at = guess - (wall(at) - at);
  return new Date(at).toISOString();
}
