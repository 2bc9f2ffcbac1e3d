/**
 * Budget CSV import and export through the HTTP API (docs/product.md §budget-csv: import?dryRun, export.csv).
 * Import uses the same rules as adding one line (docs/product.md §budget-lines: unique cost code × category, $0
 * once locked; §bad-input: every row checked, no partial write) and writes all rows in one transaction or none.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  budgetUrl,
  buildLockedBudget,
  expectError,
  footprint,
  makeProject,
  type Obj,
  sendBudget,
  type TwoCompanies,
  twoCompanies,
} from "./fixture.js";

let t: TwoCompanies["t"];
let co: TwoCompanies["co"];
let other: TwoCompanies["other"];
let api: TwoCompanies["api"];
let before: Awaited<ReturnType<typeof footprint>>;

beforeAll(async () => {
  ({ t, co, other, api } = await twoCompanies());
});
afterAll(async () => {
  await t?.close();
});
beforeEach(async () => {
  before = await footprint(t.ctx, co.companyId);
});

async function unchanged() {
  expect(await footprint(t.ctx, co.companyId)).toEqual(before);
}

const GOOD = "cost_code,category,original_budget\r\n03-300,L,125000.00\r\n03-300,M,40000.5\r\n26-100,S,0\r\n";

describe("import", () => {
  it("dry run checks every row and writes nothing", async () => {
    const p = await makeProject(t.ctx, co.companyId);
    const r = await api.csv(`${budgetUrl(co.companyId, p.id)}/import?dryRun=true`, co.pm, GOOD);
    expect(r.status).toBe(200);
    expect(r.body).toEqual({
      rows: [
        { row: 2, ok: true },
        { row: 3, ok: true },
        { row: 4, ok: true },
      ],
      applied: 0,
    });
    const budget = await api.get(budgetUrl(co.companyId, p.id), co.pm);
    expect(budget.body.lines).toEqual([]);
    // Reading the budget created its (empty) row; the import itself wrote nothing else.
    const after = await footprint(t.ctx, co.companyId);
    expect({ ...after, budgets: [] }).toEqual({ ...before, budgets: [] });
  });

  it("applies all rows in one go and the importer becomes the budget's creator", async () => {
    const p = await makeProject(t.ctx, co.companyId);
    const base = budgetUrl(co.companyId, p.id);
    const r = await api.csv(`${base}/import?dryRun=false`, co.editor, GOOD);
    expect(r.status).toBe(200);
    expect(r.body.applied).toBe(3);
    const budget = await api.get(base, co.pm);
    expect(budget.body.lines.map((l: Obj) => [l.costCode, l.category, l.originalBudget])).toEqual([
      ["03-300", "L", "125000.00"],
      ["03-300", "M", "40000.50"],
      ["26-100", "S", "0.00"],
    ]);
    expect(budget.body.totals.originalBudget).toBe("165000.50");
    const row = await t.ctx.db
      .selectFrom("budgets")
      .select("creator_user_id")
      .where("project_id", "=", p.id)
      .executeTakeFirstOrThrow();
    expect(row.creator_user_id).toBe(co.editor.id);
    const audit = await t.ctx.db
      .selectFrom("audit_events")
      .select(["action", "data"])
      .where("company_id", "=", co.companyId)
      .where("action", "=", "budget.lines_imported")
      .execute();
    expect(audit).toHaveLength(1);
  });

  it("reports every bad row and writes nothing, even with dryRun=false", async () => {
    const p = await makeProject(t.ctx, co.companyId);
    const base = budgetUrl(co.companyId, p.id);
    await api.post(`${base}/lines`, co.pm, { costCode: "01-100", category: "O", originalBudget: "10.00" });
    before = await footprint(t.ctx, co.companyId);
    const csv = [
      "cost_code,category,original_budget",
      "03-300,L,100.00", // 2 fine
      "99-999,L,1.00", // 3 unknown cost code
      "03-300,Q,1.00", // 4 unknown category
      "03-300,L,5.00", // 5 duplicate of row 2
      "01-100,O,5.00", // 6 duplicate of the budget
      "05-120,L,1.005", // 7 three decimals
      "05-120,M,1e3", // 8 exponent
      '05-120,E,"1,000.00"', // 9 thousands separator
      "05-120,S,-3.00", // 10 negative
      "05-120,O,1000000000000.00", // 11 out of range
      "09-250,L", // 12 too few fields
      "", // a blank line is skipped
      "09-250,M,7.25", // 14 fine
    ].join("\n");
    const r = await api.csv(`${base}/import?dryRun=false`, co.pm, csv);
    expect(r.status).toBe(200);
    expect(r.body.applied).toBe(0);
    const byRow = Object.fromEntries(r.body.rows.map((x: Obj) => [x.row, x.ok ? "ok" : x.error.code]));
    expect(byRow).toEqual({
      2: "ok",
      3: "unknown_cost_code",
      4: "unknown_category",
      5: "duplicate_line",
      6: "duplicate_line",
      7: "invalid_amount",
      8: "invalid_amount",
      9: "invalid_amount",
      10: "invalid_amount",
      11: "invalid_amount",
      12: "invalid_csv",
      14: "ok",
    });
    const row5 = r.body.rows.find((x: Obj) => x.row === 5);
    expect(row5.error.message).toMatch(/Row 2/);
    const row7 = r.body.rows.find((x: Obj) => x.row === 7);
    expect(row7.error).toMatchObject({
      field: "original_budget",
      message: expect.stringMatching(/2 decimals/),
    });
    expect(r.body.rows.find((x: Obj) => x.row === 3).error.field).toBe("cost_code");
    await unchanged();
  });

  it("on a locked budget accepts only $0 lines (their value comes from budget changes)", async () => {
    const p = await makeProject(t.ctx, co.companyId);
    const base = budgetUrl(co.companyId, p.id);
    await buildLockedBudget(t, co.pm, co.companyId, p.id, [["03-300", "L", "10.00"]]);
    before = await footprint(t.ctx, co.companyId);
    const bad = await api.csv(
      `${base}/import`,
      co.pm,
      "cost_code,category,original_budget\n26-100,L,0.00\n26-100,M,5\n",
    );
    expect(bad.body.applied).toBe(0);
    expect(bad.body.rows.map((x: Obj) => (x.ok ? "ok" : x.error.code))).toEqual(["ok", "budget_locked"]);
    await unchanged();
    const good = await api.csv(
      `${base}/import`,
      co.pm,
      "cost_code,category,original_budget\n26-100,L,0.00\n26-100,M,0\n",
    );
    expect(good.body.applied).toBe(2);
    const budget = await api.get(base, co.pm);
    expect(budget.body.lines).toHaveLength(3);
    expect(budget.body.state).toBe("locked");
  });

  it("refuses a frozen budget (409 submission_pending) and a file it cannot read (400 invalid_csv)", async () => {
    const p = await makeProject(t.ctx, co.companyId);
    const base = budgetUrl(co.companyId, p.id);
    await buildLockedBudget(t, co.pm, co.companyId, p.id, [["03-300", "L", "10.00"]]);
    await sendBudget(t, co.pm, co.companyId, p.id);
    before = await footprint(t.ctx, co.companyId);
    expectError(
      await api.csv(`${base}/import?dryRun=true`, co.pm, "cost_code,category,original_budget\n26-100,L,0\n"),
      409,
      "submission_pending",
    );
    const q = await makeProject(t.ctx, co.companyId);
    const qb = budgetUrl(co.companyId, q.id);
    for (const body of [
      "",
      "code,category,amount\n03-300,L,1\n",
      "cost_code,category\n03-300,L\n",
      "cost_code,category,original_budget\n",
      'cost_code,category,original_budget\n03-300,L,"1.00\n',
      'cost_code,category,original_budget\n03-300,L,"1.00"x\n',
    ]) {
      expectError(await api.csv(`${qb}/import`, co.pm, body), 400, "invalid_csv");
    }
    expectError(await api.csv(`${qb}/import?dryRun=maybe`, co.pm, GOOD), 400, "invalid_input");
    await unchanged();
  });

  it("needs the edit right, and another company's project is 404", async () => {
    const p = await makeProject(t.ctx, co.companyId);
    const base = budgetUrl(co.companyId, p.id);
    await api.get(base, co.pm);
    before = await footprint(t.ctx, co.companyId);
    expectError(await api.csv(`${base}/import`, co.viewer, GOOD), 403, "forbidden");
    expectError(await api.csv(`${base}/import`, other.pm, GOOD), 404, "not_found");
    expectError(
      await api.csv(`${budgetUrl(other.companyId, p.id)}/import`, other.pm, GOOD),
      404,
      "not_found",
    );
    await unchanged();
  });
});

describe("export.csv", () => {
  it("downloads the lines with budget changes and revised estimates, and imports back elsewhere", async () => {
    const p = await makeProject(t.ctx, co.companyId, { number: "EX/9 1" });
    const base = budgetUrl(co.companyId, p.id);
    const ids = await buildLockedBudget(t, co.pm, co.companyId, p.id, [
      ["03-300", "L", "1000.00"],
      ["26-100", "M", "250.50"],
    ]);
    const c = await api.post(`${base}/changes`, co.pm, {
      description: "Rebar",
      adjustments: [{ lineId: ids["03-300 L"], amount: "-100.25" }],
    });
    await api.post(`${base}/changes/${c.body.id}/approve`, co.pm);

    const r = await api.get(`${base}/export.csv`, co.viewer);
    expect(r.status).toBe(200);
    expect(r.headers["content-type"]).toMatch(/^text\/csv/);
    expect(r.headers["content-disposition"]).toBe('attachment; filename="budget-EX_9_1.csv"');
    expect(r.text).toBe(
      "cost_code,category,original_budget,budget_changes,revised_estimate\r\n" +
        "03-300,L,1000.00,-100.25,899.75\r\n" +
        "26-100,M,250.50,0.00,250.50\r\n",
    );
    expectError(await api.get(`${base}/export.csv`, other.pm), 404, "not_found");

    const q = await makeProject(t.ctx, co.companyId);
    const back = await api.csv(`${budgetUrl(co.companyId, q.id)}/import`, co.pm, r.text);
    expect(back.body.applied).toBe(2);
    const copy = await api.get(budgetUrl(co.companyId, q.id), co.pm);
    expect(copy.body.lines.map((l: Obj) => l.originalBudget)).toEqual(["1000.00", "250.50"]);
  });
});

describe("OpenAPI", () => {
  it("documents the import as text/csv and the export as a CSV download", async () => {
    const r = await api.get("/api/v1/openapi.json", null);
    expect(r.status).toBe(200);
    const paths = r.body.paths as Obj;
    const imp = paths["/api/v1/companies/{companyId}/projects/{projectId}/budget/import"].post;
    expect(Object.keys(imp.requestBody.content)).toEqual(["text/csv"]);
    expect(imp.parameters.map((p: Obj) => p.name)).toContain("dryRun");
    const exp = paths["/api/v1/companies/{companyId}/projects/{projectId}/budget/export.csv"].get;
    expect(exp.summary).toMatch(/CSV/);
  });
});
