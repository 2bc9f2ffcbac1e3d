import * as D from "../../domain/index.js";
import { newId } from "../../lib/ids.js";
import type { AppContext } from "../context.js";
import { orThrow } from "../domain-errors.js";
import type { Actor } from "../membership.js";
import { type ChangeOrderLineInput, checkLineInputs, storeChangeOrderLines } from "./change-orders.js";
import { auditCommitment, type CommitmentScope, withCommitment } from "./with-commitment.js";

/** A pending change order on an approved commitment; its id. */
export async function createChangeOrder(
  ctx: AppContext,
  actor: Actor,
  scope: CommitmentScope,
  input: { title: string; lines: ChangeOrderLineInput[] },
) {
  return withCommitment(ctx, actor, scope, "edit_budget", async ({ c, record, tx }) => {
    const lines = checkLineInputs(c, input.lines);
    const { changeOrder } = orThrow(
      D.createChangeOrder(record.commitment, { id: newId("cco"), title: input.title, lines }),
    );
    await tx
      .insertInto("commitment_change_orders")
      .values({
        company_id: scope.companyId,
        id: changeOrder.id,
        commitment_id: scope.commitmentId,
        number: changeOrder.number,
        title: changeOrder.title,
        created_by: actor.userId,
        created_at: ctx.now(),
      })
      .execute();
    await storeChangeOrderLines(tx, scope.companyId, changeOrder.id, changeOrder.lines);
    await auditCommitment(
      tx,
      ctx,
      actor,
      scope,
      "commitment_change_order.created",
      {
        type: "commitment_change_order",
        id: changeOrder.id,
      },
      {
        number: changeOrder.number,
        title: changeOrder.title,
        total: D.formatAmount(D.changeOrderTotal(changeOrder)),
      },
    );
    return changeOrder.id;
  });
}
