import type { Tx } from "../../db/database.js";
import * as D from "../../domain/index.js";
import { newId } from "../../lib/ids.js";
import type { AppContext } from "../context.js";
import { fromDomain, orThrow } from "../domain-errors.js";
import { queueEmail } from "../email-outbox.js";
import type { Actor } from "../membership.js";
import type { BudgetContext } from "./load.js";
import { audit, type Scope, withBudget } from "./with-budget.js";

/** Send / Re-send to ERP: every prerequisite of rule 1, then an immutable snapshot as a new submission. */
export async function sendToErp(ctx: AppContext, actor: Actor, scope: Scope) {
  return withBudget(ctx, actor, scope, "send_budget", async (b, tx, rights) => {
    const refusal = D.refusalError(D.evaluateSend({ ...b.facts, rights }));
    if (refusal) throw fromDomain(refusal);
    const transition = orThrow(D.decideTransition(null, "send"));
    const snapshot = D.takeSnapshot(b.budget);
    const id = newId("sub");
    const now = ctx.now();
    await tx
      .insertInto("submissions")
      .values({
        company_id: scope.companyId,
        id,
        budget_id: b.budgetId,
        project_id: scope.projectId,
        status: transition.to,
        submitted_by: actor.userId,
        submitted_at: now,
        line_count: snapshot.lines.length,
        total_original_minor: snapshot.totals.original,
        total_changes_minor: snapshot.totals.budgetChanges,
        total_revised_minor: snapshot.totals.revisedEstimate,
        total_delta_minor: snapshot.totals.delta,
        change_ids: [...snapshot.changeIds],
        updated_at: now,
      })
      .execute();
    await tx
      .insertInto("submission_lines")
      .values(
        snapshot.lines.map((l, position) => ({
          company_id: scope.companyId,
          submission_id: id,
          position,
          line_id: l.lineId,
          cost_code: l.costCode,
          cost_code_description: l.costCodeDescription,
          category: l.category,
          category_name: b.categories.get(l.category)?.name ?? l.category,
          original_minor: l.original,
          budget_changes_minor: l.budgetChanges,
          revised_minor: l.revisedEstimate,
          previously_exported_minor: l.previouslyExported,
          delta_minor: l.delta,
        })),
      )
      .execute();
    await audit(tx, ctx, actor, scope, "submission.sent", "submission", id, {
      lines: snapshot.lines.length,
      revisedEstimate: D.formatAmount(snapshot.totals.revisedEstimate),
      delta: D.formatAmount(snapshot.totals.delta),
    });
    if (transition.effects.includes("notify_approvers_if_enabled") && b.company.notifyApproversOnSend) {
      await notifyApproversOfSend(ctx, tx, b, actor, id, snapshot, now);
    }
    return { id, status: transition.to };
  });
}

async function notifyApproversOfSend(
  ctx: AppContext,
  tx: Tx,
  b: BudgetContext,
  actor: Actor,
  submissionId: string,
  snapshot: D.SubmissionSnapshot,
  now: Date,
) {
  const approvers = await tx
    .selectFrom("directory_entries")
    .innerJoin("users", "users.id", "directory_entries.user_id")
    .select(["users.id", "users.email", "users.name"])
    .where("directory_entries.company_id", "=", b.company.id)
    .where("directory_entries.active", "=", true)
    .where("directory_entries.can_push_to_accounting", "=", true)
    .where("directory_entries.erp_integrations", "in", ["standard", "admin"])
    .execute();
  const sender = await tx
    .selectFrom("users")
    .select("name")
    .where("id", "=", actor.userId)
    .executeTakeFirstOrThrow();
  for (const a of approvers) {
    await queueEmail(tx, {
      companyId: b.company.id,
      dedupeKey: `awaiting-acceptance:${submissionId}:${a.id}`,
      to: a.email,
      message: {
        template: "awaiting-acceptance",
        data: {
          publicUrl: ctx.config.publicUrl,
          recipientName: a.name,
          company: {
            id: b.company.id,
            name: b.company.name,
            timeZone: b.company.timeZone,
            currency: b.company.currency,
          },
          project: { id: b.project.id, number: b.project.number, name: b.project.name },
          sentBy: { name: sender.name },
          sentAt: now,
          lineCount: snapshot.lines.length,
          revisedTotal: snapshot.totals.revisedEstimate,
          delta: snapshot.totals.delta,
        },
      },
    });
  }
}
