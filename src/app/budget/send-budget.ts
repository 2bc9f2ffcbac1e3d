import * as D from "../../domain/index.js";
import { newId } from "../../lib/ids.js";
import type { AppContext } from "../context.js";
import { budgetDocument, budgetSnapshot } from "../documents/index.js";
import { fromDomain } from "../domain-errors.js";
import { applyTransition, snapshotColumns } from "../lifecycle/apply-transition.js";
import type { Actor } from "../membership.js";
import { audit, type Scope, withBudget } from "./with-budget.js";

/**
 * Send / Re-send to ERP: every prerequisite of rule 1, then a new submission; the lifecycle table's effects store
 * the immutable snapshot of its lines and tell the approvers.
 */
export async function sendToErp(ctx: AppContext, actor: Actor, scope: Scope) {
  return withBudget(ctx, actor, scope, "send_budget", async (b, tx, rights) => {
    const refusal = D.refusalError(D.evaluateSend({ ...b.facts, rights }));
    if (refusal) throw fromDomain(refusal);
    const snapshot = D.takeSnapshot(b.budget);
    const id = newId("sub");
    const now = ctx.now();
    const transition = await applyTransition(ctx, tx, {
      companyId: scope.companyId,
      submissionId: id,
      command: "send",
      from: null,
      userId: actor.userId,
      now,
      columns: {
        budget_id: b.budgetId,
        project_id: scope.projectId,
        submitted_by: actor.userId,
        submitted_at: now,
        ...snapshotColumns(snapshot),
      },
      facts: { document: budgetDocument(b, scope.projectId), snapshot: budgetSnapshot(b, snapshot) },
    });
    await audit(tx, ctx, actor, scope, "submission.sent", "submission", id, {
      lines: snapshot.lines.length,
      revisedEstimate: D.formatAmount(snapshot.totals.revisedEstimate),
      delta: D.formatAmount(snapshot.totals.delta),
    });
    return { id, status: transition.to };
  });
}
