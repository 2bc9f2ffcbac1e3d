import * as D from "../../domain/index.js";
import type { AppContext } from "../context.js";
import { orThrow } from "../domain-errors.js";
import type { Actor } from "../membership.js";
import { audit, type Scope, withBudget } from "./with-budget.js";

export async function updateLine(
  ctx: AppContext,
  actor: Actor,
  scope: Scope,
  lineId: string,
  input: { originalBudget: unknown },
) {
  return withBudget(ctx, actor, scope, "edit_budget", async (b, tx) => {
    const original = orThrow(D.parseAmount(input.originalBudget, "originalBudget"));
    const { budget, line } = orThrow(D.updateLineOriginal(b.budget, lineId, original));
    await tx
      .updateTable("budget_lines")
      .set({ original_minor: original })
      .where("company_id", "=", scope.companyId)
      .where("id", "=", lineId)
      .execute();
    await audit(tx, ctx, actor, scope, "budget.line_updated", "budget_line", lineId, {
      originalBudget: D.formatAmount(original),
    });
    const derived = D.deriveLines(budget).find((l) => l.id === line.id)!;
    return { ...derived, categoryName: b.categories.get(derived.category)?.name ?? derived.category };
  });
}
