import * as D from "../../domain/index.js";
import { newId } from "../../lib/ids.js";
import type { AppContext } from "../context.js";
import { documentSnapshot, loadCommitmentDocument } from "../documents/index.js";
import { fromDomain } from "../domain-errors.js";
import { applyTransition, snapshotColumns } from "../lifecycle/apply-transition.js";
import type { Actor } from "../membership.js";
import { commitmentSendFacts } from "./load.js";
import { auditCommitment, type CommitmentScope, withCommitment } from "./with-commitment.js";

/**
 * Send (or Re-send) a commitment to the ERP (docs/product.md §commitment-send-rules): every prerequisite, then a new
 * submission ready to export that carries the commitment, through the lifecycle table like a budget's.
 */
export async function sendCommitment(ctx: AppContext, actor: Actor, scope: CommitmentScope) {
  return withCommitment(ctx, actor, scope, "send_budget", async ({ c, record, tx, rights }) => {
    const refusal = D.refusalError(D.evaluateCommitmentSend(commitmentSendFacts(ctx, c, record, rights)));
    if (refusal) throw fromDomain(refusal);
    const snapshot = D.takeCommitmentSnapshot(record.commitment);
    const id = newId("sub");
    const now = ctx.now();
    const document = await loadCommitmentDocument(tx, scope.companyId, scope.commitmentId);
    const transition = await applyTransition(ctx, tx, {
      companyId: scope.companyId,
      submissionId: id,
      command: "send",
      from: null,
      userId: actor.userId,
      now,
      columns: {
        document_type: "commitment",
        commitment_id: scope.commitmentId,
        budget_id: null,
        project_id: scope.projectId,
        submitted_by: actor.userId,
        submitted_at: now,
        ...snapshotColumns(snapshot),
      },
      facts: {
        document,
        snapshot: documentSnapshot(snapshot, (code) => c.categories.get(code)?.name ?? code),
      },
    });
    await auditCommitment(
      tx,
      ctx,
      actor,
      scope,
      "submission.sent",
      { type: "submission", id },
      {
        document: "commitment",
        lines: snapshot.lines.length,
        revised: D.formatAmount(snapshot.totals.revisedEstimate),
        delta: D.formatAmount(snapshot.totals.delta),
      },
    );
    return { id, status: transition.to };
  });
}
