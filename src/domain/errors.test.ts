import { describe, expect, it } from "vitest";
import { DOMAIN_ERROR_CODES, defaultMessage, domainError, errorKind, isDomainErrorCode } from "./errors.js";

describe("domain error codes", () => {
  it("are snake_case, unique, and each has a kind and a human sentence", () => {
    const codes = DOMAIN_ERROR_CODES.map((entry) => entry.code);
    expect(new Set(codes).size).toBe(codes.length);
    for (const entry of DOMAIN_ERROR_CODES) {
      expect(entry.code).toMatch(/^[a-z]+(_[a-z]+)*$/);
      expect(["invalid", "conflict", "forbidden", "not_found"]).toContain(entry.kind);
      expect(entry.message).toMatch(/^[A-Z].*\.$/);
    }
  });

  it.each([
    ["invalid_amount", "invalid"],
    ["reason_required", "invalid"],
    ["reason_too_long", "invalid"],
    ["unknown_cost_code", "invalid"],
    ["budget_locked", "conflict"],
    ["budget_not_locked", "conflict"],
    ["submission_pending", "conflict"],
    ["approved_changes_exist", "conflict"],
    ["nothing_new_to_send", "conflict"],
    ["negative_revised_estimate", "conflict"],
    ["erp_not_connected", "conflict"],
    ["budget_tool_inactive", "conflict"],
    ["project_not_linked", "conflict"],
    ["cost_code_not_exportable", "conflict"],
    ["name_too_long", "conflict"],
    ["invalid_transition", "conflict"],
    ["duplicate_line", "conflict"],
    ["line_exported", "conflict"],
    ["change_not_draft", "conflict"],
    ["change_exported", "conflict"],
    ["forbidden", "forbidden"],
    ["separation_of_duties", "forbidden"],
    ["submission_not_found", "not_found"],
    ["line_not_found", "not_found"],
  ] as const)("%s is %s (the HTTP layer maps it to 400/409/403/404)", (code, kind) => {
    expect(errorKind(code)).toBe(kind);
    expect(DOMAIN_ERROR_CODES.find((entry) => entry.code === code)?.kind).toBe(kind);
  });

  it("recognises its own codes and nothing else", () => {
    expect(isDomainErrorCode("budget_locked")).toBe(true);
    expect(isDomainErrorCode("toString")).toBe(false);
    expect(isDomainErrorCode("no_such_code")).toBe(false);
  });

  it("builds errors with the default message unless one is given, plus optional field and details", () => {
    expect(domainError("budget_locked")).toEqual({
      code: "budget_locked",
      message: defaultMessage("budget_locked"),
    });
    expect(
      domainError("reason_required", { field: "reason", message: "Say why.", details: { n: 1 } }),
    ).toEqual({
      code: "reason_required",
      message: "Say why.",
      field: "reason",
      details: { n: 1 },
    });
  });
});
