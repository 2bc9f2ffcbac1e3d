import * as D from "../../domain/index.js";
import type { AppContext } from "../context.js";
import { orThrow } from "../domain-errors.js";
import type { Actor } from "../membership.js";
import { changeView, parseAdjustments, writeAdjustments } from "./change-rows.js";
import { audit, type Scope, withBudget } from "./with-budget.js";

export async function updateChange(
  ctx: AppContext,
  actor: Actor,
  scope: Scope,
  changeId: string,
  input: { description?: string; adjustments?: { lineId: string; amount: unknown }[] },
) {
  return withBudget(ctx, actor, scope, "edit_budget", async (b, tx) => {
    const { change } = orThrow(
      D.updateDraftChange(b.budget, changeId, {
        ...(input.description !== undefined ? { description: input.description } : {}),
        ...(input.adjustments !== undefined ? { adjustments: parseAdjustments(input.adjustments) } : {}),
      }),
    );
    await tx
      .updateTable("budget_changes")
      .set({ description: change.description })
      .where("company_id", "=", scope.companyId)
      .where("id", "=", changeId)
      .execute();
    if (input.adjustments !== undefined)
      await writeAdjustments(tx, scope.companyId, changeId, change.adjustments);
    await audit(tx, ctx, actor, scope, "budget.change_updated", "budget_change", changeId);
    return changeView(change, false);
  });
}
