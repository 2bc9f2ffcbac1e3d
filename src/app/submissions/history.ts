import type { Executor } from "../../db/database.js";
import * as D from "../../domain/index.js";

/**
 * A document's submissions, newest first, as its history panel shows them (a budget's or a commitment's): who sent
 * each, its totals, the decision taken on it, and whether a later export replaced what it wrote.
 */
export async function submissionHistory(
  db: Executor,
  companyId: string,
  of: { budgetId: string } | { commitmentId: string },
) {
  const rows = await db
    .selectFrom("submissions")
    .innerJoin("users", "users.id", "submissions.submitted_by")
    .leftJoin("users as decider", "decider.id", "submissions.decided_by")
    .select([
      "submissions.id",
      "submissions.status",
      "submissions.submitted_at",
      "submissions.line_count",
      "submissions.total_revised_minor",
      "submissions.total_delta_minor",
      "submissions.decided_at",
      "submissions.decision_action",
      "submissions.reason",
      "submissions.exported_at",
      "submissions.replaced_by",
      "users.id as sender_id",
      "users.name as sender_name",
      "users.email as sender_email",
      "decider.name as decider_name",
    ])
    .where("submissions.company_id", "=", companyId)
    .where((eb) =>
      "budgetId" in of
        ? eb("submissions.budget_id", "=", of.budgetId)
        : eb("submissions.commitment_id", "=", of.commitmentId),
    )
    .orderBy("submissions.submitted_at", "desc")
    .orderBy("submissions.id", "desc")
    .limit(200)
    .execute();
  return {
    items: rows.map((r) => ({
      id: r.id,
      status: r.status,
      submittedAt: r.submitted_at.toISOString(),
      submittedBy: { id: r.sender_id, name: r.sender_name, email: r.sender_email },
      lineCount: r.line_count,
      totals: {
        revisedEstimate: D.formatAmount(r.total_revised_minor),
        delta: D.formatAmount(r.total_delta_minor),
      },
      decision: r.decision_action
        ? {
            action: r.decision_action,
            by: r.decider_name,
            at: r.decided_at?.toISOString() ?? null,
            reason: r.reason,
          }
        : null,
      exportedAt: r.exported_at?.toISOString() ?? null,
      /** A later export of the same document overwrote what this one wrote. */
      replaced: r.replaced_by !== null,
    })),
  };
}
