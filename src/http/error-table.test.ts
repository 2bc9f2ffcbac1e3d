import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { ERROR_STATUS, statusForCode } from "./error-table.js";

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = path.join(dir, name);
    if (statSync(p).isDirectory()) return sourceFiles(p);
    return p.endsWith(".ts") && !p.endsWith(".test.ts") ? [p] : [];
  });
}

describe("the error-code → HTTP status table", () => {
  it("maps the API.md classes to their statuses", () => {
    expect(statusForCode("invalid_input")).toBe(400);
    expect(statusForCode("unknown_cost_code")).toBe(400);
    expect(statusForCode("unauthenticated")).toBe(401);
    expect(statusForCode("forbidden")).toBe(403);
    expect(statusForCode("not_found")).toBe(404);
    expect(statusForCode("body_too_large")).toBe(413);
    expect(statusForCode("too_many_attempts")).toBe(429);
    expect(statusForCode("database_unavailable")).toBe(503);
    expect(statusForCode("some_rule", 409)).toBe(409);
  });

  it("has a status for every code the HTTP layer and use cases raise by name", () => {
    const root = path.resolve(import.meta.dirname, "..");
    const raised = new Set<string>();
    for (const file of sourceFiles(root)) {
      const text = readFileSync(file, "utf8");
      for (const m of text.matchAll(/new AppError\(\s*"([a-z_]+)"/g)) raised.add(m[1]!);
      for (const m of text.matchAll(/\binvalid\(\s*"([a-z_]+)"/g)) raised.add(m[1]!);
    }
    expect(raised.size).toBeGreaterThan(5);
    const missing = [...raised].filter((code) => !(code in ERROR_STATUS));
    expect(missing).toEqual([]);
  });

  it("uses only statuses the API documents", () => {
    const allowed = new Set([400, 401, 403, 404, 409, 410, 413, 415, 429, 500, 503]);
    expect(Object.values(ERROR_STATUS).filter((s) => !allowed.has(s))).toEqual([]);
  });
});
