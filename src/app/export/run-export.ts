import { sql } from "kysely";
import type { Tx } from "../../db/database.js";
import * as D from "../../domain/index.js";
import type {
  ErpConnector,
  EstimateExportRequest,
  ExportOutcome,
  WrittenEstimate,
} from "../../erp/connector.js";
import { enqueue, type JobPayload } from "../../jobs/catalog.js";
import { recordAudit } from "../audit.js";
import { loadCompanySettings, storeExportMatch } from "../budget/load.js";
import type { AppContext } from "../context.js";
import { queueEmail } from "../email/outbox.js";
import { type ErpKind, erpLabel } from "../erp/registry.js";

type ExportJobPayload = JobPayload<"export_submission">;

/** The connector of each ERP kind that runs here (the registry's, unless a caller gives its own). */
export type Connectors = Partial<Record<ErpKind, ErpConnector>>;

/** Transient failures are retried for at least this long before the submission is marked failed (rule 9). */
export const RETRY_WINDOW_MS = 24 * 3600 * 1000;
const MAX_BACKOFF_MS = 5 * 60 * 1000;

export function backoffMs(tries: number, retryAfterMs?: number): number {
  const exp = Math.min(MAX_BACKOFF_MS, 1000 * 2 ** Math.min(tries, 12));
  return Math.max(exp, retryAfterMs ?? 0);
}

/**
 * The export job: stale-safe (a job for an older attempt, or a submission that moved on, returns quietly),
 * idempotent (the connector derives its write keys from submission, attempt and step), and it records the
 * outcome with a compare-and-set on (status = exporting, attempt), so a late duplicate run changes nothing.
 */
export async function runExport(ctx: AppContext, connectors: Connectors, p: ExportJobPayload): Promise<void> {
  const row = await ctx.db
    .selectFrom("submissions")
    .innerJoin("exports", (j) =>
      j
        .onRef("exports.company_id", "=", "submissions.company_id")
        .onRef("exports.submission_id", "=", "submissions.id"),
    )
    .innerJoin("projects", (j) =>
      j
        .onRef("projects.company_id", "=", "submissions.company_id")
        .onRef("projects.id", "=", "submissions.project_id"),
    )
    .select([
      "submissions.status",
      "submissions.project_id",
      "exports.attempt",
      "exports.erp_type",
      "exports.overwrite_changed_in_erp",
      "exports.tries",
      "exports.first_failure_at",
      "projects.number",
      "projects.name",
      "projects.erp_job_ref",
      "projects.erp_parent_customer_ref",
      "projects.erp_parent_customer_name",
    ])
    .where("submissions.company_id", "=", p.companyId)
    .where("submissions.id", "=", p.submissionId)
    .executeTakeFirst();
  if (row?.status !== "exporting" || row.attempt !== p.attempt) return;

  const conn = await ctx.db
    .selectFrom("erp_connections")
    .select(["type", "status"])
    .where("company_id", "=", p.companyId)
    .executeTakeFirst();
  if (!conn || conn.status === "disconnected") {
    await setWaiting(
      ctx,
      p,
      "connection",
      `${erpLabel(conn?.type ?? row.erp_type)} is not connected; the export continues once an admin connects it.`,
    );
    return;
  }
  if (conn.status === "reconnect_needed") {
    await setWaiting(
      ctx,
      p,
      "reconnect",
      `${erpLabel(conn.type)} needs to be reconnected; the export continues after that.`,
    );
    return;
  }
  const connector = connectors[conn.type];
  if (!connector) {
    await setWaiting(ctx, p, "connection", `No connector for ${conn.type} runs in this installation.`);
    return;
  }

  const company = await loadCompanySettings(ctx.db, p.companyId);
  const [lines, codes, previous] = await Promise.all([
    ctx.db
      .selectFrom("submission_lines")
      .select(["cost_code", "cost_code_description", "category", "category_name", "revised_minor"])
      .where("company_id", "=", p.companyId)
      .where("submission_id", "=", p.submissionId)
      .orderBy("position")
      .execute(),
    ctx.db
      .selectFrom("cost_codes")
      .select(["code", "erp_item_ref"])
      .where("company_id", "=", p.companyId)
      .execute(),
    ctx.db
      .selectFrom("erp_estimates")
      .selectAll()
      .where("company_id", "=", p.companyId)
      .where("project_id", "=", row.project_id)
      .where("erp_type", "=", conn.type)
      .executeTakeFirst(),
  ]);
  const itemRefs = new Map(codes.map((c) => [c.code, c.erp_item_ref]));
  const req: EstimateExportRequest = {
    companyId: p.companyId,
    submissionId: p.submissionId,
    attempt: p.attempt,
    project: {
      number: row.number,
      name: row.name,
      existingJobRef: row.erp_job_ref,
      parentCustomerRef: row.erp_parent_customer_ref,
      parentCustomerName: row.erp_parent_customer_name ?? company.defaultParentCustomer,
    },
    lines: lines.map((l) => ({
      costCode: l.cost_code,
      costCodeDescription: l.cost_code_description,
      category: l.category,
      categoryName: l.category_name,
      revisedEstimate: l.revised_minor,
      itemRef: itemRefs.get(l.cost_code) ?? null,
    })),
    createMissingItems: company.createMissingItems,
    estimateMode: company.estimateMode,
    previous: previous
      ? {
          estimateId: previous.estimate_id,
          version: previous.version,
          jobRef: previous.job_ref,
          docNumber: previous.doc_number,
          ownedDigest: previous.owned_digest,
          written: (previous.written_owned as WrittenEstimate | null) ?? null,
        }
      : null,
    overwriteChangedInErp: row.overwrite_changed_in_erp,
    useClasses: company.useClasses,
    currency: company.currency,
  };

  let outcome: ExportOutcome;
  try {
    outcome = await connector.exportEstimate(req);
  } catch (e) {
    // A connector bug or an unexpected fault: treat as transient, never as done.
    outcome = { kind: "retryable", code: "unexpected_error", message: (e as Error).message };
  }
  await applyOutcome(ctx, p, row.project_id, conn.type, outcome, row.first_failure_at, row.tries);
}

