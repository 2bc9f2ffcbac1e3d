/**
 * Commitments through the HTTP API (docs/product.md §commitments, §commitment-send-rules): a subcontract from draft
 * to approved, its change orders and totals, the lock while a submission waits, bad input, other companies' ids,
 * sending and retrieving. No export runs here; the company's ERP is a registered one that takes purchase orders.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ErpDefinition, registerErp } from "../../src/app/erp/registry.js";
import { expectError, makeProject, type Obj, type TwoCompanies, twoCompanies } from "./fixture.js";

/** An accounting system that takes purchase orders; nothing here exports, so its connector is never called. */
const PO_LEDGER: ErpDefinition = {
  kind: "po_ledger",
  label: "PO Ledger",
  limits: {
    jobNameMaxChars: 100,
    itemNameMaxChars: 100,
    vendorNameMaxChars: 30,
    purchaseOrderNumberMaxChars: 8,
  },
  connectionFlow: "preconfigured",
  usesTokenVault: false,
  routePrefixes: [],
  connector: () => ({
    kind: "po_ledger",
    exportEstimate: async () => ({ kind: "rejected", code: "unsupported", message: "estimates", remedy: "" }),
    exportPurchaseOrder: async () => ({
      kind: "rejected",
      code: "unsupported",
      message: "not here",
      remedy: "",
    }),
  }),
};

let t: TwoCompanies["t"];
let co: TwoCompanies["co"];
let other: TwoCompanies["other"];
let api: TwoCompanies["api"];
let unregister: () => void;
let drywallVendor: string;
let electricVendor: string;

const vendorsUrl = (companyId: string) => `/api/v1/companies/${companyId}/vendors`;
const commitmentsUrl = (companyId: string, projectId: string) =>
  `/api/v1/companies/${companyId}/projects/${projectId}/commitments`;

beforeAll(async () => {
  unregister = registerErp(PO_LEDGER);
  ({ t, co, other, api } = await twoCompanies({ connectOther: true }));
  await t.ctx.db
    .updateTable("erp_connections")
    .set({ type: "po_ledger" })
    .where("company_id", "=", co.companyId)
    .execute();
  drywallVendor = (await api.post(vendorsUrl(co.companyId), co.admin, { name: "Summit Drywall" })).body.id;
  electricVendor = (await api.post(vendorsUrl(co.companyId), co.admin, { name: "Bright Electric" })).body.id;
});
afterAll(async () => {
  unregister?.();
  await t?.close();
});

/** A new project with a draft commitment on it, through the API. */
async function draft(over: Obj = {}) {
  const p = await makeProject(t.ctx, co.companyId);
  const base = commitmentsUrl(co.companyId, p.id);
  const r = await api.post(base, co.editor, {
    kind: "subcontract",
    number: "SC-001",
    title: "Drywall and framing",
    vendorId: drywallVendor,
    ...over,
  });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  return { p, base, id: r.body.id as string, url: `${base}/${r.body.id}` };
}

/** An approved subcontract with two lines: 09-250 S 120,000.00 and 01-100 L 8,000.00. */
async function approved() {
  const d = await draft();
  for (const [costCode, category, amount, description] of [
    ["09-250", "S", "120000.00", "Gypsum board, levels 1-3"],
    ["01-100", "L", "8000.00", "Site protection"],
  ]) {
    const r = await api.post(`${d.url}/lines`, co.editor, { costCode, category, amount, description });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
  }
  expect((await api.post(`${d.url}/status`, co.editor, { status: "out_for_signature" })).status).toBe(200);
  const r = await api.post(`${d.url}/status`, co.pm, { status: "approved" });
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  return d;
}

