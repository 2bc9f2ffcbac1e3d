import { parseCrontab } from "graphile-worker";
import { describe, expect, it } from "vitest";
import { crontab, JOB_NAMES, jobRow } from "./catalog.js";

describe("the job catalog", () => {
  it("gives each job its queue, key and attempts from the payload", () => {
    expect(jobRow("export_submission", { companyId: "co_1", submissionId: "sub_1", attempt: 2 })).toEqual({
      identifier: "export_submission",
      payload: JSON.stringify({ companyId: "co_1", submissionId: "sub_1", attempt: 2 }),
      queueName: "erp:co_1",
      jobKey: "export:sub_1",
      maxAttempts: 50,
    });
    expect(jobRow("send_email", { companyId: "co_1", emailId: "eml_1" })).toMatchObject({
      queueName: null,
      jobKey: "email:eml_1",
      maxAttempts: 12,
    });
  });

  it("refuses a payload its schema does not accept", () => {
    // @ts-expect-error: the email job needs the email's id.
    expect(() => jobRow("send_email", { companyId: "co_1" })).toThrow();
    // @ts-expect-error: an export attempt is a number from 1.
    expect(() => jobRow("export_submission", { companyId: "c", submissionId: "s", attempt: "1" })).toThrow();
    expect(() => jobRow("export_submission", { companyId: "c", submissionId: "s", attempt: 0 })).toThrow();
  });

  it("schedules the daily summary tick every five minutes, with backfill after downtime", () => {
    const ticks = parseCrontab(crontab()).filter((i) => i.task === "daily_summary_tick");
    expect(ticks).toHaveLength(1);
    const item = ticks[0];
    expect(item!.options.backfillPeriod).toBeGreaterThanOrEqual(60 * 60 * 1000);
    expect(item!.options.jobKey).toBe("daily_summary_tick");
    expect(item!.options.maxAttempts).toBe(3);
    // Fires every five minutes of every hour.
    expect(item!.match({ min: 5, hour: 7, date: 10, month: 3, dow: 2 })).toBe(true);
    expect(item!.match({ min: 3, hour: 7, date: 10, month: 3, dow: 2 })).toBe(false);
  });

  it("names its jobs as the queue accepts them", () => {
    for (const name of JOB_NAMES) expect(name).toMatch(/^[a-z][a-z0-9_]*$/);
  });
});
