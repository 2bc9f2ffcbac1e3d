/**
 * The benchmark's seeded data with commitments in the mix (bench/data.ts): commitment submissions sit beside the
 * budget ones in one company, interleaved in time, and ERP Integrations › Budgets still lists and counts budgets
 * only, as the benchmark's list figures assume (docs/product.md §erp-list).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  insertBudgets,
  insertCatalog,
  insertCommitments,
  insertCompany,
  insertUsers,
} from "../../bench/data.js";
import { issueToken } from "../../src/app/auth/issue-token.js";
import { createTestApp, type TestApp } from "../support/app.js";

let t: TestApp;
const co = "seeded-mix";
let token = "";

beforeAll(async () => {
  t = await createTestApp();
  await insertCompany(t.ctx.db, { id: co, name: "Seeded Mix Co", seed: 7 });
  await insertCatalog(t.ctx.db, co);
  const [approver] = await insertUsers(t.ctx.db, co, `${co}-approver`, 1, {
    erp: "standard",
    approver: true,
  });
  const [pm] = await insertUsers(t.ctx.db, co, `${co}-pm`, 1, {
    erp: "none",
    approver: false,
    budget: "admin",
  });
  await insertBudgets(t.ctx.db, {
    companyId: co,
    seed: 7,
    pending: 60,
    historyPerBudget: 1,
    submittedBy: pm!,
  });
  await insertCommitments(t.ctx.db, {
    companyId: co,
    seed: 7,
    count: 60,
    historyPerCommitment: 2,
    lines: 10,
    vendors: 7,
    createdBy: pm!,
  });
  token = (await issueToken(t.ctx, approver!, "bearer")).token;
});
afterAll(async () => {
  await t?.close();
});

async function get(url: string) {
  const res = await t.app.inject({ method: "GET", url, headers: { authorization: `Bearer ${token}` } });
  return { status: res.statusCode, json: res.json() as Record<string, unknown> };
}

describe("seeded commitments beside budgets", () => {
  it("Ready to Export for budgets lists and counts only the budgets, newest first", async () => {
    const r = await get(`/api/v1/companies/${co}/erp/budget-submissions?status=ready_to_export`);
    expect(r.status).toBe(200);
    const items = r.json.items as { id: string; submittedAt: string }[];
    expect(items).toHaveLength(50);
    expect(items.every((i) => i.id.startsWith(`${co}-sub-`))).toBe(true);
    expect(items[0]!.id).toBe(`${co}-sub-60-0`);
    expect((r.json.counts as Record<string, number>).ready_to_export).toBe(60);
    expect((r.json.counts as Record<string, number>).exported).toBe(60);
  });

  it("Ready to Export for commitments lists and counts only the commitments, with their vendor", async () => {
    const r = await get(`/api/v1/companies/${co}/erp/commitment-submissions?status=ready_to_export`);
    expect(r.status).toBe(200);
    const items = r.json.items as { id: string; commitment: { number: string }; vendor: { name: string } }[];
    expect(items).toHaveLength(50);
    expect(items.every((i) => i.id.startsWith(`${co}-csub-`))).toBe(true);
    expect(items[0]).toMatchObject({ id: `${co}-csub-60-0`, commitment: { number: "PO-000060" } });
    expect(items[0]!.vendor.name).toMatch(/^\S+ \S+ \d+$/);
    expect((r.json.counts as Record<string, number>).ready_to_export).toBe(60);
  });

  it("commitment submissions alternate with budget ones in time and span the decided statuses", async () => {
    const rows = await t.ctx.db
      .selectFrom("submissions")
      .select(["id", "document_type", "status"])
      .where("company_id", "=", co)
      .where("status", "=", "ready_to_export")
      .orderBy("submitted_at", "desc")
      .limit(4)
      .execute();
    expect(rows.map((r) => r.document_type)).toEqual(["budget", "commitment", "budget", "commitment"]);
    const counts = await t.ctx.db
      .selectFrom("submission_counts")
      .select(["status", "count"])
      .where("company_id", "=", co)
      .where("document_type", "=", "commitment")
      .execute();
    const byStatus = Object.fromEntries(counts.map((c) => [c.status, Number(c.count)]));
    expect(byStatus.ready_to_export).toBe(60);
    expect(byStatus.exported! + byStatus.rejected! + byStatus.retrieved!).toBe(120);
    expect(Math.min(byStatus.exported!, byStatus.rejected!, byStatus.retrieved!)).toBeGreaterThan(30);
  });

  it("a commitment's snapshot matches its approved lines, vendor and totals", async () => {
    const c = await t.ctx.db
      .selectFrom("commitments")
      .innerJoin("vendors", (j) =>
        j
          .onRef("vendors.company_id", "=", "commitments.company_id")
          .onRef("vendors.id", "=", "commitments.vendor_id"),
      )
      .select(["commitments.id", "commitments.status", "commitments.kind", "vendors.name as vendor"])
      .where("commitments.company_id", "=", co)
      .where("commitments.id", "=", `${co}-cmt-8`)
      .executeTakeFirstOrThrow();
    expect(c).toMatchObject({ status: "approved", kind: "purchase_order" });
    expect(c.vendor.length).toBeGreaterThan(0);
    const lines = await t.ctx.db
      .selectFrom("commitment_lines")
      .select(["cost_code", "category", "original_minor"])
      .where("company_id", "=", co)
      .where("commitment_id", "=", c.id)
      .orderBy("id")
      .execute();
    expect(lines).toHaveLength(10);
    const sub = await t.ctx.db
      .selectFrom("submissions")
      .select(["line_count", "total_revised_minor", "budget_id"])
      .where("company_id", "=", co)
      .where("id", "=", `${co}-csub-8-0`)
      .executeTakeFirstOrThrow();
    const snapshot = await t.ctx.db
      .selectFrom("submission_lines")
      .select(["cost_code", "category", "revised_minor"])
      .where("company_id", "=", co)
      .where("submission_id", "=", `${co}-csub-8-0`)
      .execute();
    const key = (l: { cost_code: string; category: string }) => `${l.cost_code}|${l.category}`;
    expect(new Map(snapshot.map((l) => [key(l), Number(l.revised_minor)]))).toEqual(
      new Map(lines.map((l) => [key(l), Number(l.original_minor)])),
    );
    expect(sub.budget_id).toBeNull();
    expect(sub.line_count).toBe(10);
    expect(Number(sub.total_revised_minor)).toBe(lines.reduce((s, l) => s + Number(l.original_minor), 0));
  });
});