describe("a subcontract from draft to approved, then change orders (docs/product.md §commitments)", () => {
  it("starts as a draft, takes lines, goes out for signature, is approved and shows its totals", async () => {
    const d = await draft();
    const created = await api.get(d.url, co.viewer);
    expect(created.status).toBe(200);
    expect(created.body).toMatchObject({
      number: "SC-001",
      kind: "subcontract",
      title: "Drywall and framing",
      vendor: { id: drywallVendor, name: "Summit Drywall" },
      status: "draft",
      locked: false,
      erpState: "not_sent",
      lines: [],
      createdBy: { id: co.editor.id, name: "Ed Editor" },
    });
    const line = await api.post(`${d.url}/lines`, co.editor, {
      costCode: "09-250",
      category: "S",
      description: "Gypsum board, levels 1-3",
      amount: "120000.00",
    });
    expect(line.status).toBe(201);
    expect(line.body).toMatchObject({
      costCode: "09-250",
      costCodeDescription: "Gypsum Board",
      original: "120000.00",
      revised: "120000.00",
      exported: null,
    });
    const edited = await api.patch(`${d.url}/lines/${line.body.id}`, co.editor, { amount: "118500.00" });
    expect(edited.body.original).toBe("118500.00");
    await api.post(`${d.url}/lines`, co.editor, { costCode: "01-100", category: "L", amount: "8000.00" });
    const extra = await api.post(`${d.url}/lines`, co.editor, {
      costCode: "26-100",
      category: "M",
      amount: "1",
    });
    expect((await api.del(`${d.url}/lines/${extra.body.id}`, co.editor)).status).toBe(204);

    const out = await api.post(`${d.url}/status`, co.editor, { status: "out_for_signature" });
    expect(out.body.status).toBe("out_for_signature");
    // Signed copies come back: only a Budget Admin approves what the company owes.
    const notAllowed = await api.post(`${d.url}/status`, co.editor, { status: "approved" });
    expectError(notAllowed, 403, "forbidden");
    const ok = await api.post(`${d.url}/status`, co.pm, { status: "approved" });
    expect(ok.status).toBe(200);
    expect(ok.body.status).toBe("approved");
    expect(ok.body.totals).toEqual({
      original: "126500.00",
      approvedChanges: "0.00",
      revised: "126500.00",
      pendingChanges: "0.00",
    });
    expect(ok.body.actions.send.allowed).toBe(true);
    expect(ok.body.actions.edit.allowed).toBe(false);

    const list = await api.get(d.base, co.viewer);
    expect(list.body.items.map((c: Obj) => [c.number, c.status, c.totals.revised])).toEqual([
      ["SC-001", "approved", "126500.00"],
    ]);
    const projects = await api.get(`/api/v1/companies/${co.companyId}/projects?limit=200`, co.viewer);
    expect(projects.body.items.find((p: Obj) => p.id === d.p.id).commitmentCount).toBe(1);
  });

  it("changes an approved commitment only through change orders, which add lines for new cost codes", async () => {
    const d = await approved();
    const refused = await api.post(`${d.url}/lines`, co.editor, {
      costCode: "26-100",
      category: "M",
      amount: "1",
    });
    expectError(refused, 409, "commitment_not_draft");

    const co1 = await api.post(`${d.url}/change-orders`, co.editor, {
      title: "Level 4 soffits",
      lines: [
        { costCode: "09-250", category: "S", amount: "14500.00" },
        { costCode: "26-100", category: "M", description: "Light fixture blocking", amount: "2250.50" },
      ],
    });
    expect(co1.status, JSON.stringify(co1.body)).toBe(201);
    expect(co1.body).toMatchObject({ number: 1, status: "pending", total: "16750.50", decidedBy: null });
    const pending = await api.get(d.url, co.viewer);
    expect(pending.body.totals).toEqual({
      original: "128000.00",
      approvedChanges: "0.00",
      revised: "128000.00",
      pendingChanges: "16750.50",
    });
    expect(pending.body.lines).toHaveLength(2);

    const edited = await api.patch(`${d.url}/change-orders/${co1.body.id}`, co.editor, {
      title: "Level 4 soffits",
    });
    expect(edited.status).toBe(200);
    expectError(await api.post(`${d.url}/change-orders/${co1.body.id}/approve`, co.editor), 403, "forbidden");
    const approvedOrder = await api.post(`${d.url}/change-orders/${co1.body.id}/approve`, co.pm);
    expect(approvedOrder.status).toBe(200);
    expect(approvedOrder.body).toMatchObject({ status: "approved", decidedBy: { id: co.pm.id } });

    const after = await api.get(d.url, co.viewer);
    expect(after.body.totals).toEqual({
      original: "128000.00",
      approvedChanges: "16750.50",
      revised: "144750.50",
      pendingChanges: "0.00",
    });
    expect(
      after.body.lines.map((l: Obj) => [l.costCode, l.category, l.original, l.approvedChanges, l.revised]),
    ).toEqual([
      ["09-250", "S", "120000.00", "14500.00", "134500.00"],
      ["01-100", "L", "8000.00", "0.00", "8000.00"],
      ["26-100", "M", "0.00", "2250.50", "2250.50"],
    ]);
    expect(after.body.lines[2].description).toBe("Light fixture blocking");
    expectError(
      await api.patch(`${d.url}/change-orders/${co1.body.id}`, co.editor, { title: "x" }),
      409,
      "change_order_not_pending",
    );

    // A credit that would take a line below zero is refused at approval; rejecting it leaves the totals alone.
    const credit = await api.post(`${d.url}/change-orders`, co.editor, {
      title: "Site protection by owner",
      lines: [{ costCode: "01-100", category: "L", amount: "-8000.01" }],
    });
    expect(credit.body.number).toBe(2);
    const negative = await api.post(`${d.url}/change-orders/${credit.body.id}/approve`, co.pm);
    expect(expectError(negative, 409, "change_order_negative_line").message).toMatch(/01-100 L below zero/);
    expect((await api.post(`${d.url}/change-orders/${credit.body.id}/reject`, co.pm)).body.status).toBe(
      "rejected",
    );
    const third = await api.post(`${d.url}/change-orders`, co.editor, {
      title: "Scrap",
      lines: [{ costCode: "01-100", category: "L", amount: "100" }],
    });
    expect((await api.del(`${d.url}/change-orders/${third.body.id}`, co.editor)).status).toBe(204);
    const orders = await api.get(`${d.url}/change-orders`, co.viewer);
    expect(orders.body.items.map((o: Obj) => [o.number, o.status])).toEqual([
      [1, "approved"],
      [2, "rejected"],
    ]);
    expect((await api.get(d.url, co.viewer)).body.totals.revised).toBe("144750.50");
  });

  it("moves status only along the allowed paths", async () => {
    const d = await draft();
    expectError(
      await api.post(`${d.url}/status`, co.pm, { status: "approved" }),
      409,
      "invalid_status_change",
    );
    expect((await api.post(`${d.url}/status`, co.editor, { status: "void" })).body.status).toBe("void");
    expectError(
      await api.post(`${d.url}/status`, co.editor, { status: "draft" }),
      409,
      "invalid_status_change",
    );
    expectError(await api.patch(d.url, co.editor, { title: "New title" }), 409, "commitment_not_editable");
    // Undoing an approval is the approver's decision, and only while the commitment was never sent.
    const signed = await approved();
    expectError(await api.post(`${signed.url}/status`, co.editor, { status: "void" }), 403, "forbidden");
    expect((await api.post(`${signed.url}/status`, co.pm, { status: "void" })).body.status).toBe("void");
  });

  it("records every change in the audit log", async () => {
    const d = await approved();
    const events = await t.ctx.db
      .selectFrom("audit_events")
      .select(["action", "entity_type"])
      .where("company_id", "=", co.companyId)
      .where("entity_id", "=", d.id)
      .orderBy("id")
      .execute();
    expect(events.map((e) => e.action)).toEqual([
      "commitment.created",
      "commitment.line_added",
      "commitment.line_added",
      "commitment.status_changed",
      "commitment.status_changed",
    ]);
    const log = await api.get(
      `/api/v1/companies/${co.companyId}/audit-events?entityId=${d.id}&limit=1`,
      co.admin,
    );
    expect(log.body.items[0].subject).toEqual({ kind: "commitment", name: "SC-001 Drywall and framing" });
  });
});

