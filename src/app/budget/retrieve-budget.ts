import { sql } from "kysely";
import * as D from "../../domain/index.js";
import type { AppContext } from "../context.js";
import { fromDomain, orThrow } from "../domain-errors.js";
import type { Actor } from "../membership.js";
import { audit, type Scope, withBudget } from "./with-budget.js";

/** Retrieve from ERP: the sender side takes a waiting submission back; compare-and-set on its status. */
export async function retrieveFromErp(ctx: AppContext, actor: Actor, scope: Scope) {
  return withBudget(ctx, actor, scope, "retrieve_budget", async (b, tx, rights) => {
    const refusal = D.refusalError(D.evaluateRetrieve({ budget: b.budget, rights }));
    if (refusal) throw fromDomain(refusal);
    const pending = D.pendingSubmission(b.budget)!;
    const transition = orThrow(D.decideTransition(pending.status, "retrieve"));
    const updated = await tx
      .updateTable("submissions")
      .set({
        status: transition.to,
        version: sql`version + 1`,
        decided_by: actor.userId,
        decided_at: ctx.now(),
        decision_action: "retrieve",
        updated_at: ctx.now(),
      })
      .where("company_id", "=", scope.companyId)
      .where("id", "=", pending.id)
      .where("status", "=", pending.status)
      .returning(["id", "status"])
      .executeTakeFirst();
    if (!updated) throw fromDomain(D.domainError("concurrent_update"));
    await audit(tx, ctx, actor, scope, "submission.retrieved", "submission", pending.id);
    return updated;
  });
}
