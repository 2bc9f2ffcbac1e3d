import * as D from "../../domain/index.js";
import type { AppContext } from "../context.js";
import { orThrow } from "../domain-errors.js";
import type { Actor } from "../membership.js";
import { audit, type Scope, withBudget } from "./with-budget.js";

export async function lockBudget(ctx: AppContext, actor: Actor, scope: Scope) {
  return withBudget(ctx, actor, scope, "lock_budget", async (b, tx) => {
    orThrow(D.lockBudget(b.budget));
    await tx
      .updateTable("budgets")
      .set({ locked: true })
      .where("company_id", "=", scope.companyId)
      .where("id", "=", b.budgetId)
      .execute();
    await audit(tx, ctx, actor, scope, "budget.locked", "budget", b.budgetId);
  });
}
