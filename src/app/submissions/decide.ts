import { sql } from "kysely";
import type { Tx } from "../../db/database.js";
import * as D from "../../domain/index.js";
import { enqueueJob } from "../../jobs/queue.js";
import { recordAudit } from "../audit.js";
import { loadBudgetContext } from "../budget/load.js";
import type { AppContext } from "../context.js";
import { fromDomain, orThrow } from "../domain-errors.js";
import { queueEmail } from "../email-outbox.js";
import { AppError } from "../errors.js";
import type { Actor } from "../membership.js";
import { memberOf, requireMembership } from "../membership.js";

export const EXPORT_TASK = "export_submission";

export interface ExportJobPayload {
  companyId: string;
  submissionId: string;
  attempt: number;
}

/** Exports of one company run one at a time, in order: QuickBooks sees one writer per company file. */
export function exportQueueName(companyId: string): string {
  return `erp:${companyId}`;
}

export async function enqueueExport(tx: Tx, p: ExportJobPayload, runAt?: Date) {
  await enqueueJob(
    tx,
    EXPORT_TASK,
    { ...p },
    {
      queueName: exportQueueName(p.companyId),
      jobKey: `export:${p.submissionId}`,
      maxAttempts: 50,
      ...(runAt ? { runAt } : {}),
    },
  );
}

async function loadSubmissionForUpdate(tx: Tx, companyId: string, submissionId: string) {
  const s = await tx
    .selectFrom("submissions")
    .select(["id", "status", "version", "project_id", "budget_id", "submitted_by"])
    .where("company_id", "=", companyId)
    .where("id", "=", submissionId)
    .executeTakeFirst();
  if (!s) throw new AppError("not_found", "Submission was not found.");
  return { ...s, status: s.status as D.SubmissionStatus };
}

type Decision = { action: "accept" } | { action: "reject"; reason: unknown } | { action: "retry" };

/**
 * Accept, reject or retry one submission: the lifecycle table decides, the status changes by compare-and-set on
 * the status read, and the effects (export job, emails, budget hand-back) commit in the same transaction. Of any
 * number of concurrent decisions exactly one wins; the others get 409.
 */
export async function decideSubmission(
  ctx: AppContext,
  actor: Actor,
  companyId: string,
  submissionId: string,
  decision: Decision,
): Promise<{ status: D.SubmissionStatus }> {
  const reason = decision.action === "reject" ? orThrow(D.validateRejectReason(decision.reason)) : null;
  return ctx.db.transaction().execute(async (tx) => {
    const m = await requireMembership(tx, actor.userId, companyId);
    const company = await tx
      .selectFrom("companies")
      .select(["separation_of_duties"])
      .where("id", "=", companyId)
      .executeTakeFirstOrThrow();
    // Lock the budget first, as every budget command does, so decisions and edits never interleave.
    const head = await tx
      .selectFrom("submissions")
      .select(["project_id"])
      .where("company_id", "=", companyId)
      .where("id", "=", submissionId)
      .executeTakeFirst();
    if (!head) throw new AppError("not_found", "Submission was not found.");
    const b = await loadBudgetContext(tx, companyId, head.project_id, { forUpdate: true });
    const s = await loadSubmissionForUpdate(tx, companyId, submissionId);
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
    const t = D.decideTransition(s.status, decision.action);
    if (!t.ok) throw fromDomain(t.error);
    const transition = t.value;
    const now = ctx.now();
    const updated = await tx
      .updateTable("submissions")
      .set({
        status: transition.to,
        version: sql`version + 1`,
        decided_by: actor.userId,
        decided_at: now,
        decision_action: decision.action === "retry" ? "accept" : decision.action,
        ...(decision.action === "accept" ? { accepted_by: actor.userId } : {}),
        ...(reason !== null ? { reason } : {}),
        updated_at: now,
      })
      .where("company_id", "=", companyId)
      .where("id", "=", submissionId)
      .where("status", "=", s.status)
      .where("version", "=", s.version)
      .executeTakeFirst();
    if (Number(updated.numUpdatedRows) !== 1) throw fromDomain(D.domainError("concurrent_update"));

    for (const effect of transition.effects) {
      switch (effect) {
        case "queue_export":
          await startAttempt(ctx, tx, companyId, submissionId, actor.userId, decision.action === "retry");
          break;
        case "return_budget":
          if (!D.isLockedAfterReject(b.budget)) {
            await tx
              .updateTable("budgets")
              .set({ locked: false })
              .where("company_id", "=", companyId)
              .where("id", "=", b.budgetId)
              .execute();
          }
          break;
        case "notify_rejection":
          await notifyRejection(ctx, tx, {
            companyId,
            submissionId,
            senderId: s.submitted_by,
            creatorId: b.creatorUserId,
            approverId: actor.userId,
            reason: reason ?? "",
            b,
            now,
          });
          break;
        case "take_snapshot":
        case "notify_approvers_if_enabled":
        case "record_export":
        case "record_export_error":
        case "notify_export_failed":
          throw new Error(`effect ${effect} does not belong to a decision`);
        default:
          D.assertNever(effect, "effect");
      }
    }
    await tx
      .updateTable("budgets")
      .set({ version: sql`version + 1`, updated_at: now })
      .where("company_id", "=", companyId)
      .where("id", "=", b.budgetId)
      .execute();
    await recordAudit(tx, {
      companyId,
      actor: { kind: "user", userId: actor.userId },
      action: `submission.${decision.action === "accept" ? "accepted" : decision.action === "reject" ? "rejected" : "retried"}`,
      entityType: "submission",
      entityId: submissionId,
      data: { projectId: s.project_id, from: s.status, to: transition.to, ...(reason ? { reason } : {}) },
      at: now,
    });
    return { status: transition.to };
  });
}

