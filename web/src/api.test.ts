import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import {
  ApiError,
  decideSubmissions,
  getSession,
  importBudgetCsv,
  listSubmissions,
  onUnauthorized,
  request,
  setCsrfToken,
  signIn,
} from "./api.js";

interface Call {
  url: string;
  init: RequestInit;
}

let calls: Call[] = [];
let responses: Response[] = [];

function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });
}

function header(call: Call | undefined, name: string): string | undefined {
  return (call?.init.headers as Record<string, string> | undefined)?.[name];
}

beforeEach(() => {
  calls = [];
  responses = [];
  setCsrfToken(null);
  onUnauthorized(null);
  vi.stubGlobal("fetch", async (url: string, init: RequestInit) => {
    calls.push({ url, init });
    const next = responses.shift();
    if (!next) throw new Error(`unexpected request ${url}`);
    return next;
  });
});

afterEach(() => {
  vi.unstubAllGlobals();
});

describe("request", () => {
  it("sends the CSRF token from sign-in on every change, never on reads, always with same-origin cookies", async () => {
    responses.push(json(200, { user: { id: "u1", email: "a@b.test", name: "A" }, csrfToken: "tok-1" }));
    await signIn("a@b.test", "pw");
    responses.push(json(200, { results: [] }));
    await decideSubmissions("c1", [{ submissionId: "s1", action: "accept" }]);
    responses.push(json(200, { items: [], nextCursor: null, counts: {} }));
    await listSubmissions("c1", { status: "rejected,retrieved" });

    expect(header(calls[0], "X-CSRF-Token")).toBeUndefined();
    expect(header(calls[1], "X-CSRF-Token")).toBe("tok-1");
    expect(header(calls[2], "X-CSRF-Token")).toBeUndefined();
    expect(calls.every((c) => c.init.credentials === "same-origin")).toBe(true);
    expect(calls[1]?.url).toBe("/api/v1/companies/c1/erp/budget-submissions/decisions");
    expect(JSON.parse(String(calls[1]?.init.body))).toEqual({
      decisions: [{ submissionId: "s1", action: "accept" }],
    });
    expect(calls[2]?.url).toBe("/api/v1/companies/c1/erp/budget-submissions?status=rejected%2Cretrieved");
  });

  it("turns the error body into an ApiError with code, message and field", async () => {
    responses.push(
      json(400, { error: { code: "unknown_cost_code", message: "No cost code 99-999.", field: "costCode" } }),
    );
    const error = await request("POST", "/api/v1/x", { json: {} }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({
      status: 400,
      code: "unknown_cost_code",
      message: "No cost code 99-999.",
      field: "costCode",
    });
  });

  it("falls back to a readable message when the body is not JSON", async () => {
    responses.push(new Response("<html>bad gateway</html>", { status: 502 }));
    const error = (await request("GET", "/api/v1/x").catch((e: unknown) => e)) as ApiError;
    expect(error.status).toBe(502);
    expect(error.message).toMatch(/server could not complete/i);
  });

  it("reports a lost session, but not a wrong password", async () => {
    const lost = vi.fn();
    onUnauthorized(lost);
    responses.push(
      json(401, { error: { code: "invalid_credentials", message: "Wrong email or password." } }),
    );
    await expect(signIn("a@b.test", "nope")).rejects.toMatchObject({ message: "Wrong email or password." });
    expect(lost).not.toHaveBeenCalled();
    responses.push(json(401, { error: { code: "unauthenticated", message: "Sign in." } }));
    await expect(request("GET", "/api/v1/me")).rejects.toBeInstanceOf(ApiError);
    expect(lost).toHaveBeenCalledTimes(1);
  });

  it("answers null for the session when not signed in", async () => {
    responses.push(json(401, { error: { code: "unauthenticated", message: "Sign in." } }));
    expect(await getSession()).toBeNull();
  });

  it("posts CSV as text for the import preview", async () => {
    setCsrfToken("tok-2");
    responses.push(json(200, { rows: [{ row: 2, ok: true }], applied: false }));
    const result = await importBudgetCsv(
      "c 1",
      "p/1",
      "cost_code,category,original_budget\n03-300,L,100\n",
      true,
    );
    expect(result.applied).toBe(false);
    expect(calls[0]?.url).toBe("/api/v1/companies/c%201/projects/p%2F1/budget/import?dryRun=true");
    expect(header(calls[0], "Content-Type")).toBe("text/csv");
    expect(calls[0]?.init.body).toContain("03-300,L,100");
  });

  it("returns nothing for 204", async () => {
    responses.push(new Response(null, { status: 204 }));
    expect(await request("DELETE", "/api/v1/auth/session")).toBeUndefined();
  });
});