describe("bad input and other companies' ids", () => {
  it("answers bad input with 400 and the field", async () => {
    const p = await makeProject(t.ctx, co.companyId);
    const base = commitmentsUrl(co.companyId, p.id);
    const good = { kind: "purchase_order", number: "PO-7", title: "Rebar", vendorId: drywallVendor };
    for (const [body, field] of [
      [{ ...good, title: "   " }, "title"],
      [{ ...good, number: "" }, "number"],
      [{ ...good, kind: "lease" }, "kind"],
      [{ ...good, vendorId: "ven_nope" }, "vendorId"],
    ] as const) {
      const r = await api.post(base, co.editor, body);
      expect({ status: r.status, field: r.body.error?.field }, JSON.stringify(r.body)).toEqual({
        status: 400,
        field,
      });
    }
    const created = await api.post(base, co.editor, good);
    expect(created.status).toBe(201);
    const taken = await api.post(base, co.editor, { ...good, title: "Another" });
    expect(expectError(taken, 409, "commitment_number_taken").field).toBe("number");
    const url = `${base}/${created.body.id}/lines`;
    for (const [body, code, field] of [
      [{ costCode: "09-250", category: "S", amount: 100 }, "invalid_amount", "amount"],
      [{ costCode: "09-250", category: "S", amount: "-5.00" }, "invalid_amount", "amount"],
      [{ costCode: "99-999", category: "S", amount: "5" }, "unknown_cost_code", "costCode"],
      [{ costCode: "09-250", category: "Z", amount: "5" }, "unknown_category", "category"],
      [
        { costCode: "09-250", category: "S", amount: "5", description: "x".repeat(4001) },
        "invalid_input",
        "description",
      ],
    ] as const) {
      const r = await api.post(url, co.editor, body);
      expect(expectError(r, 400, code).field).toBe(field);
    }
  });

  it("answers 404 for another company's or another project's commitment", async () => {
    const d = await draft();
    const theirs = await makeProject(t.ctx, other.companyId);
    expectError(await api.get(d.url, other.admin), 404, "not_found");
    const elsewhere = await makeProject(t.ctx, co.companyId);
    expectError(
      await api.get(`${commitmentsUrl(co.companyId, elsewhere.id)}/${d.id}`, co.pm),
      404,
      "not_found",
    );
    expectError(await api.get(`${commitmentsUrl(co.companyId, theirs.id)}/${d.id}`, co.pm), 404, "not_found");
    // Their vendor is not ours to sign with.
    const theirVendor = await api.post(vendorsUrl(other.companyId), other.admin, { name: "Far Away Supply" });
    const r = await api.post(d.base, co.editor, {
      kind: "purchase_order",
      number: "PO-1",
      title: "Stone",
      vendorId: theirVendor.body.id,
    });
    expect(expectError(r, 400, "unknown_vendor").field).toBe("vendorId");
  });
});

