import type { AppContext } from "../context.js";
import type { DocumentType } from "../documents/index.js";
import { AppError } from "../errors.js";
import { type Actor, memberOf } from "../membership.js";
import { decideSubmission } from "./decide-submission.js";

export interface DecisionInput {
  submissionId: string;
  action: "accept" | "reject";
  reason?: string;
}

/**
 * The Export button of one tab (budgets or commitments): each decision stands alone; one failing does not stop the
 * others, and an id of the other tab's kind is not found here.
 */
export async function decideMany(
  ctx: AppContext,
  actor: Actor,
  companyId: string,
  decisions: DecisionInput[],
  documentType: DocumentType = "budget",
) {
  await memberOf(ctx.db, actor, companyId);
  const results = [];
  for (const d of decisions) {
    try {
      const r = await decideSubmission(
        ctx,
        actor,
        companyId,
        d.submissionId,
        d.action === "accept" ? { action: "accept" } : { action: "reject", reason: d.reason },
        documentType,
      );
      results.push({ submissionId: d.submissionId, ok: true, status: r.status });
    } catch (e) {
      if (!(e instanceof AppError)) throw e;
      results.push({
        submissionId: d.submissionId,
        ok: false,
        error: { code: e.code, message: e.message, ...(e.extra.field ? { field: e.extra.field } : {}) },
      });
    }
  }
  return { results };
}
