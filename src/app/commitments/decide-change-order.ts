import * as D from "../../domain/index.js";
import { newId } from "../../lib/ids.js";
import type { AppContext } from "../context.js";
import { orThrow } from "../domain-errors.js";
import type { Actor } from "../membership.js";
import { auditCommitment, type CommitmentScope, withCommitment } from "./with-commitment.js";

/**
 * Approve or reject a pending change order (Budget Admin). Approving adds its amounts to the commitment; a cost
 * code × category the commitment lacks becomes a new line at original 0 that names this change order.
 */
export async function decideChangeOrder(
  ctx: AppContext,
  actor: Actor,
  scope: CommitmentScope,
  changeOrderId: string,
  decision: "approve" | "reject",
) {
  await withCommitment(ctx, actor, scope, "approve_budget_change", async ({ c, record, tx }) => {
    const now = ctx.now();
    const decided =
      decision === "approve"
        ? orThrow(
            D.approveChangeOrder(
              record.commitment,
              changeOrderId,
              () => newId("cml"),
              (code) => c.costCodes.get(code)?.description ?? "",
            ),
          )
        : { ...orThrow(D.rejectChangeOrder(record.commitment, changeOrderId)), addedLines: [] };
    const { changeOrder, addedLines } = decided;
    await tx
      .updateTable("commitment_change_orders")
      .set({ status: changeOrder.status, decided_by: actor.userId, decided_at: now })
      .where("company_id", "=", scope.companyId)
      .where("id", "=", changeOrderId)
      .execute();
    if (addedLines.length > 0) {
      await tx
        .insertInto("commitment_lines")
        .values(
          addedLines.map((l) => ({
            company_id: scope.companyId,
            id: l.id,
            commitment_id: scope.commitmentId,
            cost_code: l.costCode,
            category: l.category,
            description: l.description,
            original_minor: 0n,
            added_by_change_order_id: changeOrderId,
            created_at: now,
          })),
        )
        .execute();
    }
    await auditCommitment(
      tx,
      ctx,
      actor,
      scope,
      `commitment_change_order.${changeOrder.status}`,
      {
        type: "commitment_change_order",
        id: changeOrderId,
      },
      {
        number: changeOrder.number,
        title: changeOrder.title,
        total: D.formatAmount(D.changeOrderTotal(changeOrder)),
        ...(addedLines.length > 0
          ? { addedLines: addedLines.map((l) => `${l.costCode} ${l.category}`) }
          : {}),
      },
    );
  });
}
