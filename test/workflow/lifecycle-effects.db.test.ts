/**
 * The lifecycle table is the one place that says what a transition does: the applier runs exactly the effects a
 * row lists, and a table with a row changed makes the product behave differently.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { addLine } from "../../src/app/budget/add-line.js";
import { loadBudgetContext } from "../../src/app/budget/load.js";
import { lockBudget } from "../../src/app/budget/lock-budget.js";
import { sendToErp } from "../../src/app/budget/send-budget.js";
import { createProject } from "../../src/app/company/projects.js";
import { budgetDocument, loadCommitmentDocument } from "../../src/app/documents/index.js";
import {
  applyTransition,
  type TransitionRequest,
  type TransitionTable,
} from "../../src/app/lifecycle/apply-transition.js";
import { EFFECTS, type EffectHandlers } from "../../src/app/lifecycle/effects.js";
import * as D from "../../src/domain/index.js";
import { newId } from "../../src/lib/ids.js";
import { createTestApp, type TestApp } from "../support/app.js";
import { insertCommitment, sendCommitment } from "../support/commitments.js";
import { makeWorkflowCompany, markConnected } from "./world.js";

let t: TestApp;
let w: Awaited<ReturnType<typeof makeWorkflowCompany>>;

beforeAll(async () => {
  t = await createTestApp();
  w = await makeWorkflowCompany(t.ctx);
  await markConnected(t.ctx, w.companyId);
});
afterAll(async () => {
  await t?.close();
});

/** A project whose budget has one line and is locked, ready to be sent. */
async function lockedProject() {
  const actor = { userId: w.admin.id };
  const p = await createProject(t.ctx, actor, w.companyId, {
    number: newId("P").slice(0, 20),
    name: "Effects",
  });
  const scope = { companyId: w.companyId, projectId: p.id };
  await addLine(t.ctx, actor, scope, { costCode: "03-300", category: "M", originalBudget: "1200.00" });
  await lockBudget(t.ctx, actor, scope);
  return scope;
}

/** Effect handlers that only write down which effects ran, in order. */
function recorder() {
  const ran: D.TransitionEffect[] = [];
  const handlers = Object.fromEntries(
    Object.keys(EFFECTS).map((e) => [e, async () => void ran.push(e as D.TransitionEffect)]),
  ) as unknown as EffectHandlers;
  return { ran, handlers };
}

async function statusOf(submissionId: string) {
  const row = await t.ctx.db
    .selectFrom("submissions")
    .select("status")
    .where("company_id", "=", w.companyId)
    .where("id", "=", submissionId)
    .executeTakeFirstOrThrow();
  return row.status;
}

/** A submission of a fresh locked budget, put straight into `status`. */
async function submissionIn(status: D.SubmissionStatus) {
  const scope = await lockedProject();
  const sent = await sendToErp(t.ctx, { userId: w.admin.id }, scope);
  await t.ctx.db
    .updateTable("submissions")
    .set({ status })
    .where("company_id", "=", w.companyId)
    .where("id", "=", sent.id)
    .execute();
  return { scope, submissionId: sent.id };
}

function request(
  over: Pick<TransitionRequest, "submissionId" | "command" | "from"> & Partial<TransitionRequest>,
): TransitionRequest {
  return {
    companyId: w.companyId,
    userId: w.approver.id,
    now: new Date(),
    columns: {},
    facts: {},
    ...over,
  };
}

describe("the applier runs the table's effects", () => {
  for (const row of D.SUBMISSION_TRANSITIONS) {
    it(`${row.from ?? "(new)"} --${row.command}--> ${row.to} applies [${row.effects.join(", ")}]`, async () => {
      const { ran, handlers } = recorder();
      let submissionId: string;
      if (row.from === null) {
        const scope = await lockedProject();
        const b = await loadBudgetContext(t.ctx.db, scope.companyId, scope.projectId);
        submissionId = newId("sub");
        await t.ctx.db.transaction().execute((tx) =>
          applyTransition(
            t.ctx,
            tx,
            request({
              submissionId,
              command: row.command,
              from: null,
              columns: {
                budget_id: b.budgetId,
                project_id: scope.projectId,
                submitted_by: w.admin.id,
                line_count: 0,
                total_original_minor: 0n,
                total_changes_minor: 0n,
                total_revised_minor: 0n,
                total_delta_minor: 0n,
              },
            }),
            { effects: handlers },
          ),
        );
      } else {
        ({ submissionId } = await submissionIn(row.from));
        await t.ctx.db.transaction().execute((tx) =>
          applyTransition(t.ctx, tx, request({ submissionId, command: row.command, from: row.from }), {
            effects: handlers,
          }),
        );
      }
      expect(ran).toEqual(row.effects);
      expect(await statusOf(submissionId)).toBe(row.to);
    });
  }

  it("a command the table does not allow changes nothing and runs no effect", async () => {
    const { ran, handlers } = recorder();
    const { submissionId } = await submissionIn("rejected");
    await expect(
      t.ctx.db.transaction().execute((tx) =>
        applyTransition(t.ctx, tx, request({ submissionId, command: "accept", from: "rejected" }), {
          effects: handlers,
        }),
      ),
    ).rejects.toMatchObject({ code: "invalid_transition" });
    expect(ran).toEqual([]);
    expect(await statusOf(submissionId)).toBe("rejected");
  });
});

