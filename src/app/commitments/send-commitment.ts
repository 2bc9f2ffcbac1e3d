import type { Tx } from "../../db/database.js";
import * as D from "../../domain/index.js";
import { newId } from "../../lib/ids.js";
import type { AppContext } from "../context.js";
import type { DocumentSnapshot } from "../documents/types.js";
import { fromDomain } from "../domain-errors.js";
import { applyTransition } from "../lifecycle/apply-transition.js";
import { EFFECTS, type EffectHandlers } from "../lifecycle/effects.js";
import type { Actor } from "../membership.js";
import { type CommitmentsContext, commitmentSendFacts } from "./load.js";
import { auditCommitment, type CommitmentScope, withCommitment } from "./with-commitment.js";

/**
 * Stores a commitment's snapshot as its submission's lines: each line's original, approved changes and revised
 * amount, its own description, and what was last exported of it. This is the commitment's half of the lifecycle's
 * `take_snapshot` effect, whose handler reads a budget.
 */
export async function storeCommitmentSnapshot(
  tx: Tx,
  c: CommitmentsContext,
  companyId: string,
  submissionId: string,
  snapshot: D.SubmissionSnapshot,
) {
  if (snapshot.lines.length === 0) return;
  await tx
    .insertInto("submission_lines")
    .values(
      snapshot.lines.map((l, position) => ({
        company_id: companyId,
        submission_id: submissionId,
        position,
        line_id: l.lineId,
        cost_code: l.costCode,
        cost_code_description: l.costCodeDescription,
        category: l.category,
        category_name: c.categories.get(l.category)?.name ?? l.category,
        description: l.description ?? "",
        original_minor: l.original,
        budget_changes_minor: l.budgetChanges,
        revised_minor: l.revisedEstimate,
        previously_exported_minor: l.previouslyExported,
        delta_minor: l.delta,
      })),
    )
    .execute();
}

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
    const effects: EffectHandlers = {
      ...EFFECTS,
      take_snapshot: async () => storeCommitmentSnapshot(tx, c, scope.companyId, id, snapshot),
      // Approvers' notices name a budget; a commitment's are not sent from here.
      notify_approvers_if_enabled: async () => {},
    };
    const transition = await applyTransition(
      ctx,
      tx,
      {
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
          line_count: snapshot.lines.length,
          total_original_minor: snapshot.totals.original,
          total_changes_minor: snapshot.totals.budgetChanges,
          total_revised_minor: snapshot.totals.revisedEstimate,
          total_delta_minor: snapshot.totals.delta,
          change_ids: [...snapshot.changeIds],
        },
        // This send stores its own snapshot (take_snapshot above); the shared facts' snapshot shape is the
        // pipeline's, read only by the effects replaced here.
        facts: { snapshot: snapshot as unknown as DocumentSnapshot },
      },
      { effects },
    );
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
