import * as D from "../../domain/index.js";
import type { AppContext } from "../context.js";
import { fromDomain } from "../domain-errors.js";
import { applyTransition } from "../lifecycle/apply-transition.js";
import type { Actor } from "../membership.js";
import { auditCommitment, type CommitmentScope, withCommitment } from "./with-commitment.js";

/** Retrieve from ERP: the sender takes the commitment's waiting submission back; this unlocks the commitment. */
export async function retrieveCommitment(ctx: AppContext, actor: Actor, scope: CommitmentScope) {
  return withCommitment(ctx, actor, scope, "retrieve_budget", async ({ record, tx, rights }) => {
    const refusal = D.refusalError(D.evaluateCommitmentRetrieve({ commitment: record.commitment, rights }));
    if (refusal) throw fromDomain(refusal);
    const pending = D.pendingCommitmentSubmission(record.commitment)!;
    const now = ctx.now();
    const transition = await applyTransition(ctx, tx, {
      companyId: scope.companyId,
      submissionId: pending.id,
      command: "retrieve",
      from: pending.status,
      userId: actor.userId,
      now,
      columns: { decided_by: actor.userId, decided_at: now, decision_action: "retrieve" },
      facts: {},
    });
    await auditCommitment(
      tx,
      ctx,
      actor,
      scope,
      "submission.retrieved",
      { type: "submission", id: pending.id },
      {
        document: "commitment",
      },
    );
    return { id: pending.id, status: transition.to };
  });
}
