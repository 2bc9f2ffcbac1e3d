import * as D from "../../domain/index.js";
import type { AppContext } from "../context.js";
import type { Actor } from "../membership.js";
import { deleteBudgetRow, type Scope } from "./with-budget.js";

/** Deletes a draft change of the budget. */
export async function deleteChange(ctx: AppContext, actor: Actor, scope: Scope, changeId: string) {
  return deleteBudgetRow(ctx, actor, scope, "budget_changes", changeId, (b) =>
    D.deleteDraftChange(b, changeId),
  );
}
