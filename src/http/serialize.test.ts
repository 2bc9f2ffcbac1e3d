import { describe, expect, it } from "vitest";
import { z } from "zod";
import { responseSerializer } from "./serialize.js";

const schema = z.object({ id: z.string(), lines: z.array(z.object({ amount: z.string() })) });
const compile = (check: boolean) =>
  responseSerializer(check)({ schema, method: "GET", url: "/api/v1/thing", httpStatus: "200" });

describe("writing an answer", () => {
  it("writes the answer as it is, never dropping a field", () => {
    const answer = { id: "a", lines: [{ amount: "1.00", extra: true }], more: 1 };
    expect(JSON.parse(compile(false)(answer))).toEqual(answer);
  });

  it("under check, names a field the schema does not describe", () => {
    expect(() => compile(true)({ id: "a", lines: [{ amount: "1.00", note: "x" }] })).toThrow(
      /GET \/api\/v1\/thing → 200: the response schema does not describe \.lines\[\]\.note/,
    );
  });

  it("under check, refuses an answer that does not match, and passes one that does", () => {
    expect(() => compile(true)({ id: 1, lines: [] })).toThrow(/does not match its schema/);
    const good = { id: "a", lines: [{ amount: "1.00" }] };
    expect(JSON.parse(compile(true)(good))).toEqual(good);
  });
});
