import * as D from "../../domain/index.js";
import type { AppContext } from "../context.js";
import { fromDomain } from "../domain-errors.js";
import { retrieveSubmission } from "../lifecycle/apply-transition.js";
import type { Actor } from "../membership.js";
import { auditCommitment, type CommitmentScope, withCommitment } from "./with-commitment.js";

/** Retrieve from ERP: the sender takes the commitment's waiting submission back; this unlocks the commitment. */
export async function retrieveCommitment(ctx: AppContext, actor: Actor, scope: CommitmentScope) {
  return withCommitment(ctx, actor, scope, "retrieve_budget", async ({ record, tx, rights }) => {
    const refusal = D.refusalError(D.evaluateCommitmentRetrieve({ commitment: record.commitment, rights }));
    if (refusal) throw fromDomain(refusal);
    const pending = D.pendingCommitmentSubmission(record.commitment)!;
    const transition = await retrieveSubmission(ctx, tx, scope.companyId, pending, actor.userId, {});
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
