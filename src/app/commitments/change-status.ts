import * as D from "../../domain/index.js";
import type { AppContext } from "../context.js";
import { fromDomain, orThrow } from "../domain-errors.js";
import type { Actor } from "../membership.js";
import { auditCommitment, type CommitmentScope, withCommitment } from "./with-commitment.js";

/**
 * Moves a commitment along its statuses (docs/product.md §commitment-status). Approving it, or voiding an approved
 * one, is a decision on what the company owes, so it takes the right to approve budget changes; the other moves take
 * the edit right.
 */
export async function changeCommitmentStatus(
  ctx: AppContext,
  actor: Actor,
  scope: CommitmentScope,
  to: D.CommitmentStatus,
) {
  const action: D.Action = to === "approved" ? "approve_budget_change" : "edit_budget";
  await withCommitment(ctx, actor, scope, action, async ({ record, tx, rights }) => {
    const from = record.commitment.status;
    if (from === "approved") {
      const verdict = D.can(rights, "approve_budget_change");
      if (!verdict.ok) throw fromDomain(verdict.error);
    }
    orThrow(D.changeCommitmentStatus(record.commitment, to));
    await tx
      .updateTable("commitments")
      .set({ status: to })
      .where("company_id", "=", scope.companyId)
      .where("id", "=", scope.commitmentId)
      .execute();
    await auditCommitment(
      tx,
      ctx,
      actor,
      scope,
      "commitment.status_changed",
      {
        type: "commitment",
        id: scope.commitmentId,
      },
      { from, to },
    );
  });
}
