import { describe, expect, it } from "vitest";
import { encodePayload, readOutboxMessage } from "./payload.js";

describe("readOutboxMessage", () => {
  it("restores bigints and instants the payload was queued with", () => {
    const stored = JSON.parse(
      encodePayload({
        template: "daily-summary",
        data: {
          publicUrl: "http://x.test",
          company: { id: "co_1", name: "Acme", timeZone: "America/New_York", currency: "USD" },
          date: "2026-03-10",
          items: [
            {
              project: { id: "p", number: "1", name: "One" },
              sentBy: { name: "Paula" },
              sentAt: new Date("2026-03-09T19:04:00.123Z"),
              lineCount: 3,
              revisedTotal: 9_007_199_254_740_993n,
              delta: -5n,
            },
          ],
        },
      }),
    );
    const message = readOutboxMessage(stored);
    if (message.template !== "daily-summary") throw new Error("wrong template");
    const [item] = message.data.items;
    expect(item!.sentAt).toEqual(new Date("2026-03-09T19:04:00.123Z"));
    expect(item!.revisedTotal).toBe(9_007_199_254_740_993n);
    expect(item!.delta).toBe(-5n);
    // A date-only string stays a string.
    expect(message.data.date).toBe("2026-03-10");
  });

  it("refuses a payload that is not one of our templates", () => {
    expect(() => readOutboxMessage({ template: "nope", data: {} })).toThrow();
    expect(() => readOutboxMessage("not json")).toThrow();
  });
});