async function setWaiting(ctx: AppContext, p: ExportJobPayload, waitingFor: string, message: string) {
  await ctx.db
    .updateTable("exports")
    .set({ waiting_for: waitingFor, last_error_message: message, updated_at: ctx.now() })
    .where("company_id", "=", p.companyId)
    .where("submission_id", "=", p.submissionId)
    .where("attempt", "=", p.attempt)
    .execute();
}

/** Locks the submission and checks it still waits for this attempt; null when the world moved on. */
async function lockCurrent(tx: Tx, p: ExportJobPayload) {
  const s = await tx
    .selectFrom("submissions")
    .innerJoin("exports", (j) =>
      j
        .onRef("exports.company_id", "=", "submissions.company_id")
        .onRef("exports.submission_id", "=", "submissions.id"),
    )
    .select([
      "submissions.status",
      "submissions.budget_id",
      "submissions.submitted_by",
      "submissions.accepted_by",
      "exports.attempt",
      "exports.erp_type",
    ])
    .where("submissions.company_id", "=", p.companyId)
    .where("submissions.id", "=", p.submissionId)
    .forUpdate()
    .executeTakeFirst();
  if (s?.status !== "exporting" || s.attempt !== p.attempt) return null;
  return s;
}

async function applyOutcome(
  ctx: AppContext,
  p: ExportJobPayload,
  projectId: string,
  erpType: ErpKind,
  outcome: ExportOutcome,
  firstFailureAt: Date | null,
  tries: number,
) {
  const now = ctx.now();
  await ctx.db.transaction().execute(async (tx) => {
    const s = await lockCurrent(tx, p);
    if (!s) return;
    switch (outcome.kind) {
      case "done": {
        const t = D.decideTransition("exporting", "export_succeeded");
        if (!t.ok) throw new Error(t.error.message);
        await tx
          .updateTable("submissions")
          .set({ status: t.value.to, exported_at: now, version: sql`version + 1`, updated_at: now })
          .where("company_id", "=", p.companyId)
          .where("id", "=", p.submissionId)
          .execute();
        await tx
          .updateTable("exports")
          .set({
            erp_estimate_id: outcome.erpRef.estimateId,
            erp_version: outcome.erpRef.version,
            erp_job_ref: outcome.erpRef.jobRef,
            erp_doc_number: outcome.erpRef.docNumber,
            confirmed_at: now,
            last_error_code: null,
            last_error_message: null,
            last_error_remedy: null,
            waiting_for: null,
            next_try_at: null,
            updated_at: now,
          })
          .where("company_id", "=", p.companyId)
          .where("submission_id", "=", p.submissionId)
          .execute();
        await finishAttempt(tx, p, "done", now);
        await tx
          .insertInto("erp_estimates")
          .values({
            company_id: p.companyId,
            project_id: projectId,
            erp_type: erpType,
            estimate_id: outcome.erpRef.estimateId,
            version: outcome.erpRef.version,
            job_ref: outcome.erpRef.jobRef,
            doc_number: outcome.erpRef.docNumber,
            owned_digest: outcome.erpRef.ownedDigest ?? null,
            written_owned: writtenJson(outcome.erpRef.written),
            submission_id: p.submissionId,
            updated_at: now,
          })
          .onConflict((oc) =>
            oc.columns(["company_id", "project_id", "erp_type"]).doUpdateSet({
              estimate_id: outcome.erpRef.estimateId,
              version: outcome.erpRef.version,
              job_ref: outcome.erpRef.jobRef,
              doc_number: outcome.erpRef.docNumber,
              owned_digest: outcome.erpRef.ownedDigest ?? null,
              written_owned: writtenJson(outcome.erpRef.written),
              submission_id: p.submissionId,
              updated_at: now,
            }),
          )
          .execute();
        await tx
          .updateTable("projects")
          .set({ erp_job_ref: outcome.erpRef.jobRef })
          .where("company_id", "=", p.companyId)
          .where("id", "=", projectId)
          .where("erp_job_ref", "is", null)
          .execute();
        for (const [code, ref] of Object.entries(outcome.itemRefs)) {
          await tx
            .updateTable("cost_codes")
            .set({ erp_item_ref: ref })
            .where("company_id", "=", p.companyId)
            .where("code", "=", code)
            .where("erp_item_ref", "is", null)
            .execute();
        }
        await bumpBudget(tx, p.companyId, s.budget_id, now);
        await storeExportMatch(tx, p.companyId, projectId);
        await recordAudit(tx, {
          companyId: p.companyId,
          actor: { kind: "system" },
          action: "submission.exported",
          entityType: "submission",
          entityId: p.submissionId,
          data: {
            projectId,
            estimateId: outcome.erpRef.estimateId,
            createdItems: outcome.createdItems,
            createdJob: outcome.createdJob,
          },
          at: now,
        });
        return;
      }
      case "rejected":
        await failSubmission(
          ctx,
          tx,
          p,
          projectId,
          s,
          { code: outcome.code, message: outcome.message, remedy: outcome.remedy },
          now,
        );
        return;
      case "retryable": {
        const since = firstFailureAt ?? now;
        if (now.getTime() - since.getTime() >= RETRY_WINDOW_MS) {
          await failSubmission(
            ctx,
            tx,
            p,
            projectId,
            s,
            {
              code: "retries_exhausted",
              message: `${erpLabel(erpType)} kept failing for over 24 hours; the last error: ${outcome.message}`,
              remedy: `Check that ${erpLabel(erpType)} is reachable and the connection is healthy, then press Retry.`,
            },
            now,
          );
          return;
        }
        const delay = backoffMs(tries, outcome.retryAfterMs);
        const nextTry = new Date(now.getTime() + delay);
        await tx
          .updateTable("exports")
          .set({
            tries: tries + 1,
            first_failure_at: since,
            next_try_at: nextTry,
            last_error_code: outcome.code,
            last_error_message: outcome.message,
            last_error_remedy: "Costbridge retries automatically; nothing to do unless this persists.",
            updated_at: now,
          })
          .where("company_id", "=", p.companyId)
          .where("submission_id", "=", p.submissionId)
          .execute();
        await enqueue(tx, "export_submission", p, { runAt: nextTry });
        return;
      }
      case "reconnect_needed":
        await tx
          .updateTable("exports")
          .set({
            waiting_for: "reconnect",
            last_error_code: "reconnect_needed",
            last_error_message: outcome.message,
            updated_at: now,
          })
          .where("company_id", "=", p.companyId)
          .where("submission_id", "=", p.submissionId)
          .execute();
        await tx
          .updateTable("erp_connections")
          .set({ status: "reconnect_needed", last_error: outcome.message, updated_at: now })
          .where("company_id", "=", p.companyId)
          .where("status", "=", "connected")
          .execute();
        return;
      case "waiting": {
        const nextTry = new Date(now.getTime() + (outcome.checkAfterMs ?? 5000));
        await tx
          .updateTable("exports")
          .set({
            waiting_for: "web_connector",
            last_error_message: outcome.message,
            next_try_at: nextTry,
            updated_at: now,
          })
          .where("company_id", "=", p.companyId)
          .where("submission_id", "=", p.submissionId)
          .execute();
        await enqueue(tx, "export_submission", p, { runAt: nextTry });
        return;
      }
      default:
        D.assertNever(outcome, "export outcome");
    }
  });
}

