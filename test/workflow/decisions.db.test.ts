/**
 * Decisions on submissions through the HTTP API: docs/product.md §reject, §retrieve, §compare-and-set (one
 * winner), §send-rules (one pending submission per budget), §permissions and §separation-of-duties,
 * §email-rejection (the rejection notice). No export runs here: accepting only has to queue it.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  budgetUrl,
  buildLockedBudget,
  erpUrl,
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

beforeAll(async () => {
  ({ t, co, other, api } = await twoCompanies({ connectOther: true }));
});
afterAll(async () => {
  await t?.close();
});

async function outbox(submissionId: string) {
  return t.ctx.db
    .selectFrom("email_outbox")
    .select(["to_email", "template", "payload"])
    .where("company_id", "=", co.companyId)
    .where("dedupe_key", "like", `%${submissionId}%`)
    .orderBy("to_email")
    .execute();
}

async function sentBudget(lines: [string, string, string][] = [["03-300", "L", "1000.00"]]) {
  const p = await makeProject(t.ctx, co.companyId);
  await buildLockedBudget(t, co.pm, co.companyId, p.id, lines);
  const id = await sendBudget(t, co.pm, co.companyId, p.id);
  return { p, id, base: budgetUrl(co.companyId, p.id) };
}

describe("reject (docs/product.md §reject, §email-rejection)", () => {
  it("hands a never-exported budget back unlocked and emails its creator and its sender", async () => {
    const p = await makeProject(t.ctx, co.companyId);
    const base = budgetUrl(co.companyId, p.id);
    // The editor adds the first line, so the editor is the budget's creator; the PM locks and sends.
    const first = await api.post(`${base}/lines`, co.editor, {
      costCode: "01-100",
      category: "L",
      originalBudget: "2500.00",
    });
    expect(first.status).toBe(201);
    await buildLockedBudget(t, co.pm, co.companyId, p.id, [["03-300", "M", "4000.00"]]);
    const id = await sendBudget(t, co.pm, co.companyId, p.id);

    const r = await api.post(`${erpUrl(co.companyId)}/${id}/reject`, co.approver, {
      reason: "  Concrete is over the bid; please re-check quantities.  ",
    });
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ status: "rejected" });

    const budget = await api.get(base, co.pm);
    expect(budget.body).toMatchObject({
      state: "unlocked",
      locked: false,
      ribbon: "yellow",
      lastSubmission: {
        id,
        status: "rejected",
        reason: "Concrete is over the bid; please re-check quantities.",
      },
    });
    // Editable again.
    const line = budget.body.lines.find((l: Obj) => l.costCode === "03-300");
    expect((await api.patch(`${base}/lines/${line.id}`, co.pm, { originalBudget: "3500.00" })).status).toBe(
      200,
    );

    const mails = await outbox(id);
    // Compared as sets: the database's collation and JavaScript may order the addresses differently.
    expect(new Set(mails.map((m) => `${m.to_email} ${m.template}`))).toEqual(
      new Set([`${co.editor.email} rejection-notice`, `${co.pm.email} rejection-notice`]),
    );
    expect(mails).toHaveLength(2);
    for (const m of mails) expect(JSON.stringify(m.payload)).toContain("Concrete is over the bid");

    const detail = await api.get(`${erpUrl(co.companyId)}/${id}`, co.viewer);
    expect(detail.body.decision).toMatchObject({
      action: "reject",
      by: "Aaron Approver",
      reason: "Concrete is over the bid; please re-check quantities.",
    });
    const list = await api.get(`${erpUrl(co.companyId)}?status=rejected,retrieved`, co.viewer);
    expect(list.body.items.find((i: Obj) => i.id === id)).toMatchObject({ status: "rejected" });
  });

  it("sends one email when the creator is also the sender; a budget with approved changes stays locked", async () => {
    const p = await makeProject(t.ctx, co.companyId);
    const base = budgetUrl(co.companyId, p.id);
    const ids = await buildLockedBudget(t, co.pm, co.companyId, p.id, [["05-120", "S", "9000.00"]]);
    const change = await api.post(`${base}/changes`, co.pm, {
      description: "Added bracing",
      adjustments: [{ lineId: ids["05-120 S"], amount: "750.00" }],
    });
    await api.post(`${base}/changes/${change.body.id}/approve`, co.pm);
    const id = await sendBudget(t, co.pm, co.companyId, p.id);
    expect(
      (await api.post(`${erpUrl(co.companyId)}/${id}/reject`, co.approver, { reason: "No" })).status,
    ).toBe(200);
    expect((await outbox(id)).map((m) => m.to_email)).toEqual([co.pm.email]);
    expect((await api.get(base, co.pm)).body).toMatchObject({ state: "locked", locked: true });
  });
});

describe("retrieve (docs/product.md §retrieve, §send-button)", () => {
  it("takes a waiting submission back; the budget stays locked and can be sent again", async () => {
    const { id, base } = await sentBudget();
    expectError(await api.post(`${base}/retrieve-from-erp`, co.editor), 403, "forbidden");
    const r = await api.post(`${base}/retrieve-from-erp`, co.pm);
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ id, status: "retrieved" });
    const budget = await api.get(base, co.pm);
    expect(budget.body).toMatchObject({
      state: "locked",
      ribbon: "yellow",
      sendButton: { label: "Send to ERP" },
      actions: { send: { allowed: true }, retrieve: { allowed: false } },
    });
    const again = await api.post(`${base}/retrieve-from-erp`, co.pm);
    expectError(again, 409, "not_awaiting_acceptance");
    const accept = await api.post(`${erpUrl(co.companyId)}/${id}/accept`, co.approver);
    const e = expectError(accept, 409, "invalid_transition");
    expect(e.message).toMatch(/retrieved/);
  });
});

describe("who may decide (docs/product.md §permissions)", () => {
  it("refuses a Standard user without Can Push to Accounting and a read-only PM (403), changing nothing", async () => {
    const { id } = await sentBudget();
    const before = await footprint(t.ctx, co.companyId);
    for (const user of [co.viewer, co.pm, co.editor]) {
      const accept = await api.post(`${erpUrl(co.companyId)}/${id}/accept`, user);
      const e = expectError(accept, 403, "forbidden");
      expect(e.message).toMatch(/Can Push to Accounting|erpIntegrations|ERP Integrations/i);
      expectError(
        await api.post(`${erpUrl(co.companyId)}/${id}/reject`, user, { reason: "x" }),
        403,
        "forbidden",
      );
    }
    const bulk = await api.post(`${erpUrl(co.companyId)}/decisions`, co.viewer, {
      decisions: [{ submissionId: id, action: "accept" }],
    });
    expect(bulk.status).toBe(200);
    expect(bulk.body.results).toEqual([
      { submissionId: id, ok: false, error: expect.objectContaining({ code: "forbidden" }) },
    ]);
    expect(await footprint(t.ctx, co.companyId)).toEqual(before);
    // They still see everything.
    expect((await api.get(`${erpUrl(co.companyId)}/${id}`, co.viewer)).status).toBe(200);
    expect((await api.get(`${erpUrl(co.companyId)}?status=ready_to_export`, co.viewer)).status).toBe(200);
  });

  it("answers users of another company 404 for every id, never revealing that it exists", async () => {
    const { id, p, base } = await sentBudget();
    const before = await footprint(t.ctx, co.companyId);
    const stranger = other.approver;
    expectError(await api.post(`${erpUrl(co.companyId)}/${id}/accept`, stranger), 404, "not_found");
    expectError(await api.get(`${erpUrl(co.companyId)}/${id}`, stranger), 404, "not_found");
    expectError(await api.get(`${erpUrl(co.companyId)}?status=ready_to_export`, stranger), 404, "not_found");
    expectError(await api.get(base, other.pm), 404, "not_found");
    expectError(await api.post(`${base}/retrieve-from-erp`, other.pm), 404, "not_found");
    // Their own company in the path, our ids in it.
    expectError(await api.post(`${erpUrl(other.companyId)}/${id}/accept`, stranger), 404, "not_found");
    expectError(await api.get(budgetUrl(other.companyId, p.id), other.pm), 404, "not_found");
    expect(await footprint(t.ctx, co.companyId)).toEqual(before);
  });

  it("separation of duties: the sender cannot accept their own budget; another approver can", async () => {
    await t.ctx.db
      .updateTable("companies")
      .set({ separation_of_duties: true })
      .where("id", "=", co.companyId)
      .execute();
    try {
      const p = await makeProject(t.ctx, co.companyId);
      // The admin may both send budgets and accept them.
      await buildLockedBudget(t, co.admin, co.companyId, p.id, [["26-100", "L", "100.00"]]);
      const id = await sendBudget(t, co.admin, co.companyId, p.id);
      const before = await footprint(t.ctx, co.companyId);
      expectError(
        await api.post(`${erpUrl(co.companyId)}/${id}/accept`, co.admin),
        403,
        "separation_of_duties",
      );
      expect(await footprint(t.ctx, co.companyId)).toEqual(before);
      const ok = await api.post(`${erpUrl(co.companyId)}/${id}/accept`, co.approver);
      expect(ok.status).toBe(202);
    } finally {
      await t.ctx.db
        .updateTable("companies")
        .set({ separation_of_duties: false })
        .where("id", "=", co.companyId)
        .execute();
    }
  });
});

describe("concurrency (docs/product.md §compare-and-set, §send-rules)", () => {
  it("12 concurrent decisions on one submission: exactly one wins, the other 11 get 409", async () => {
    const { id } = await sentBudget();
    const attempts = Array.from({ length: 12 }, (_, i) => {
      const user = i % 2 === 0 ? co.approver : co.approver2;
      return i % 3 === 0
        ? api.post(`${erpUrl(co.companyId)}/${id}/reject`, user, { reason: `Reject #${i}` })
        : api.post(`${erpUrl(co.companyId)}/${id}/accept`, user);
    });
    const replies = await Promise.all(attempts);
    const winners = replies.filter((r) => r.status < 300);
    const losers = replies.filter((r) => r.status >= 300);
    expect(winners).toHaveLength(1);
    expect(losers.map((r) => r.status)).toEqual(Array(11).fill(409));
    for (const l of losers) expect(["invalid_transition", "concurrent_update"]).toContain(l.body.error.code);

    const winner = winners[0]!.body.status as string;
    const detail = await api.get(`${erpUrl(co.companyId)}/${id}`, co.approver);
    expect(detail.body.status).toBe(winner);
    const decided = await t.ctx.db
      .selectFrom("audit_events")
      .select("action")
      .where("company_id", "=", co.companyId)
      .where("entity_id", "=", id)
      .where("action", "in", ["submission.accepted", "submission.rejected"])
      .execute();
    expect(decided).toHaveLength(1);
    const attemptsRows = await t.ctx.db
      .selectFrom("export_attempts")
      .select("attempt")
      .where("company_id", "=", co.companyId)
      .where("submission_id", "=", id)
      .execute();
    expect(attemptsRows).toHaveLength(winner === "exporting" ? 1 : 0);
  });

  it("concurrent sends of one budget create one submission; the others get 409", async () => {
    const p = await makeProject(t.ctx, co.companyId);
    const base = budgetUrl(co.companyId, p.id);
    await buildLockedBudget(t, co.pm, co.companyId, p.id, [["09-250", "E", "640.00"]]);
    const replies = await Promise.all(
      Array.from({ length: 6 }, () => api.post(`${base}/send-to-erp`, co.pm)),
    );
    expect(replies.filter((r) => r.status === 201)).toHaveLength(1);
    for (const r of replies.filter((x) => x.status !== 201)) expectError(r, 409, "submission_pending");
    const history = await api.get(`${base}/submissions`, co.pm);
    expect(history.body.items).toHaveLength(1);
  });
});

describe("the Export button (bulk decisions, docs/product.md §erp-decisions)", () => {
  it("carries out each choice independently and reports each result", async () => {
    const a = await sentBudget();
    const b = await sentBudget();
    const c = await sentBudget();
    const r = await api.post(`${erpUrl(co.companyId)}/decisions`, co.approver, {
      decisions: [
        { submissionId: a.id, action: "accept" },
        { submissionId: b.id, action: "reject", reason: "Wrong phase" },
        { submissionId: c.id, action: "reject", reason: "   " },
        { submissionId: "sub_does_not_exist", action: "accept" },
      ],
    });
    expect(r.status).toBe(200);
    expect(r.body.results).toEqual([
      { submissionId: a.id, ok: true, status: "exporting" },
      { submissionId: b.id, ok: true, status: "rejected" },
      { submissionId: c.id, ok: false, error: expect.objectContaining({ code: "reason_required" }) },
      {
        submissionId: "sub_does_not_exist",
        ok: false,
        error: expect.objectContaining({ code: "not_found" }),
      },
    ]);
    expect((await api.get(`${erpUrl(co.companyId)}/${c.id}`, co.approver)).body.status).toBe(
      "ready_to_export",
    );
  });

  it("keeps each budget's own reason; a rejection with no reason at all is a 400 naming the field", async () => {
    const a = await sentBudget();
    const b = await sentBudget();
    const r = await api.post(`${erpUrl(co.companyId)}/decisions`, co.approver, {
      decisions: [
        { submissionId: a.id, action: "reject", reason: "Split the labor line" },
        { submissionId: b.id, action: "reject", reason: "Wrong job" },
      ],
    });
    expect(r.body.results.map((x: Obj) => x.ok)).toEqual([true, true]);
    expect((await api.get(`${erpUrl(co.companyId)}/${a.id}`, co.approver)).body.decision.reason).toBe(
      "Split the labor line",
    );
    expect((await api.get(`${erpUrl(co.companyId)}/${b.id}`, co.approver)).body.decision.reason).toBe(
      "Wrong job",
    );

    const c = await sentBudget();
    const missing = await api.post(`${erpUrl(co.companyId)}/decisions`, co.approver, {
      decisions: [{ submissionId: c.id, action: "reject" }],
    });
    expect(missing.status).toBe(400);
    expect(missing.body.error.code).toEqual(expect.any(String));
    expect(missing.body.error.field).toMatch(/reason/);
  });

  it("the audit log names the budget each decision was about, never only its id", async () => {
    const a = await sentBudget();
    await api.post(`${erpUrl(co.companyId)}/decisions`, co.approver, {
      decisions: [{ submissionId: a.id, action: "reject", reason: "Named in the log" }],
    });
    const log = await api.get(
      `/api/v1/companies/${co.companyId}/audit-events?entityId=${encodeURIComponent(a.id)}`,
      co.admin,
    );
    expect(log.status).toBe(200);
    const rejected = log.body.items.find((e: Obj) => e.action === "submission.rejected");
    expect(rejected.subject).toEqual({ kind: "budget", name: `${a.p.number} ${a.p.name}` });
    expect(rejected.names).toEqual({ project: `${a.p.number} ${a.p.name}` });
  });
});
