import { expect } from "vitest";
import type { AppContext } from "../../src/app/context.js";
import { createTestApp, type TestApp } from "../support/app.js";
import { makeWorkflowCompany, markConnected, type User } from "./world.js";

export {
  CATEGORIES,
  COST_CODES,
  makeProject,
  makeWorkflowCompany,
  markConnected,
  PARENT_CUSTOMER,
  type User,
} from "./world.js";

/** A JSON response body: its shape is what the assertions check. */
// biome-ignore lint/suspicious/noExplicitAny: response bodies are checked by assertions, not by the compiler
export type Json = any;
export type Obj = Record<string, Json>;

export interface Reply<T = Json> {
  status: number;
  body: T;
  headers: Record<string, unknown>;
  text: string;
}

/** The HTTP API as an integrator uses it: bearer tokens, JSON in and out. */
export function http(t: TestApp) {
  async function call(method: string, url: string, user: User | null, payload?: unknown, headers = {}) {
    const res = await t.app.inject({
      method: method as "GET",
      url,
      headers: { ...(user ? user.auth : {}), ...headers },
      ...(payload === undefined
        ? {}
        : typeof payload === "string"
          ? { payload }
          : { payload: payload as object }),
    });
    let body: Json = null;
    try {
      body = res.json();
    } catch {
      body = null;
    }
    return { status: res.statusCode, body, headers: res.headers, text: res.body } as Reply;
  }
  return {
    call,
    get: (url: string, user: User | null) => call("GET", url, user),
    post: (url: string, user: User | null, payload: unknown = {}) => call("POST", url, user, payload),
    patch: (url: string, user: User | null, payload: unknown) => call("PATCH", url, user, payload),
    del: (url: string, user: User | null) => call("DELETE", url, user),
    csv: (url: string, user: User | null, text: string) =>
      call("POST", url, user, text, { "content-type": "text/csv" }),
  };
}

export function budgetUrl(companyId: string, projectId: string) {
  return `/api/v1/companies/${companyId}/projects/${projectId}/budget`;
}
export function erpUrl(companyId: string) {
  return `/api/v1/companies/${companyId}/erp/budget-submissions`;
}

/** Asserts the API error shape and returns the error. */
export function expectError(r: Reply, status: number, code: string) {
  expect({ status: r.status, code: r.body?.error?.code }, JSON.stringify(r.body)).toEqual({ status, code });
  expect(typeof r.body.error.message).toBe("string");
  expect(r.body.error.message.length).toBeGreaterThan(0);
  return r.body.error as { code: string; message: string; field?: string; details?: Record<string, unknown> };
}

/** A PM builds a budget through the API: lines, then lock. Returns the line ids by "code category". */
export async function buildLockedBudget(
  t: TestApp,
  user: User,
  companyId: string,
  projectId: string,
  lines: [string, string, string][],
) {
  const api = http(t);
  const base = budgetUrl(companyId, projectId);
  const ids: Record<string, string> = {};
  for (const [costCode, category, originalBudget] of lines) {
    const r = await api.post(`${base}/lines`, user, { costCode, category, originalBudget });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    ids[`${costCode} ${category}`] = r.body.id;
  }
  const locked = await api.post(`${base}/lock`, user);
  expect(locked.status, JSON.stringify(locked.body)).toBe(200);
  expect(locked.body.state).toBe("locked");
  return ids;
}

export async function sendBudget(t: TestApp, user: User, companyId: string, projectId: string) {
  const r = await http(t).post(`${budgetUrl(companyId, projectId)}/send-to-erp`, user);
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  expect(r.body.status).toBe("ready_to_export");
  return r.body.id as string;
}

/** Everything a refused request must leave untouched, to compare before and after. */
export async function footprint(ctx: AppContext, companyId: string) {
  const [lines, changes, adjustments, submissions, budgets, outbox, jobs, audit] = await Promise.all([
    ctx.db
      .selectFrom("budget_lines")
      .select(["id", "original_minor"])
      .where("company_id", "=", companyId)
      .orderBy("id")
      .execute(),
    ctx.db
      .selectFrom("budget_changes")
      .select(["id", "status", "description"])
      .where("company_id", "=", companyId)
      .orderBy("id")
      .execute(),
    ctx.db
      .selectFrom("budget_change_adjustments")
      .select(["change_id", "line_id", "amount_minor"])
      .where("company_id", "=", companyId)
      .orderBy("change_id")
      .orderBy("line_id")
      .execute(),
    ctx.db
      .selectFrom("submissions")
      .select(["id", "status", "version", "reason"])
      .where("company_id", "=", companyId)
      .orderBy("id")
      .execute(),
    ctx.db
      .selectFrom("budgets")
      .select(["id", "locked", "version"])
      .where("company_id", "=", companyId)
      .orderBy("id")
      .execute(),
    ctx.db.selectFrom("email_outbox").select("id").where("company_id", "=", companyId).execute(),
    ctx.db
      .selectFrom("graphile_worker.jobs" as "email_outbox")
      .select("id")
      .execute(),
    ctx.db.selectFrom("audit_events").select("id").where("company_id", "=", companyId).execute(),
  ]);
  return {
    lines,
    changes,
    adjustments,
    submissions,
    budgets,
    outbox: outbox.length,
    jobs: jobs.length,
    audit: audit.length,
  };
}

/**
 * The usual scene of these tests: a fresh app with two companies (Acme, connected to QuickBooks, and Zenith,
 * connected only when asked) and the HTTP API.
 */
export async function twoCompanies(opts: { connectOther?: boolean } = {}) {
  const t = await createTestApp();
  const co = await makeWorkflowCompany(t.ctx, "Acme Builders");
  const other = await makeWorkflowCompany(t.ctx, "Zenith Construction");
  await markConnected(t.ctx, co.companyId);
  if (opts.connectOther) await markConnected(t.ctx, other.companyId);
  return { t, co, other, api: http(t) };
}
export type TwoCompanies = Awaited<ReturnType<typeof twoCompanies>>;