describe("sending and retrieving (docs/product.md §commitment-send-rules)", () => {
  it("refuses to send a draft or a void commitment, with every reason", async () => {
    const d = await draft();
    const refused = await api.post(`${d.url}/send-to-erp`, co.pm);
    const error = expectError(refused, 409, "commitment_not_approved");
    expect(((error.details?.reasons ?? []) as Obj[]).map((r) => r.code)).toEqual([
      "commitment_not_approved",
      "commitment_empty",
    ]);
    await api.post(`${d.url}/status`, co.editor, { status: "void" });
    expectError(await api.post(`${d.url}/send-to-erp`, co.pm), 409, "commitment_not_approved");
    expectError(await api.post(`${d.url}/send-to-erp`, co.editor), 403, "forbidden");
  });

  it("checks the ERP's limits for the vendor name and the purchase order number", async () => {
    const d = await approved();
    const long = await api.post(d.base, co.editor, {
      kind: "purchase_order",
      number: "PO-2026-0042",
      title: "Switchgear",
      vendorId: electricVendor,
    });
    const url = `${d.base}/${long.body.id}`;
    await api.post(`${url}/lines`, co.editor, { costCode: "26-100", category: "M", amount: "41000.00" });
    await api.post(`${url}/status`, co.editor, { status: "out_for_signature" });
    await api.post(`${url}/status`, co.pm, { status: "approved" });
    const error = expectError(await api.post(`${url}/send-to-erp`, co.pm), 409, "name_too_long");
    expect(error.message).toMatch(/PO Ledger allows 8 characters for a purchase order number/);
  });

  it("sends an approved commitment as a submission ready to export, locks it, and retrieves it", async () => {
    const d = await approved();
    const order = await api.post(`${d.url}/change-orders`, co.editor, {
      title: "Level 4",
      lines: [{ costCode: "09-250", category: "S", amount: "5000.00" }],
    });
    await api.post(`${d.url}/change-orders/${order.body.id}/approve`, co.pm);
    const sent = await api.post(`${d.url}/send-to-erp`, co.pm);
    expect(sent.status, JSON.stringify(sent.body)).toBe(201);
    expect(sent.body.status).toBe("ready_to_export");

    const row = await t.ctx.db
      .selectFrom("submissions")
      .selectAll()
      .where("company_id", "=", co.companyId)
      .where("id", "=", sent.body.id)
      .executeTakeFirstOrThrow();
    expect(row).toMatchObject({
      document_type: "commitment",
      commitment_id: d.id,
      budget_id: null,
      project_id: d.p.id,
      submitted_by: co.pm.id,
      line_count: 2,
      total_original_minor: 12_800_000n,
      total_changes_minor: 500_000n,
      total_revised_minor: 13_300_000n,
      total_delta_minor: 13_300_000n,
      change_ids: [order.body.id],
    });
    const lines = await t.ctx.db
      .selectFrom("submission_lines")
      .select([
        "line_id",
        "cost_code",
        "category",
        "description",
        "original_minor",
        "budget_changes_minor",
        "revised_minor",
        "previously_exported_minor",
      ])
      .where("company_id", "=", co.companyId)
      .where("submission_id", "=", sent.body.id)
      .orderBy("position")
      .execute();
    const detail = await api.get(d.url, co.viewer);
    const idOf = (code: string) => detail.body.lines.find((l: Obj) => l.costCode === code).id;
    expect(lines).toEqual([
      {
        line_id: idOf("01-100"),
        cost_code: "01-100",
        category: "L",
        description: "Site protection",
        original_minor: 800_000n,
        budget_changes_minor: 0n,
        revised_minor: 800_000n,
        previously_exported_minor: 0n,
      },
      {
        line_id: idOf("09-250"),
        cost_code: "09-250",
        category: "S",
        description: "Gypsum board, levels 1-3",
        original_minor: 12_000_000n,
        budget_changes_minor: 500_000n,
        revised_minor: 12_500_000n,
        previously_exported_minor: 0n,
      },
    ]);

    // Locked while it waits: no status change, no change order, no second send.
    expect(detail.body).toMatchObject({
      locked: true,
      erpState: "awaiting_acceptance",
      pendingSubmissionId: sent.body.id,
    });
    // The viewer sees it waiting; only someone with the send and retrieve right may take it back.
    expect(detail.body.actions.retrieve.allowed).toBe(false);
    expect((await api.get(d.url, co.pm)).body.actions.retrieve.allowed).toBe(true);
    expectError(await api.post(`${d.url}/status`, co.pm, { status: "void" }), 409, "submission_pending");
    expectError(
      await api.post(`${d.url}/change-orders`, co.editor, {
        title: "More",
        lines: [{ costCode: "09-250", category: "S", amount: "1.00" }],
      }),
      409,
      "submission_pending",
    );
    expectError(await api.post(`${d.url}/send-to-erp`, co.pm), 409, "submission_pending");

    const retrieved = await api.post(`${d.url}/retrieve-from-erp`, co.pm);
    expect(retrieved.status).toBe(200);
    expect(retrieved.body).toEqual({ id: sent.body.id, status: "retrieved" });
    const after = await api.get(d.url, co.viewer);
    expect(after.body).toMatchObject({
      locked: false,
      erpState: "not_sent",
      lastSubmission: { status: "retrieved" },
    });
    expectError(await api.post(`${d.url}/retrieve-from-erp`, co.pm), 409, "not_awaiting_acceptance");
    // Once sent, an approved commitment can no longer be voided.
    expectError(await api.post(`${d.url}/status`, co.pm, { status: "void" }), 409, "invalid_status_change");
    const history = await api.get(`${d.url}/submissions`, co.viewer);
    expect(history.body.items.map((s: Obj) => [s.id, s.status, s.totals.revisedEstimate])).toEqual([
      [sent.body.id, "retrieved", "133000.00"],
    ]);
    // A budget's history does not show a commitment's submission.
    const budget = await api.get(
      `/api/v1/companies/${co.companyId}/projects/${d.p.id}/budget/submissions`,
      co.viewer,
    );
    expect(budget.body.items).toEqual([]);
  });

  it("re-sends after an approved change order, comparing each line with what was last exported", async () => {
    const d = await approved();
    const first = await api.post(`${d.url}/send-to-erp`, co.pm);
    // As if the approver had accepted it and the export had finished: this snapshot is now what the ERP holds.
    await t.ctx.db
      .updateTable("submissions")
      .set({ status: "exported", exported_at: new Date() })
      .where("company_id", "=", co.companyId)
      .where("id", "=", first.body.id)
      .execute();
    const synced = await api.get(d.url, co.pm);
    expect(synced.body).toMatchObject({ locked: false, erpState: "synced" });
    expect(synced.body.lines.map((l: Obj) => l.exported)).toEqual(["120000.00", "8000.00"]);
    expectError(await api.post(`${d.url}/send-to-erp`, co.pm), 409, "nothing_new_to_send");

    const order = await api.post(`${d.url}/change-orders`, co.editor, {
      title: "Owner upgrades",
      lines: [
        { costCode: "09-250", category: "S", amount: "-2000.00" },
        { costCode: "26-100", category: "S", description: "Owner-requested outlets", amount: "3400.00" },
      ],
    });
    await api.post(`${d.url}/change-orders/${order.body.id}/approve`, co.pm);
    expect((await api.get(d.base, co.pm)).body.items[0].erpState).toBe("changes_to_send");
    const again = await api.post(`${d.url}/send-to-erp`, co.pm);
    expect(again.status, JSON.stringify(again.body)).toBe(201);
    const lines = await t.ctx.db
      .selectFrom("submission_lines")
      .select(["cost_code", "category", "revised_minor", "previously_exported_minor", "delta_minor"])
      .where("company_id", "=", co.companyId)
      .where("submission_id", "=", again.body.id)
      .orderBy("position")
      .execute();
    expect(
      lines.map((l) => [
        l.cost_code,
        l.category,
        l.revised_minor,
        l.previously_exported_minor,
        l.delta_minor,
      ]),
    ).toEqual([
      ["01-100", "L", 800_000n, 800_000n, 0n],
      ["09-250", "S", 11_800_000n, 12_000_000n, -200_000n],
      ["26-100", "S", 340_000n, 0n, 340_000n],
    ]);
  });

  it("creates exactly one submission when the same commitment is sent several times at once", async () => {
    const d = await approved();
    const answers = await Promise.all(
      Array.from({ length: 6 }, () => api.post(`${d.url}/send-to-erp`, co.pm)),
    );
    expect(answers.map((a) => a.status).sort()).toEqual([201, 409, 409, 409, 409, 409]);
    const rows = await t.ctx.db
      .selectFrom("submissions")
      .select("id")
      .where("company_id", "=", co.companyId)
      .where("commitment_id", "=", d.id)
      .execute();
    expect(rows).toHaveLength(1);
  });
});
