import * as D from "../../domain/index.js";
import { recordAudit } from "../audit.js";
import type { AppContext } from "../context.js";
import { type DocumentType, documentKind, documentRefOf } from "../documents/index.js";
import { fromDomain, orThrow } from "../domain-errors.js";
import { AppError } from "../errors.js";
import { applyTransition } from "../lifecycle/apply-transition.js";
import { type Actor, requireMembership } from "../membership.js";

export type Decision = { action: "accept" } | { action: "reject"; reason: unknown } | { action: "retry" };

/**
 * Accept, reject or retry one submission of the given kind of document (a budget's on the Budgets tab, a
 * commitment's on the Commitments tab; any other id is not found there): the lifecycle table decides, the status
 * changes by compare-and-set on the status read, and the table's effects (export job, emails, hand-back) commit in
 * the same transaction. Of any number of concurrent decisions exactly one wins; the others get 409.
 */
export async function decideSubmission(
  ctx: AppContext,
  actor: Actor,
  companyId: string,
  submissionId: string,
  decision: Decision,
  documentType: DocumentType = "budget",
): Promise<{ status: D.SubmissionStatus }> {
  const reason = decision.action === "reject" ? orThrow(D.validateRejectReason(decision.reason)) : null;
  return ctx.db.transaction().execute(async (tx) => {
    const m = await requireMembership(tx, actor.userId, companyId);
    const company = await tx
      .selectFrom("companies")
      .select(["separation_of_duties"])
      .where("id", "=", companyId)
      .executeTakeFirstOrThrow();
    // Lock the document first, as every command on it does, so decisions and edits never interleave.
    const head = await tx
      .selectFrom("submissions")
      .select(["project_id", "document_type", "budget_id", "commitment_id"])
      .where("company_id", "=", companyId)
      .where("id", "=", submissionId)
      .executeTakeFirst();
    if (!head || head.document_type !== documentType) {
      throw new AppError("not_found", "Submission was not found.");
    }
    const ref = documentRefOf(head);
    const kind = documentKind(ref.type);
    const document = await kind.lock(tx, companyId, ref);
    const s = await tx
      .selectFrom("submissions")
      .select(["status", "version", "project_id", "submitted_by"])
      .where("company_id", "=", companyId)
      .where("id", "=", submissionId)
      .executeTakeFirst();
    if (!s) throw new AppError("not_found", "Submission was not found.");
    const from = s.status as D.SubmissionStatus;
    const action: D.Action =
      decision.action === "accept"
        ? "accept_submission"
        : decision.action === "reject"
          ? "reject_submission"
          : "retry_export";
    const verdict = D.can(m, action, {
      actorId: actor.userId,
      separationOfDuties: company.separation_of_duties,
      submissionSentBy: s.submitted_by,
    });
    if (!verdict.ok) throw fromDomain(verdict.error);
    const now = ctx.now();
    const transition = await applyTransition(ctx, tx, {
      companyId,
      submissionId,
      command: decision.action,
      from,
      version: s.version,
      userId: actor.userId,
      now,
      columns: {
        decided_by: actor.userId,
        decided_at: now,
        decision_action: decision.action === "retry" ? "accept" : decision.action,
        ...(decision.action === "accept" ? { accepted_by: actor.userId } : {}),
        ...(reason !== null ? { reason } : {}),
      },
      facts: { document, submittedBy: s.submitted_by, ...(reason !== null ? { reason } : {}) },
    });
    await kind.touch(tx, companyId, ref, now);
    await recordAudit(tx, {
      companyId,
      actor: { kind: "user", userId: actor.userId },
      action: `submission.${decision.action === "accept" ? "accepted" : decision.action === "reject" ? "rejected" : "retried"}`,
      entityType: "submission",
      entityId: submissionId,
      data: {
        projectId: s.project_id,
        ...(ref.type === "commitment" ? { commitmentId: ref.id } : {}),
        from,
        to: transition.to,
        ...(reason ? { reason } : {}),
      },
      at: now,
    });
    return { status: transition.to };
  });
}
