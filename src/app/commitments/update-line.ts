import * as D from "../../domain/index.js";
import { requireSomeField } from "../company/require-some-field.js";
import type { AppContext } from "../context.js";
import { orThrow } from "../domain-errors.js";
import type { Actor } from "../membership.js";
import { commitmentLineView } from "./queries.js";
import { auditCommitment, type CommitmentScope, withCommitment } from "./with-commitment.js";

export async function updateCommitmentLine(
  ctx: AppContext,
  actor: Actor,
  scope: CommitmentScope,
  lineId: string,
  patch: { amount?: unknown; description?: string },
) {
  requireSomeField(patch);
  return withCommitment(ctx, actor, scope, "edit_budget", async ({ record, tx }) => {
    const original = patch.amount === undefined ? undefined : orThrow(D.parseAmount(patch.amount, "amount"));
    const before = record.commitment.lines.find((l) => l.id === lineId);
    const { line } = orThrow(
      D.updateCommitmentLine(record.commitment, lineId, {
        ...(original !== undefined ? { original } : {}),
        ...(patch.description !== undefined ? { description: patch.description } : {}),
      }),
    );
    await tx
      .updateTable("commitment_lines")
      .set({ original_minor: line.original, description: line.description })
      .where("company_id", "=", scope.companyId)
      .where("id", "=", lineId)
      .execute();
    await auditCommitment(
      tx,
      ctx,
      actor,
      scope,
      "commitment.line_updated",
      { type: "commitment", id: scope.commitmentId },
      {
        lineId,
        costCode: line.costCode,
        category: line.category,
        ...(before && before.original !== line.original
          ? { amount: { from: D.formatAmount(before.original), to: D.formatAmount(line.original) } }
          : {}),
        ...(before && before.description !== line.description ? { descriptionChanged: true } : {}),
      },
    );
    return commitmentLineView({
      ...line,
      approvedChanges: 0n,
      revised: line.original,
      pendingChanges: 0n,
      exported: null,
    });
  });
}
