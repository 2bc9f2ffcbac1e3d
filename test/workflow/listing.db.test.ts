/**
 * What people read: the ERP Integrations list with cursor paging and counts per status
 * (docs/product.md §erp-list), the budget's `actions` with each unmet send rule by code and message
 * (docs/product.md §send-rules, §lock-unlock), and the submission detail's preview of what will be written to
 * QuickBooks (docs/product.md §erp-details, §estimate-mapping).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  budgetUrl,
  buildLockedBudget,
  erpUrl,
  expectError,
  makeProject,
  markConnected,
  type Obj,
  sendBudget,
  type TwoCompanies,
  twoCompanies,
} from "./fixture.js";

let t: TwoCompanies["t"];
let co: TwoCompanies["co"];
let other: TwoCompanies["other"];
let api: TwoCompanies["api"];

beforeAll(async () => {
  ({ t, co, other, api } = await twoCompanies({ connectOther: true }));
});
afterAll(async () => {
  await t?.close();
});

describe("ERP Integrations list: Filter Estimates By, paging, counts (docs/product.md §erp-list)", () => {
  const sent: { id: string; status: string }[] = [];
  beforeAll(async () => {
    // 7 budgets: 3 left waiting, 2 accepted, 1 rejected, 1 retrieved.
    for (let i = 0; i < 7; i++) {
      const p = await makeProject(t.ctx, co.companyId, { number: `L-${i}`, name: `Listing ${i}` });
      await buildLockedBudget(t, co.pm, co.companyId, p.id, [["03-300", "L", `${1000 + i}.00`]]);
      const id = await sendBudget(t, co.pm, co.companyId, p.id);
      let status = "ready_to_export";
      if (i === 1 || i === 4) {
        expect((await api.post(`${erpUrl(co.companyId)}/${id}/accept`, co.approver)).status).toBe(202);
        status = "exporting";
      } else if (i === 2) {
        await api.post(`${erpUrl(co.companyId)}/${id}/reject`, co.approver, { reason: "No" });
        status = "rejected";
      } else if (i === 5) {
        await api.post(`${budgetUrl(co.companyId, p.id)}/retrieve-from-erp`, co.pm);
        status = "retrieved";
      }
      sent.push({ id, status });
    }
    // Another company's submission is never counted or listed here.
    const q = await makeProject(t.ctx, other.companyId);
    await buildLockedBudget(t, other.pm, other.companyId, q.id, [["01-100", "L", "1.00"]]);
    await sendBudget(t, other.pm, other.companyId, q.id);
  });

  it("counts every status of this company only", async () => {
    const r = await api.get(erpUrl(co.companyId), co.viewer);
    expect(r.status).toBe(200);
    expect(r.body.counts).toEqual({
      ready_to_export: 3,
      exporting: 2,
      exported: 0,
      failed: 0,
      rejected: 1,
      retrieved: 1,
    });
    // Ready to Export is the default filter, newest first.
    const expected = sent
      .filter((s) => s.status === "ready_to_export")
      .map((s) => s.id)
      .reverse();
    expect(r.body.items.map((i: Obj) => i.id)).toEqual(expected);
    expect(r.body.nextCursor).toBeNull();
  });

  it("an empty tab still carries the counts of every status", async () => {
    const r = await api.get(`${erpUrl(co.companyId)}?status=failed`, co.viewer);
    expect(r.status).toBe(200);
    expect(r.body.items).toEqual([]);
    expect(r.body.nextCursor).toBeNull();
    expect(r.body.counts).toMatchObject({ ready_to_export: 3, exporting: 2, rejected: 1, failed: 0 });
  });

  it("pages with a cursor, newest first, with no gaps or repeats", async () => {
    const all = sent.map((s) => s.id).reverse();
    const statuses = "ready_to_export,exporting,rejected,retrieved,exported,failed";
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const q: string = `${erpUrl(co.companyId)}?status=${statuses}&limit=3${cursor ? `&cursor=${cursor}` : ""}`;
      const r = await api.get(q, co.approver);
      expect(r.status).toBe(200);
      expect(r.body.items.length).toBeLessThanOrEqual(3);
      seen.push(...r.body.items.map((i: Obj) => i.id));
      cursor = r.body.nextCursor;
      pages++;
    } while (cursor && pages < 10);
    expect(pages).toBe(3);
    expect(seen).toEqual(all);
  });

  it("filters by several statuses (Rejected & Retrieved)", async () => {
    const r = await api.get(`${erpUrl(co.companyId)}?status=rejected,retrieved`, co.approver);
    expect(r.body.items.map((i: Obj) => i.status).sort()).toEqual(["rejected", "retrieved"]);
    expect(r.body.items.find((i: Obj) => i.status === "rejected").reason).toBe("No");
  });

  it("says who rejected or retrieved each budget, and when", async () => {
    const r = await api.get(`${erpUrl(co.companyId)}?status=rejected,retrieved`, co.approver);
    const rejected = r.body.items.find((i: Obj) => i.status === "rejected");
    const retrieved = r.body.items.find((i: Obj) => i.status === "retrieved");
    expect(rejected.decision).toMatchObject({
      action: "reject",
      reason: "No",
      by: { name: expect.any(String) },
    });
    expect(retrieved.decision).toMatchObject({ action: "retrieve", by: { name: expect.any(String) } });
    expect(rejected.decision.by.name).not.toBe(retrieved.decision.by.name);
    for (const item of [rejected, retrieved]) {
      expect(Date.parse(item.decision.at)).toBeGreaterThan(Date.now() - 10 * 60_000);
    }
  });

  it("refuses a bad filter, cursor or limit (400)", async () => {
    expectError(await api.get(`${erpUrl(co.companyId)}?status=pending`, co.approver), 400, "invalid_input");
    expectError(
      await api.get(`${erpUrl(co.companyId)}?cursor=not-a-cursor`, co.approver),
      400,
      "invalid_input",
    );
    // Cursors that decode but were never handed out: a year PostgreSQL cannot store, a NUL in the id.
    const crafted = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");
    for (const cursor of [
      crafted(["-100000-01-01T00:00:00Z", "x"]),
      crafted(["2026-03-10T12:00:00Z", "s\u0000"]),
    ]) {
      expectError(
        await api.get(`${erpUrl(co.companyId)}?cursor=${cursor}`, co.approver),
        400,
        "invalid_input",
      );
    }
    expectError(await api.get(`${erpUrl(co.companyId)}?limit=201`, co.approver), 400, "invalid_input");
    expectError(await api.get(`${erpUrl(co.companyId)}?limit=0`, co.approver), 400, "invalid_input");
  });

  it("is closed to people without ERP Integrations access (403)", async () => {
    const none = await (await import("../support/factories.js")).makeUser(t.ctx, co.companyId, {
      budget: "admin",
    });
    expectError(await api.get(erpUrl(co.companyId), none), 403, "forbidden");
  });
});

describe("budget actions: each unmet rule by code and message (docs/product.md §send-rules, §lock-unlock)", () => {
  const codes = (a: Obj) => a.reasons.map((r: Obj) => r.code);

  it("explains why an unlocked, empty budget cannot be locked, sent or unlocked", async () => {
    const p = await makeProject(t.ctx, co.companyId);
    const r = await api.get(budgetUrl(co.companyId, p.id), co.pm);
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ state: "unlocked", locked: false, lastSubmission: null, lines: [] });
    expect(r.body.totals).toEqual({ originalBudget: "0.00", budgetChanges: "0.00", revisedEstimate: "0.00" });
    expect(codes(r.body.actions.lock)).toEqual(["budget_empty"]);
    expect(codes(r.body.actions.unlock)).toEqual(["budget_not_locked"]);
    expect(codes(r.body.actions.send)).toContain("budget_not_locked");
    expect(codes(r.body.actions.retrieve)).toEqual(["not_awaiting_acceptance"]);
    for (const reason of r.body.actions.send.reasons) expect(reason.message).toMatch(/\S/);
  });

  it("names the missing rights for a user who may only view", async () => {
    const p = await makeProject(t.ctx, co.companyId);
    const r = await api.get(budgetUrl(co.companyId, p.id), co.approver);
    expect(r.status).toBe(200);
    expect(codes(r.body.actions.lock)).toContain("forbidden");
    expect(codes(r.body.actions.send)).toContain("forbidden");
    expect(r.body.permissions).toEqual({ edit: false, approveChanges: false });
  });

  it("reports the Budget tool, the connection, the job link, item mapping and negative lines", async () => {
    const p = await makeProject(t.ctx, co.companyId, { number: "A-1", name: "Actions" });
    const base = budgetUrl(co.companyId, p.id);
    const ids = await buildLockedBudget(t, co.pm, co.companyId, p.id, [["05-120", "L", "100.00"]]);
    const c = await api.post(`${base}/changes`, co.pm, {
      description: "Credit",
      adjustments: [{ lineId: ids["05-120 L"], amount: "-150.00" }],
    });
    await api.post(`${base}/changes/${c.body.id}/approve`, co.pm);
    await t.ctx.db
      .updateTable("projects")
      .set({ budget_tool_active: false, erp_parent_customer_name: null })
      .where("id", "=", p.id)
      .execute();
    await t.ctx.db
      .updateTable("companies")
      .set({ create_missing_items: false, default_parent_customer: null })
      .where("id", "=", co.companyId)
      .execute();
    await t.ctx.db.deleteFrom("erp_connections").where("company_id", "=", co.companyId).execute();
    try {
      const r = await api.get(base, co.pm);
      const send = r.body.actions.send;
      expect(send.allowed).toBe(false);
      expect(codes(send)).toEqual(
        expect.arrayContaining(["budget_tool_inactive", "erp_not_connected", "negative_revised_estimate"]),
      );
      const negative = send.reasons.find((x: Obj) => x.code === "negative_revised_estimate");
      expect(negative.message).toContain("05-120");
      expectError(await api.post(`${base}/send-to-erp`, co.pm), 409, codes(send)[0]);
      // Unlock is refused because approved changes exist (rule 3).
      expect(codes(r.body.actions.unlock)).toEqual(["approved_changes_exist"]);

      // Connected again, tool active: the job link and item mapping are what is left (with the negative line).
      await markConnected(t.ctx, co.companyId);
      await t.ctx.db
        .updateTable("projects")
        .set({ budget_tool_active: true })
        .where("id", "=", p.id)
        .execute();
      const r2 = await api.get(base, co.pm);
      expect(codes(r2.body.actions.send).sort()).toEqual(
        ["cost_code_not_exportable", "negative_revised_estimate", "project_not_linked"].sort(),
      );
    } finally {
      await t.ctx.db
        .updateTable("companies")
        .set({ create_missing_items: true, default_parent_customer: "Acme Builders Jobs" })
        .where("id", "=", co.companyId)
        .execute();
      await t.ctx.db
        .insertInto("erp_connections")
        .values({ company_id: co.companyId, type: "quickbooks_online", status: "connected" })
        .onConflict((oc) => oc.column("company_id").doNothing())
        .execute();
    }
  });
});

describe("submission detail and preview (docs/product.md §erp-details, §estimate-mapping)", () => {
  it("shows Budget Updates columns and what will be written to QuickBooks", async () => {
    const p = await makeProject(t.ctx, co.companyId, { number: "PV-77", name: "Preview Tower" });
    await buildLockedBudget(t, co.pm, co.companyId, p.id, [
      ["03-300", "L", "1200.00"],
      ["26-100", "M", "800.40"],
    ]);
    const id = await sendBudget(t, co.pm, co.companyId, p.id);
    const r = await api.get(`${erpUrl(co.companyId)}/${id}`, co.viewer);
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({
      id,
      status: "ready_to_export",
      project: { id: p.id, number: "PV-77", name: "Preview Tower" },
      lineCount: 2,
      totals: {
        originalBudget: "2000.40",
        budgetChanges: "0.00",
        revisedEstimate: "2000.40",
        previouslyExported: "0.00",
        delta: "2000.40",
      },
      decision: null,
      export: null,
      canDecide: false,
    });
    expect(r.body.lines[0]).toEqual({
      costCode: "03-300",
      costCodeDescription: "Cast-in-Place Concrete",
      category: "L",
      categoryName: "Labor",
      originalBudget: "1200.00",
      budgetChanges: "0.00",
      revisedEstimate: "1200.00",
      previouslyExported: "0.00",
      delta: "1200.00",
    });
    expect(r.body.preview).toMatchObject({
      erp: "QuickBooks Online",
      customer: { parent: "Acme Builders Jobs", job: "Preview Tower", create: true },
      itemsToCreate: ["03-300 Cast-in-Place Concrete", "26-100 Electrical"],
      estimate: {
        action: "create",
        docNumber: "CB-PV-77",
        memo: `Costbridge budget · project PV-77 · submission ${id}`,
        status: "Pending",
        taxable: false,
        markup: "0%",
        total: "2000.40",
      },
      lines: [
        { item: "03-300 Cast-in-Place Concrete", class: "Labor", amount: "1200.00" },
        { item: "26-100 Electrical", class: "Material", amount: "800.40" },
      ],
    });
    const approverView = await api.get(`${erpUrl(co.companyId)}/${id}`, co.approver);
    expect(approverView.body.canDecide).toBe(true);
  });
});
