import * as D from "../../domain/index.js";
import { newId } from "../../lib/ids.js";
import type { AppContext } from "../context.js";
import { orThrow } from "../domain-errors.js";
import type { Actor } from "../membership.js";
import { requireCodes } from "./lines.js";
import { commitmentLineView } from "./queries.js";
import { auditCommitment, type CommitmentScope, withCommitment } from "./with-commitment.js";

export async function addCommitmentLine(
  ctx: AppContext,
  actor: Actor,
  scope: CommitmentScope,
  input: { costCode: string; category: string; description?: string; amount: unknown },
) {
  return withCommitment(ctx, actor, scope, "edit_budget", async ({ c, record, tx }) => {
    const { code, category } = requireCodes(c, input);
    const original = orThrow(D.parseAmount(input.amount, "amount"));
    const { line } = orThrow(
      D.addCommitmentLine(record.commitment, {
        id: newId("cml"),
        costCode: code.code,
        costCodeDescription: code.description,
        category: category.code,
        description: input.description ?? "",
        original,
      }),
    );
    await tx
      .insertInto("commitment_lines")
      .values({
        company_id: scope.companyId,
        id: line.id,
        commitment_id: scope.commitmentId,
        cost_code: line.costCode,
        category: line.category,
        description: line.description,
        original_minor: line.original,
        created_at: ctx.now(),
      })
      .execute();
    await auditCommitment(
      tx,
      ctx,
      actor,
      scope,
      "commitment.line_added",
      { type: "commitment", id: scope.commitmentId },
      {
        lineId: line.id,
        costCode: line.costCode,
        category: line.category,
        amount: D.formatAmount(line.original),
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
