import * as D from "../../domain/index.js";
import { newId } from "../../lib/ids.js";
import type { AppContext } from "../context.js";
import { orThrow } from "../domain-errors.js";
import type { Actor } from "../membership.js";
import { changeView, parseAdjustments, writeAdjustments } from "./change-rows.js";
import { audit, type Scope, withBudget } from "./with-budget.js";

export async function createChange(
  ctx: AppContext,
  actor: Actor,
  scope: Scope,
  input: { description: string; adjustments: { lineId: string; amount: unknown }[] },
) {
  return withBudget(ctx, actor, scope, "edit_budget", async (b, tx) => {
    const id = newId("chg");
    const { change } = orThrow(
      D.createChange(b.budget, {
        id,
        description: input.description,
        adjustments: parseAdjustments(input.adjustments),
      }),
    );
    await tx
      .insertInto("budget_changes")
      .values({
        company_id: scope.companyId,
        id,
        budget_id: b.budgetId,
        number: change.number,
        description: change.description,
        status: "draft",
        created_by: actor.userId,
      })
      .execute();
    await writeAdjustments(tx, scope.companyId, id, change.adjustments);
    await audit(tx, ctx, actor, scope, "budget.change_created", "budget_change", id, {
      number: change.number,
    });
    return changeView(change, false);
  });
}
