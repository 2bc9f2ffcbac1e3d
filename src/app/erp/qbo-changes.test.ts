import { createHmac } from "node:crypto";
import { parseCrontab } from "graphile-worker";
import { describe, expect, it } from "vitest";
import { crontab } from "../../jobs/catalog.js";
import { parseNotification, parseQboTime, verifyIntuitSignature } from "./qbo-changes.js";

const TOKEN = "verifier-token-0123456789";
const sign = (body: string, token = TOKEN) => createHmac("sha256", token).update(body).digest("base64");

describe("intuit-signature", () => {
  const body = '{"eventNotifications":[]}';

  it("accepts the HMAC-SHA256 of exactly the body under the verifier token", () => {
    expect(verifyIntuitSignature(body, sign(body), TOKEN)).toBe(true);
    expect(verifyIntuitSignature(Buffer.from(body), sign(body), TOKEN)).toBe(true);
  });

  it("refuses a missing, empty, foreign, truncated or garbage signature, and any change to the body", () => {
    expect(verifyIntuitSignature(body, undefined, TOKEN)).toBe(false);
    expect(verifyIntuitSignature(body, "", TOKEN)).toBe(false);
    expect(verifyIntuitSignature(body, sign(body, "another-token-entirely"), TOKEN)).toBe(false);
    expect(verifyIntuitSignature(body, sign(body).slice(0, 20), TOKEN)).toBe(false);
    expect(verifyIntuitSignature(body, "!!!not base64!!!", TOKEN)).toBe(false);
    expect(verifyIntuitSignature(`${body}\n`, sign(body), TOKEN)).toBe(false);
    expect(verifyIntuitSignature(body, "A".repeat(500), TOKEN)).toBe(false);
  });
});

describe("reading what Intuit sends", () => {
  it("reads QuickBooks timestamps with or without the colon in the offset", () => {
    expect(parseQboTime("2015-10-05T14:42:19-0700")?.toISOString()).toBe("2015-10-05T21:42:19.000Z");
    expect(parseQboTime("2026-12-06T12:00:05-08:00")?.toISOString()).toBe("2026-12-06T20:00:05.000Z");
    expect(parseQboTime("2026-12-06T20:00:05.000Z")?.toISOString()).toBe("2026-12-06T20:00:05.000Z");
    expect(parseQboTime("soon")).toBeNull();
    expect(parseQboTime(undefined)).toBeNull();
  });

  it("takes a notification in Intuit's shape and nothing else", () => {
    const good = {
      eventNotifications: [
        {
          realmId: "9341",
          dataChangeEvent: {
            entities: [
              { name: "Estimate", id: "101", operation: "Update", lastUpdated: "2015-10-05T14:42:19-0700" },
            ],
          },
        },
      ],
    };
    expect(parseNotification(JSON.stringify(good))?.eventNotifications[0]?.realmId).toBe("9341");
    expect(parseNotification("{")).toBeNull();
    expect(parseNotification(JSON.stringify({ eventNotifications: [{ dataChangeEvent: {} }] }))).toBeNull();
    expect(parseNotification("[]")).toBeNull();
  });
});

describe("the change data capture schedule", () => {
  it("ticks every minute, one job at a time, and is in the worker's crontab", () => {
    const items = parseCrontab(crontab()).filter((i) => i.task === "qbo_change_capture");
    expect(items).toHaveLength(1);
    const item = items[0]!;
    expect(item.options.jobKey).toBe("qbo_change_capture");
    expect(item.options.maxAttempts).toBe(1);
    expect(item.match({ min: 17, hour: 3, date: 1, month: 1, dow: 0 })).toBe(true);
  });
});
