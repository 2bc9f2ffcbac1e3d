import { describe, expect, it } from "vitest";
import { andThen, assertNever, err, isErr, isOk, mapResult, ok, type Result, unwrap } from "./result.js";

type Failure = { code: "too_small"; message: string };

function positive(n: number): Result<number, Failure> {
  return n > 0 ? ok(n) : err({ code: "too_small", message: `${n} is not positive` });
}

describe("Result", () => {
  it("carries a value or an error with a code", () => {
    expect(positive(2)).toEqual({ ok: true, value: 2 });
    expect(positive(0)).toEqual({ ok: false, error: { code: "too_small", message: "0 is not positive" } });
    expect(isOk(positive(2))).toBe(true);
    expect(isErr(positive(-1))).toBe(true);
  });

  it("maps and chains only on success, passing the first error through", () => {
    expect(mapResult(positive(2), (n) => n * 10)).toEqual(ok(20));
    expect(mapResult(positive(0), (n) => n * 10)).toEqual(positive(0));
    expect(andThen(positive(3), (n) => positive(n - 5))).toMatchObject({
      ok: false,
      error: { code: "too_small" },
    });
    expect(andThen(positive(3), (n) => positive(n + 1))).toEqual(ok(4));
  });

  it("unwrap returns the value and throws on an error, naming its code", () => {
    expect(unwrap(positive(5))).toBe(5);
    expect(() => unwrap(positive(0))).toThrow(/too_small: 0 is not positive/);
  });
});

describe("assertNever", () => {
  it("throws when a value the types ruled out shows up at run time", () => {
    expect(() => assertNever("surprise" as never, "colour")).toThrow('unexpected colour: "surprise"');
  });
});
