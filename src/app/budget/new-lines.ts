import type { Tx } from "../../db/database.js";
import * as D from "../../domain/index.js";
import { fromDomain } from "../domain-errors.js";
import { AppError } from "../errors.js";
import type { Actor } from "../membership.js";
import type { BudgetContext } from "./load.js";
import type { Scope } from "./with-budget.js";

/** A line as asked for, checked against the company's lists and the budget's rules; nothing written yet. */
export interface CheckedLine {
  line: D.BudgetLine;
  costCodeId: string;
  categoryId: string;
  categoryName: string;
  /** The budget with this line added, for checking the next one against it. */
  budget: D.Budget;
}

/**
 * The rules every new line passes, whether typed in or imported: an active cost code and a known category of the
 * company, an exact amount, then the domain's rules (no duplicate, $0 once locked, not while frozen). Returns the
 * refusal instead of throwing so an import can report every row.
 */
export function checkNewLine(
  b: Pick<BudgetContext, "costCodes" | "categories">,
  budget: D.Budget,
  id: string,
  input: { costCode: string; category: string; originalBudget: unknown },
): { ok: true; value: CheckedLine } | { ok: false; error: AppError } {
  const code = b.costCodes.get(input.costCode);
  if (!code?.active) {
    return {
      ok: false,
      error: new AppError("unknown_cost_code", `The company has no active cost code ${input.costCode}.`, {
        field: "costCode",
      }),
    };
  }
  const category = b.categories.get(input.category);
  if (!category) {
    return {
      ok: false,
      error: new AppError("unknown_category", `The company has no category ${input.category}.`, {
        field: "category",
      }),
    };
  }
  const amount = D.parseAmount(input.originalBudget, "originalBudget");
  if (!amount.ok) return { ok: false, error: fromDomain(amount.error) };
  const added = D.addLine(budget, {
    id,
    costCode: code.code,
    costCodeDescription: code.description,
    category: category.code,
    original: amount.value,
  });
  if (!added.ok) return { ok: false, error: fromDomain(added.error) };
  return {
    ok: true,
    value: {
      line: added.value.line,
      costCodeId: code.id,
      categoryId: category.id,
      categoryName: category.name,
      budget: added.value.budget,
    },
  };
}

/** Writes checked lines in one statement and makes the caller the budget's creator if it had none. */
export async function insertLines(
  tx: Tx,
  actor: Actor,
  scope: Scope,
  b: BudgetContext,
  lines: readonly CheckedLine[],
): Promise<void> {
  if (lines.length === 0) return;
  await tx
    .insertInto("budget_lines")
    .values(
      lines.map((l) => ({
        company_id: scope.companyId,
        id: l.line.id,
        budget_id: b.budgetId,
        cost_code_id: l.costCodeId,
        category_id: l.categoryId,
        original_minor: l.line.original,
        added_after_lock: b.budget.locked,
      })),
    )
    .execute();
  if (!b.creatorUserId) {
    await tx
      .updateTable("budgets")
      .set({ creator_user_id: actor.userId })
      .where("company_id", "=", scope.companyId)
      .where("id", "=", b.budgetId)
      .execute();
  }
}
