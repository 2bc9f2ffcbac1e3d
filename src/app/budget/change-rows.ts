import type { Tx } from "../../db/database.js";
import * as D from "../../domain/index.js";
import type { AppContext } from "../context.js";
import { orThrow } from "../domain-errors.js";
import type { Actor } from "../membership.js";
import { audit, type Scope, withBudget } from "./with-budget.js";

export function parseAdjustments(raw: { lineId: string; amount: unknown }[]) {
  return raw.map((a, i) => ({
    lineId: a.lineId,
    amount: orThrow(D.parseAmount(a.amount, `adjustments[${i}].amount`)),
  }));
}

export async function writeAdjustments(
  tx: Tx,
  companyId: string,
  changeId: string,
  adjustments: readonly D.Adjustment[],
) {
  await tx
    .deleteFrom("budget_change_adjustments")
    .where("company_id", "=", companyId)
    .where("change_id", "=", changeId)
    .execute();
  if (adjustments.length === 0) return;
  await tx
    .insertInto("budget_change_adjustments")
    .values(
      adjustments.map((a) => ({
        company_id: companyId,
        change_id: changeId,
        line_id: a.lineId,
        amount_minor: a.amount,
      })),
    )
    .execute();
}

export function changeView(c: D.BudgetChange, exported: boolean) {
  return {
    id: c.id,
    number: c.number,
    description: c.description,
    status: c.status,
    exported,
    adjustments: c.adjustments.map((a) => ({ lineId: a.lineId, amount: D.formatAmount(a.amount) })),
    total: D.formatAmount(D.sumAmounts(c.adjustments.map((a) => a.amount))),
  };
}

/** Approve or void a draft change: the same steps, under the right each verb needs. */
export async function decideChange(
  ctx: AppContext,
  actor: Actor,
  scope: Scope,
  changeId: string,
  kind: "approve" | "void",
) {
  return withBudget(
    ctx,
    actor,
    scope,
    kind === "approve" ? "approve_budget_change" : "void_budget_change",
    async (b, tx) => {
      const { change } = orThrow(
        kind === "approve" ? D.approveChange(b.budget, changeId) : D.voidChange(b.budget, changeId),
      );
      await tx
        .updateTable("budget_changes")
        .set({ status: change.status, decided_by: actor.userId, decided_at: ctx.now() })
        .where("company_id", "=", scope.companyId)
        .where("id", "=", changeId)
        .execute();
      await audit(
        tx,
        ctx,
        actor,
        scope,
        `budget.change_${kind === "approve" ? "approved" : "voided"}`,
        "budget_change",
        changeId,
      );
      return changeView(change, false);
    },
  );
}
