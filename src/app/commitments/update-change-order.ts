import * as D from "../../domain/index.js";
import { requireSomeField } from "../company/require-some-field.js";
import type { AppContext } from "../context.js";
import { orThrow } from "../domain-errors.js";
import type { Actor } from "../membership.js";
import { type ChangeOrderLineInput, checkLineInputs, storeChangeOrderLines } from "./change-orders.js";
import { auditCommitment, type CommitmentScope, withCommitment } from "./with-commitment.js";

export async function updateChangeOrder(
  ctx: AppContext,
  actor: Actor,
  scope: CommitmentScope,
  changeOrderId: string,
  patch: { title?: string; lines?: ChangeOrderLineInput[] },
) {
  requireSomeField(patch);
  await withCommitment(ctx, actor, scope, "edit_budget", async ({ c, record, tx }) => {
    const lines = patch.lines === undefined ? undefined : checkLineInputs(c, patch.lines);
    const { changeOrder } = orThrow(
      D.updateChangeOrder(record.commitment, changeOrderId, {
        ...(patch.title !== undefined ? { title: patch.title } : {}),
        ...(lines !== undefined ? { lines } : {}),
      }),
    );
    await tx
      .updateTable("commitment_change_orders")
      .set({ title: changeOrder.title })
      .where("company_id", "=", scope.companyId)
      .where("id", "=", changeOrderId)
      .execute();
    if (lines !== undefined)
      await storeChangeOrderLines(tx, scope.companyId, changeOrderId, changeOrder.lines);
    await auditCommitment(
      tx,
      ctx,
      actor,
      scope,
      "commitment_change_order.updated",
      {
        type: "commitment_change_order",
        id: changeOrderId,
      },
      {
        number: changeOrder.number,
        title: changeOrder.title,
        total: D.formatAmount(D.changeOrderTotal(changeOrder)),
      },
    );
  });
}
