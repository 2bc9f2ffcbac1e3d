import * as D from "../../domain/index.js";
import type { AppContext } from "../context.js";
import { orThrow } from "../domain-errors.js";
import type { Actor } from "../membership.js";
import { storeChangeOrderLines } from "./change-orders.js";
import { auditCommitment, type CommitmentScope, withCommitment } from "./with-commitment.js";

/** A pending change order may be deleted; a decided one stays as history. */
export async function deleteChangeOrder(
  ctx: AppContext,
  actor: Actor,
  scope: CommitmentScope,
  changeOrderId: string,
) {
  await withCommitment(ctx, actor, scope, "edit_budget", async ({ record, tx }) => {
    const { changeOrder } = orThrow(D.deleteChangeOrder(record.commitment, changeOrderId));
    await storeChangeOrderLines(tx, scope.companyId, changeOrderId, []);
    await tx
      .deleteFrom("commitment_change_orders")
      .where("company_id", "=", scope.companyId)
      .where("id", "=", changeOrderId)
      .execute();
    await auditCommitment(
      tx,
      ctx,
      actor,
      scope,
      "commitment_change_order.deleted",
      {
        type: "commitment_change_order",
        id: changeOrderId,
      },
      { number: changeOrder.number, title: changeOrder.title },
    );
  });
}
