import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  decideDailySummary,
  isValidSummaryHour,
  isValidTimeZone,
  localDateAt,
  parseLocalDate,
} from "./daily-summary.js";

function decide(iso: string, timeZone: string, hour: number) {
  const result = decideDailySummary(new Date(iso), timeZone, hour);
  if (!result.ok) throw new Error(result.error.message);
  return result.value;
}

describe("daily summary timing (docs/product.md §daily-summary: once per local day, at the company's hour)", () => {
  it("is due from the summary hour, local time, and names the local date", () => {
    // New York in winter is UTC−5.
    expect(decide("2024-01-15T11:59:59Z", "America/New_York", 7)).toEqual({
      due: false,
      localDate: "2024-01-15",
      localHour: 6,
    });
    expect(decide("2024-01-15T12:00:00Z", "America/New_York", 7)).toEqual({
      due: true,
      localDate: "2024-01-15",
      localHour: 7,
    });
    expect(decide("2024-01-16T04:59:00Z", "America/New_York", 7)).toMatchObject({
      due: true,
      localDate: "2024-01-15",
    });
    expect(decide("2024-01-16T05:00:00Z", "America/New_York", 7)).toMatchObject({
      due: false,
      localDate: "2024-01-16",
    });
  });

  it("follows daylight saving time: 07:00 is 11:00 UTC in summer", () => {
    expect(decide("2024-07-01T10:59:00Z", "America/New_York", 7).due).toBe(false);
    expect(decide("2024-07-01T11:00:00Z", "America/New_York", 7).due).toBe(true);
  });

  it("a summary hour skipped by spring-forward still fires that day, at the next existing hour", () => {
    // 2024-03-10 02:00 does not exist in New York: 01:59 EST is followed by 03:00 EDT.
    expect(decide("2024-03-10T06:59:00Z", "America/New_York", 2)).toMatchObject({ due: false, localHour: 1 });
    expect(decide("2024-03-10T07:00:00Z", "America/New_York", 2)).toMatchObject({
      due: true,
      localHour: 3,
      localDate: "2024-03-10",
    });
  });

  it("a summary hour repeated by fall-back keeps one local date, so the per-date key sends once", () => {
    // 2024-11-03 01:00 happens twice in New York (EDT, then EST).
    const first = decide("2024-11-03T05:30:00Z", "America/New_York", 1);
    const second = decide("2024-11-03T06:30:00Z", "America/New_York", 1);
    expect(first).toEqual({ due: true, localDate: "2024-11-03", localHour: 1 });
    expect(second).toEqual({ due: true, localDate: "2024-11-03", localHour: 1 });
  });

  it("works east of UTC and with half-hour offsets", () => {
    expect(decide("2024-01-15T18:00:00Z", "Pacific/Auckland", 7)).toMatchObject({
      due: true,
      localDate: "2024-01-16",
    });
    expect(decide("2024-06-01T01:29:00Z", "Asia/Kolkata", 7).due).toBe(false);
    expect(decide("2024-06-01T01:30:00Z", "Asia/Kolkata", 7).due).toBe(true);
  });

  it("midnight is hour 0 (never 24), so a summary hour of 0 is due all day", () => {
    expect(decide("2024-05-05T00:30:00Z", "UTC", 0)).toEqual({
      due: true,
      localDate: "2024-05-05",
      localHour: 0,
    });
    expect(decide("2024-05-05T23:59:59Z", "UTC", 23)).toEqual({
      due: true,
      localDate: "2024-05-05",
      localHour: 23,
    });
  });

  it("refuses an unknown time zone or an impossible hour", () => {
    expect(decideDailySummary(new Date(), "Mars/Olympus_Mons", 7)).toMatchObject({
      ok: false,
      error: { code: "invalid_time_zone", field: "timeZone" },
    });
    for (const hour of [24, -1, 7.5, Number.NaN]) {
      expect(decideDailySummary(new Date(), "UTC", hour)).toMatchObject({
        ok: false,
        error: { code: "invalid_summary_hour", field: "dailySummaryHour" },
      });
    }
    expect(isValidTimeZone("Europe/Paris")).toBe(true);
    expect(isValidTimeZone("")).toBe(false);
    expect(isValidTimeZone(42)).toBe(false);
    expect(isValidSummaryHour(7)).toBe(true);
  });

  const zones = [
    "UTC",
    "America/New_York",
    "Europe/London",
    "Australia/Lord_Howe",
    "Asia/Kolkata",
    "Pacific/Chatham",
  ];

  it("property: every local day gets due at some point, and once due it stays due until the date changes", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...zones),
        fc.integer({ min: 0, max: 23 }),
        fc.date({
          min: new Date("2020-01-01T00:00:00Z"),
          max: new Date("2030-12-31T00:00:00Z"),
          noInvalidDate: true,
        }),
        (zone, hour, start) => {
          const byDate = new Map<string, boolean[]>();
          for (let step = 0; step < 72 * 4; step++) {
            const instant = new Date(start.getTime() + step * 15 * 60_000);
            const decision = decide(instant.toISOString(), zone, hour);
            const local = localDateAt(instant, zone);
            expect(local).toEqual({ ok: true, value: decision.localDate });
            byDate.set(decision.localDate, [...(byDate.get(decision.localDate) ?? []), decision.due]);
          }
          const dates = [...byDate.keys()];
          for (const [index, date] of dates.entries()) {
            const dues = byDate.get(date) ?? [];
            const firstDue = dues.indexOf(true);
            if (firstDue >= 0) expect(dues.slice(firstDue).every(Boolean)).toBe(true);
            // Whole days (not the partial first and last) always reach the summary hour.
            if (index > 0 && index < dates.length - 1) expect(firstDue).toBeGreaterThanOrEqual(0);
          }
        },
      ),
      { numRuns: 40 },
    );
  });
});

describe("local dates", () => {
  it("localDateAt gives the company's calendar date", () => {
    expect(localDateAt(new Date("2024-12-31T23:30:00Z"), "Europe/Berlin")).toEqual({
      ok: true,
      value: "2025-01-01",
    });
    expect(localDateAt(new Date("2024-01-01T03:00:00Z"), "America/Los_Angeles")).toEqual({
      ok: true,
      value: "2023-12-31",
    });
    expect(localDateAt(new Date(), "Nowhere/Special")).toMatchObject({
      ok: false,
      error: { code: "invalid_time_zone" },
    });
  });

  it.each(["2024-02-29", "2023-12-31", "2000-02-29", "2024-04-30"])("parseLocalDate accepts %s", (text) => {
    expect(parseLocalDate(text)).toEqual({ ok: true, value: text });
  });

  it.each([
    "2023-02-29",
    "1900-02-29",
    "2024-04-31",
    "2024-13-01",
    "2024-00-10",
    "2024-01-00",
    "2024-1-01",
    "24-01-01",
    " 2024-01-01",
    "2024-01-01T00:00:00Z",
    20240101,
    null,
  ])("parseLocalDate refuses %s", (text) => {
    expect(parseLocalDate(text)).toMatchObject({ ok: false, error: { code: "invalid_date", field: "date" } });
  });
});
