import * as D from "../../domain/index.js";
import type { AppContext } from "../context.js";
import { orThrow } from "../domain-errors.js";
import type { Actor } from "../membership.js";
import { auditCommitment, type CommitmentScope, withCommitment } from "./with-commitment.js";

export async function deleteCommitmentLine(
  ctx: AppContext,
  actor: Actor,
  scope: CommitmentScope,
  lineId: string,
) {
  await withCommitment(ctx, actor, scope, "edit_budget", async ({ record, tx }) => {
    const { line } = orThrow(D.deleteCommitmentLine(record.commitment, lineId));
    await tx
      .deleteFrom("commitment_lines")
      .where("company_id", "=", scope.companyId)
      .where("id", "=", lineId)
      .execute();
    await auditCommitment(
      tx,
      ctx,
      actor,
      scope,
      "commitment.line_deleted",
      { type: "commitment", id: scope.commitmentId },
      {
        lineId,
        costCode: line.costCode,
        category: line.category,
        amount: D.formatAmount(line.original),
      },
    );
  });
}
