import * as D from "../../domain/index.js";
import type { AppContext } from "../context.js";
import { budgetDocument } from "../documents/index.js";
import { fromDomain } from "../domain-errors.js";
import { retrieveSubmission } from "../lifecycle/apply-transition.js";
import type { Actor } from "../membership.js";
import { audit, type Scope, withBudget } from "./with-budget.js";

/** Retrieve from ERP: the sender side takes a waiting submission back; compare-and-set on its status. */
export async function retrieveFromErp(ctx: AppContext, actor: Actor, scope: Scope) {
  return withBudget(ctx, actor, scope, "retrieve_budget", async (b, tx, rights) => {
    const refusal = D.refusalError(D.evaluateRetrieve({ budget: b.budget, rights }));
    if (refusal) throw fromDomain(refusal);
    const pending = D.pendingSubmission(b.budget)!;
    const transition = await retrieveSubmission(ctx, tx, scope.companyId, pending, actor.userId, {
      document: budgetDocument(b, scope.projectId),
    });
    await audit(tx, ctx, actor, scope, "submission.retrieved", "submission", pending.id);
    return { id: pending.id, status: transition.to };
  });
}