/** A new attempt: new idempotency keys; an approver's retry after "changed in QuickBooks" overwrites it. */
async function startAttempt(
  ctx: AppContext,
  tx: Tx,
  companyId: string,
  submissionId: string,
  userId: string,
  isRetry: boolean,
) {
  const conn = await tx
    .selectFrom("erp_connections")
    .select(["type"])
    .where("company_id", "=", companyId)
    .executeTakeFirst();
  if (!conn) throw fromDomain(D.domainError("erp_not_connected"));
  const existing = await tx
    .selectFrom("exports")
    .select(["attempt", "last_error_code"])
    .where("company_id", "=", companyId)
    .where("submission_id", "=", submissionId)
    .executeTakeFirst();
  const attempt = (existing?.attempt ?? 0) + 1;
  const overwrite = isRetry && existing?.last_error_code === "changed_in_quickbooks";
  if (existing) {
    await tx
      .updateTable("exports")
      .set({
        attempt,
        overwrite_changed_in_erp: overwrite,
        tries: 0,
        first_failure_at: null,
        next_try_at: null,
        waiting_for: null,
        updated_at: ctx.now(),
      })
      .where("company_id", "=", companyId)
      .where("submission_id", "=", submissionId)
      .execute();
  } else {
    await tx
      .insertInto("exports")
      .values({
        company_id: companyId,
        submission_id: submissionId,
        erp_type: conn.type,
        attempt,
        overwrite_changed_in_erp: overwrite,
      })
      .execute();
  }
  await tx
    .insertInto("export_attempts")
    .values({
      company_id: companyId,
      submission_id: submissionId,
      attempt,
      started_by: userId,
      started_at: ctx.now(),
    })
    .execute();
  await enqueueExport(tx, { companyId, submissionId, attempt });
}

async function notifyRejection(
  ctx: AppContext,
  tx: Tx,
  p: {
    companyId: string;
    submissionId: string;
    senderId: string;
    creatorId: string | null;
    approverId: string;
    reason: string;
    b: Awaited<ReturnType<typeof loadBudgetContext>>;
    now: Date;
  },
) {
  const ids = [...new Set([p.creatorId, p.senderId].filter((x): x is string => Boolean(x)))];
  const people = await tx
    .selectFrom("users")
    .leftJoin("directory_entries", (j) =>
      j
        .onRef("directory_entries.user_id", "=", "users.id")
        .on("directory_entries.company_id", "=", p.companyId),
    )
    .select(["users.id", "users.email", "users.name", "users.active", "directory_entries.active as member"])
    .where("users.id", "in", [...ids, p.approverId])
    .execute();
  const approver = people.find((u) => u.id === p.approverId)!;
  for (const id of ids) {
    const u = people.find((x) => x.id === id);
    // Only active members of the company hear about its work (checked again when the email is sent).
    if (!u?.active || !u.member) continue;
    await queueEmail(tx, {
      companyId: p.companyId,
      dedupeKey: `rejection:${p.submissionId}:${u.id}`,
      to: u.email,
      message: {
        template: "rejection-notice",
        data: {
          publicUrl: ctx.config.publicUrl,
          recipientName: u.name,
          company: { id: p.companyId, name: p.b.company.name, timeZone: p.b.company.timeZone },
          project: { id: p.b.project.id, number: p.b.project.number, name: p.b.project.name },
          reason: p.reason,
          rejectedBy: { name: approver.name },
          rejectedAt: p.now,
        },
      },
    });
  }
}

export interface DecisionInput {
  submissionId: string;
  action: "accept" | "reject";
  reason?: string;
}

/** The Export button: each decision stands alone; one failing does not stop the others. */
export async function decideMany(
  ctx: AppContext,
  actor: Actor,
  companyId: string,
  decisions: DecisionInput[],
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