async function finishAttempt(
  tx: Tx,
  p: ExportJobPayload,
  outcome: "done" | "rejected",
  at: Date,
  error?: { code: string; message: string },
) {
  await tx
    .updateTable("export_attempts")
    .set({ finished_at: at, outcome, error_code: error?.code ?? null, error_message: error?.message ?? null })
    .where("company_id", "=", p.companyId)
    .where("submission_id", "=", p.submissionId)
    .where("attempt", "=", p.attempt)
    .execute();
}

async function bumpBudget(tx: Tx, companyId: string, budgetId: string, now: Date) {
  await tx
    .updateTable("budgets")
    .set({ version: sql`version + 1`, updated_at: now })
    .where("company_id", "=", companyId)
    .where("id", "=", budgetId)
    .execute();
}

async function failSubmission(
  ctx: AppContext,
  tx: Tx,
  p: ExportJobPayload,
  projectId: string,
  s: { budget_id: string; submitted_by: string; accepted_by: string | null; erp_type: string },
  error: { code: string; message: string; remedy: string },
  now: Date,
) {
  const t = D.decideTransition("exporting", "export_failed");
  if (!t.ok) throw new Error(t.error.message);
  await tx
    .updateTable("submissions")
    .set({ status: t.value.to, version: sql`version + 1`, updated_at: now })
    .where("company_id", "=", p.companyId)
    .where("id", "=", p.submissionId)
    .execute();
  await tx
    .updateTable("exports")
    .set({
      last_error_code: error.code,
      last_error_message: error.message,
      last_error_remedy: error.remedy,
      waiting_for: null,
      next_try_at: null,
      updated_at: now,
    })
    .where("company_id", "=", p.companyId)
    .where("submission_id", "=", p.submissionId)
    .execute();
  await finishAttempt(tx, p, "rejected", now, error);
  await bumpBudget(tx, p.companyId, s.budget_id, now);
  await recordAudit(tx, {
    companyId: p.companyId,
    actor: { kind: "system" },
    action: "submission.export_failed",
    entityType: "submission",
    entityId: p.submissionId,
    data: { projectId, ...error },
    at: now,
  });
  const company = await loadCompanySettings(tx, p.companyId);
  const project = await tx
    .selectFrom("projects")
    .select(["id", "number", "name"])
    .where("company_id", "=", p.companyId)
    .where("id", "=", projectId)
    .executeTakeFirstOrThrow();
  const ids = [...new Set([s.submitted_by, s.accepted_by].filter((x): x is string => Boolean(x)))];
  const people = await tx
    .selectFrom("users")
    .leftJoin("directory_entries", (j) =>
      j
        .onRef("directory_entries.user_id", "=", "users.id")
        .on("directory_entries.company_id", "=", p.companyId),
    )
    .select(["users.id", "users.email", "users.name", "users.active", "directory_entries.active as member"])
    .where("users.id", "in", ids)
    .execute();
  const sender = people.find((u) => u.id === s.submitted_by);
  const accepter = people.find((u) => u.id === s.accepted_by);
  for (const u of people) {
    // Only active members of the company hear about its work (checked again when the email is sent).
    if (!u.active || !u.member) continue;
    await queueEmail(tx, {
      companyId: p.companyId,
      dedupeKey: `export-failed:${p.submissionId}:${p.attempt}:${u.id}`,
      to: u.email,
      message: {
        template: "export-failed",
        data: {
          publicUrl: ctx.config.publicUrl,
          recipientName: u.name,
          company: { id: company.id, name: company.name, timeZone: company.timeZone },
          project: { id: project.id, number: project.number, name: project.name },
          erpName: erpLabel(s.erp_type),
          error,
          failedAt: now,
          ...(sender ? { sentBy: { name: sender.name } } : {}),
          ...(accepter ? { acceptedBy: { name: accepter.name } } : {}),
        },
      },
    });
  }
}

/** What the ERP holds of our write, for the next re-send's comparison (null when the adapter does not record it). */
function writtenJson(w: WrittenEstimate | null | undefined): string | null {
  return w ? JSON.stringify(w) : null;
}
