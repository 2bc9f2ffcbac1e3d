import * as D from "../../domain/index.js";
import type { AppContext } from "../context.js";
import { orThrow } from "../domain-errors.js";
import type { Actor } from "../membership.js";
import { audit, type Scope, withBudget } from "./with-budget.js";

export async function deleteChange(ctx: AppContext, actor: Actor, scope: Scope, changeId: string) {
  return withBudget(ctx, actor, scope, "edit_budget", async (b, tx) => {
    orThrow(D.deleteDraftChange(b.budget, changeId));
    await tx
      .deleteFrom("budget_changes")
      .where("company_id", "=", scope.companyId)
      .where("id", "=", changeId)
      .execute();
    await audit(tx, ctx, actor, scope, "budget.change_deleted", "budget_change", changeId);
  });
}
