import * as D from "../../domain/index.js";
import type { AppContext } from "../context.js";
import { orThrow } from "../domain-errors.js";
import type { Actor } from "../membership.js";
import { audit, type Scope, withBudget } from "./with-budget.js";

export async function deleteLine(ctx: AppContext, actor: Actor, scope: Scope, lineId: string) {
  return withBudget(ctx, actor, scope, "edit_budget", async (b, tx) => {
    orThrow(D.deleteLine(b.budget, lineId));
    await tx
      .deleteFrom("budget_lines")
      .where("company_id", "=", scope.companyId)
      .where("id", "=", lineId)
      .execute();
    await audit(tx, ctx, actor, scope, "budget.line_deleted", "budget_line", lineId);
  });
}
