import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { DOMAIN_ERROR_CODES } from "../domain/errors.js";
import { ERROR_CATALOG, isErrorCode, KIND_STATUS, statusOf } from "./error-catalog.js";

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = path.join(dir, name);
    if (statSync(p).isDirectory()) return sourceFiles(p);
    return p.endsWith(".ts") && !p.endsWith(".test.ts") ? [p] : [];
  });
}

const SRC = path.resolve(import.meta.dirname, "..");

/** Every way a code is raised by name: an AppError, the helpers, a domain refusal, the HTTP error handler. */
const RAISES = [
  /new AppError\(\s*"([a-z_]+)"/g,
  /\b(?:conflict|gone)\(\s*"([a-z_]+)"/g,
  /\bdomainError\(\s*"([a-z_]+)"/g,
  /\bsendError\(\s*reply,\s*"([a-z_]+)"/g,
];

describe("the error catalog", () => {
  it("holds every code raised in src, and the scan finds them where they are raised", () => {
    const raised = new Map<string, string>();
    for (const file of sourceFiles(SRC)) {
      const text = readFileSync(file, "utf8");
      for (const re of RAISES) {
        for (const m of text.matchAll(re)) raised.set(m[1]!, path.relative(SRC, file));
      }
    }
    // The scan sees the codes of each layer (a broken pattern would make this test pass on nothing).
    for (const code of [
      "invalid_input",
      "not_connected",
      "invitation_used",
      "concurrent_update",
      "unknown_field",
    ]) {
      expect(raised.has(code), code).toBe(true);
    }
    const missing = [...raised].filter(([code]) => !isErrorCode(code)).map(([c, f]) => `${c} (${f})`);
    expect(missing).toEqual([]);
  });

  it("gives a status to a code only through its kind: nothing in src/app names a status for an error", () => {
    const overrides: string[] = [];
    for (const file of sourceFiles(path.join(SRC, "app"))) {
      const text = readFileSync(file, "utf8");
      for (const m of text.matchAll(/\bstatus:\s*[45]\d\d\b/g)) {
        overrides.push(`${path.relative(SRC, file)}:${text.slice(0, m.index).split("\n").length}`);
      }
    }
    expect(overrides).toEqual([]);
  });

  it("keeps the statuses clients already rely on", () => {
    const before: Record<string, number> = {
      invalid_input: 400,
      malformed_json: 400,
      unknown_field: 400,
      invalid_amount: 400,
      unknown_cost_code: 400,
      unknown_category: 400,
      unknown_line: 400,
      duplicate_line: 409,
      reason_required: 400,
      reason_too_long: 400,
      weak_password: 400,
      wrong_password: 400,
      invalid_time_zone: 400,
      unknown_erp_reference: 400,
      invalid_csv: 400,
      quickbooks_denied: 400,
      unauthenticated: 401,
      invalid_credentials: 401,
      invalid_token: 401,
      csrf_failed: 403,
      forbidden: 403,
      separation_of_duties: 403,
      not_found: 404,
      submission_not_found: 404,
      conflict: 409,
      duplicate: 409,
      not_connected: 409,
      email_not_failed: 409,
      name_too_long: 409,
      budget_locked: 409,
      concurrent_update: 409,
      invitation_used: 410,
      invitation_expired: 410,
      body_too_large: 413,
      unsupported_media_type: 415,
      too_many_attempts: 429,
      rate_limited: 429,
      internal_error: 500,
      database_unavailable: 503,
      erp_unavailable: 503,
    };
    const now = Object.fromEntries(
      Object.keys(before).map((code) => [code, isErrorCode(code) ? statusOf(code) : "missing"]),
    );
    expect(now).toEqual(before);
  });

  it("takes the domain's codes as they are, with their kind, and adds none under the same name", () => {
    for (const d of DOMAIN_ERROR_CODES) {
      expect(ERROR_CATALOG[d.code]).toEqual({ kind: d.kind, message: d.message });
    }
  });

  it("uses only the statuses the API documents, each entry with a sentence", () => {
    const allowed = new Set([400, 401, 403, 404, 409, 410, 413, 415, 429, 500, 503]);
    expect(Object.values(KIND_STATUS).filter((s) => !allowed.has(s))).toEqual([]);
    for (const [code, entry] of Object.entries(ERROR_CATALOG)) {
      expect(code).toMatch(/^[a-z]+(_[a-z]+)*$/);
      expect(entry.message.length, code).toBeGreaterThan(5);
    }
  });
});
