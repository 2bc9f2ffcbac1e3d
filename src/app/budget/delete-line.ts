import * as D from "../../domain/index.js";
import type { AppContext } from "../context.js";
import type { Actor } from "../membership.js";
import { deleteBudgetRow, type Scope } from "./with-budget.js";

/** Deletes a line of the budget. */
export async function deleteLine(ctx: AppContext, actor: Actor, scope: Scope, lineId: string) {
  return deleteBudgetRow(ctx, actor, scope, "budget_lines", lineId, (b) => D.deleteLine(b, lineId));
}
