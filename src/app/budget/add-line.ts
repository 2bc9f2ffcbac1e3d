import * as D from "../../domain/index.js";
import { newId } from "../../lib/ids.js";
import type { AppContext } from "../context.js";
import type { Actor } from "../membership.js";
import { checkNewLine, insertLines } from "./new-lines.js";
import { audit, type Scope, withBudget } from "./with-budget.js";

export async function addLine(
  ctx: AppContext,
  actor: Actor,
  scope: Scope,
  input: { costCode: string; category: string; originalBudget: unknown },
) {
  return withBudget(ctx, actor, scope, "edit_budget", async (b, tx) => {
    const checked = checkNewLine(b, b.budget, newId("ln"), input);
    if (!checked.ok) throw checked.error;
    const { line, categoryName } = checked.value;
    await insertLines(tx, actor, scope, b, [checked.value]);
    await audit(tx, ctx, actor, scope, "budget.line_added", "budget_line", line.id, {
      costCode: line.costCode,
      category: line.category,
      originalBudget: D.formatAmount(line.original),
    });
    return {
      ...line,
      budgetChanges: 0n,
      revisedEstimate: line.original,
      exported: false,
      categoryName,
    };
  });
}