/** The domain's table with one row's effects replaced. */
function tableWith(command: D.SubmissionCommand, effects: readonly D.TransitionEffect[]): TransitionTable {
  return (from, cmd) => {
    const decided = D.decideTransition(from, cmd);
    return decided.ok && cmd === command ? { ok: true, value: { ...decided.value, effects } } : decided;
  };
}

async function budgetLocked(projectId: string) {
  const b = await loadBudgetContext(t.ctx.db, w.companyId, projectId);
  return b.budget.locked;
}

async function rejectionEmails(submissionId: string) {
  const rows = await t.ctx.db
    .selectFrom("email_outbox")
    .select("dedupe_key")
    .where("dedupe_key", "like", `rejection:${submissionId}:%`)
    .execute();
  return rows.length;
}

/** Rejects a waiting submission through the applier with the real effects and the given table. */
async function reject(table?: TransitionTable) {
  const { scope, submissionId } = await submissionIn("ready_to_export");
  await t.ctx.db.transaction().execute(async (tx) => {
    const budget = await loadBudgetContext(tx, scope.companyId, scope.projectId, { forUpdate: true });
    await applyTransition(
      t.ctx,
      tx,
      request({
        submissionId,
        command: "reject",
        from: "ready_to_export",
        columns: { decided_by: w.approver.id, decision_action: "reject", reason: "Wrong phase" },
        facts: { document: budgetDocument(budget), submittedBy: w.admin.id, reason: "Wrong phase" },
      }),
      table ? { table } : {},
    );
  });
  return { scope, submissionId };
}

describe("changing the table changes what a transition does", () => {
  it("as shipped, a rejection hands the budget back unlocked and emails its sender", async () => {
    const { scope, submissionId } = await reject();
    expect(await budgetLocked(scope.projectId)).toBe(false);
    expect(await rejectionEmails(submissionId)).toBe(1);
  });

  it("with return_document removed from the reject row, the budget stays locked", async () => {
    const { scope, submissionId } = await reject(tableWith("reject", ["notify_rejection"]));
    expect(await budgetLocked(scope.projectId)).toBe(true);
    expect(await rejectionEmails(submissionId)).toBe(1);
  });

  it("with notify_rejection removed from the reject row, nobody is emailed", async () => {
    const { scope, submissionId } = await reject(tableWith("reject", ["return_document"]));
    expect(await budgetLocked(scope.projectId)).toBe(false);
    expect(await rejectionEmails(submissionId)).toBe(0);
  });

  it("with return_document added to the retrieve row, a retrieve unlocks the budget too", async () => {
    const retrieve = async (table?: TransitionTable) => {
      const { scope, submissionId } = await submissionIn("ready_to_export");
      await t.ctx.db.transaction().execute(async (tx) => {
        const budget = await loadBudgetContext(tx, scope.companyId, scope.projectId, { forUpdate: true });
        await applyTransition(
          t.ctx,
          tx,
          request({
            submissionId,
            command: "retrieve",
            from: "ready_to_export",
            userId: w.admin.id,
            facts: { document: budgetDocument(budget) },
          }),
          table ? { table } : {},
        );
      });
      expect(await statusOf(submissionId)).toBe("retrieved");
      return budgetLocked(scope.projectId);
    };
    expect(await retrieve()).toBe(true);
    expect(await retrieve(tableWith("retrieve", ["return_document"]))).toBe(false);
  });
});

describe("the same table for a commitment", () => {
  /** Rejects a sent commitment through the applier with the real effects and the given table. */
  async function rejectCommitment(table?: TransitionTable) {
    const p = await createProject(t.ctx, { userId: w.admin.id }, w.companyId, {
      number: newId("C").slice(0, 20),
      name: "Commitment effects",
    });
    const c = await insertCommitment(t.ctx, w.companyId, {
      projectId: p.id,
      createdBy: w.editor.id,
      lines: [["09-250", "S", "900.00"]],
    });
    const submissionId = await sendCommitment(t.ctx, w.companyId, c.id, w.admin.id);
    await t.ctx.db.transaction().execute(async (tx) => {
      const document = await loadCommitmentDocument(tx, w.companyId, c.id, { forUpdate: true });
      await applyTransition(
        t.ctx,
        tx,
        request({
          submissionId,
          command: "reject",
          from: "ready_to_export",
          columns: { decided_by: w.approver.id, decision_action: "reject", reason: "Unsigned" },
          facts: { document, submittedBy: w.admin.id, reason: "Unsigned" },
        }),
        table ? { table } : {},
      );
    });
    const pending = await t.ctx.db
      .selectFrom("submissions")
      .select("id")
      .where("company_id", "=", w.companyId)
      .where("commitment_id", "=", c.id)
      .where("status", "in", [...D.PENDING_STATUSES])
      .execute();
    return { submissionId, pending: pending.length };
  }

  it("as shipped, a rejection leaves nothing pending and emails the commitment's creator and its sender", async () => {
    const { submissionId, pending } = await rejectCommitment();
    expect(pending).toBe(0);
    const to = await t.ctx.db
      .selectFrom("email_outbox")
      .select("to_email")
      .where("dedupe_key", "like", `rejection:${submissionId}:%`)
      .execute();
    expect(new Set(to.map((r) => r.to_email))).toEqual(new Set([w.editor.email, w.admin.email]));
  });

  it("with notify_rejection removed from the reject row, nobody is emailed about the commitment either", async () => {
    const { submissionId } = await rejectCommitment(tableWith("reject", ["return_document"]));
    expect(await rejectionEmails(submissionId)).toBe(0);
  });
});
