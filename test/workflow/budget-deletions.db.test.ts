/**
 * Deleting a budget line or a draft budget change through the API: the row goes, the audit log says who removed
 * what on which project, and the rules that keep a line or change in place answer with their code.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { budgetUrl, expectError, makeProject, type TwoCompanies, twoCompanies } from "./fixture.js";

let t: TwoCompanies["t"];
let co: TwoCompanies["co"];
let api: TwoCompanies["api"];

beforeAll(async () => {
  ({ t, co, api } = await twoCompanies());
});
afterAll(async () => {
  await t?.close();
});

async function auditOf(action: string, entityId: string) {
  return t.ctx.db
    .selectFrom("audit_events")
    .select(["actor_user_id", "entity_type", "data"])
    .where("company_id", "=", co.companyId)
    .where("action", "=", action)
    .where("entity_id", "=", entityId)
    .execute();
}

describe("deleting budget lines and draft changes", () => {
  it("a line deleted from an unlocked budget is gone, and the audit log names it and its project", async () => {
    const p = await makeProject(t.ctx, co.companyId);
    const base = budgetUrl(co.companyId, p.id);
    const keep = await api.post(`${base}/lines`, co.pm, {
      costCode: "01-100",
      category: "L",
      originalBudget: "10.00",
    });
    const drop = await api.post(`${base}/lines`, co.pm, {
      costCode: "03-300",
      category: "M",
      originalBudget: "5.00",
    });

    expect((await api.del(`${base}/lines/${drop.body.id}`, co.pm)).status).toBe(204);

    const after = await api.get(base, co.pm);
    expect(after.body.lines.map((l: { id: string }) => l.id)).toEqual([keep.body.id]);
    expect(after.body.totals.originalBudget).toBe("10.00");
    const audit = await auditOf("budget.line_deleted", drop.body.id);
    expect(audit).toEqual([
      {
        actor_user_id: co.pm.id,
        entity_type: "budget_line",
        data: expect.objectContaining({ projectId: p.id }),
      },
    ]);
    // Deleting it again finds nothing.
    expectError(await api.del(`${base}/lines/${drop.body.id}`, co.pm), 404, "line_not_found");
  });

  it("a locked budget keeps its lines with an original amount, and a line a change adjusts stays", async () => {
    const p = await makeProject(t.ctx, co.companyId);
    const base = budgetUrl(co.companyId, p.id);
    const line = await api.post(`${base}/lines`, co.pm, {
      costCode: "01-100",
      category: "L",
      originalBudget: "10.00",
    });
    expect((await api.post(`${base}/lock`, co.pm)).status).toBe(200);

    expectError(await api.del(`${base}/lines/${line.body.id}`, co.pm), 409, "budget_locked");

    const change = await api.post(`${base}/changes`, co.pm, {
      description: "Extra labour",
      adjustments: [{ lineId: line.body.id, amount: "2.00" }],
    });
    expect(change.status).toBe(201);
    expectError(await api.del(`${base}/lines/${line.body.id}`, co.pm), 409, "line_has_changes");
    expect((await api.get(base, co.pm)).body.lines).toHaveLength(1);
    expect(await auditOf("budget.line_deleted", line.body.id)).toEqual([]);
  });

  it("a draft change deleted is gone with its audit entry; an approved one cannot be deleted", async () => {
    const p = await makeProject(t.ctx, co.companyId);
    const base = budgetUrl(co.companyId, p.id);
    const line = await api.post(`${base}/lines`, co.pm, {
      costCode: "01-100",
      category: "L",
      originalBudget: "10.00",
    });
    expect((await api.post(`${base}/lock`, co.pm)).status).toBe(200);
    const adjust = { adjustments: [{ lineId: line.body.id, amount: "1.00" }] };
    const draft = await api.post(`${base}/changes`, co.pm, { description: "Draft", ...adjust });
    const approved = await api.post(`${base}/changes`, co.pm, { description: "Approved", ...adjust });
    expect((await api.post(`${base}/changes/${approved.body.id}/approve`, co.pm)).status).toBe(200);

    expect((await api.del(`${base}/changes/${draft.body.id}`, co.pm)).status).toBe(204);
    expectError(await api.del(`${base}/changes/${approved.body.id}`, co.pm), 409, "change_not_draft");

    const changes = await api.get(`${base}/changes`, co.pm);
    expect(changes.body.items.map((c: { id: string }) => c.id)).toEqual([approved.body.id]);
    expect(await auditOf("budget.change_deleted", draft.body.id)).toEqual([
      {
        actor_user_id: co.pm.id,
        entity_type: "budget_change",
        data: expect.objectContaining({ projectId: p.id }),
      },
    ]);
    expect(await auditOf("budget.change_deleted", approved.body.id)).toEqual([]);
  });
});
