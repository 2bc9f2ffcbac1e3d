import { describe, expect, it } from "vitest";
import { InProcessRateGate } from "./rate-gate.js";

/** A clock that only moves when the gate sleeps, so pacing is observable without waiting. */
function fakeClock() {
  let now = 0;
  const sleeps: number[] = [];
  return {
    now: () => now,
    sleep: async (ms: number) => {
      sleeps.push(ms);
      now += ms;
    },
    sleeps,
    advance: (ms: number) => {
      now += ms;
    },
  };
}

describe("in-process rate gate", () => {
  it("lets a burst of perSecond through, then spaces the rest into the next second", async () => {
    const clock = fakeClock();
    const gate = new InProcessRateGate({ perSecond: 3, perMinute: 100, concurrent: 10, ...clock });
    const starts: number[] = [];
    for (let i = 0; i < 7; i++) {
      const release = await gate.acquire("r1");
      starts.push(clock.now());
      release();
    }
    expect(starts).toEqual([0, 0, 0, 1000, 1000, 1000, 2000]);
  });

  it("keeps each realm's budget separate", async () => {
    const clock = fakeClock();
    const gate = new InProcessRateGate({ perSecond: 1, perMinute: 100, concurrent: 10, ...clock });
    (await gate.acquire("a"))();
    (await gate.acquire("b"))();
    expect(clock.now()).toBe(0);
    (await gate.acquire("a"))();
    expect(clock.now()).toBe(1000);
  });

  it("holds requests beyond the concurrency limit until one finishes, in arrival order", async () => {
    const clock = fakeClock();
    const gate = new InProcessRateGate({ perSecond: 100, perMinute: 100, concurrent: 2, ...clock });
    const first = await gate.acquire("r");
    const second = await gate.acquire("r");
    const order: string[] = [];
    const third = gate.acquire("r").then((release) => {
      order.push("third");
      return release;
    });
    const fourth = gate.acquire("r").then((release) => {
      order.push("fourth");
      return release;
    });
    await new Promise((r) => setTimeout(r, 5));
    expect(order).toEqual([]);
    expect(gate.inFlight("r")).toBe(2);
    first();
    (await third)();
    second();
    (await fourth)();
    expect(order).toEqual(["third", "fourth"]);
    expect(gate.inFlight("r")).toBe(0);
  });

  it("respects the per-minute budget and a backoff after a 429", async () => {
    const clock = fakeClock();
    const gate = new InProcessRateGate({ perSecond: 100, perMinute: 2, concurrent: 10, ...clock });
    (await gate.acquire("r"))();
    clock.advance(10_000);
    (await gate.acquire("r"))();
    (await gate.acquire("r"))();
    expect(clock.now()).toBe(60_000);
    gate.backOff("r", 45_000);
    (await gate.acquire("r"))();
    expect(clock.now()).toBe(105_000);
  });
});
