import type { Tx } from "../../db/database.js";
import * as D from "../../domain/index.js";
import type { ErpConnector } from "../../erp/connector.js";
import { enqueue, type JobPayload } from "../../jobs/catalog.js";
import { recordAudit } from "../audit.js";
import type { AppContext } from "../context.js";
import { type DocumentOutcome, type DocumentRef, documentKind, documentRefOf } from "../documents/index.js";
import { type ErpKind, erpLabel } from "../erp/registry.js";
import { applyTransition, type TransitionRequest } from "../lifecycle/apply-transition.js";
import type { EffectFacts } from "../lifecycle/effects.js";

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
 * The export job, the same for every kind of document: stale-safe (a job for an older attempt, or a submission
 * that moved on, returns quietly), idempotent (the connector derives its write keys from submission, attempt and
 * step), and it records the outcome with a compare-and-set on (status = exporting, attempt), so a late duplicate run
 * changes nothing. The document's kind builds the request and calls the connector (an estimate for a budget, a
 * purchase order for a commitment).
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
      "submissions.document_type",
      "submissions.budget_id",
      "submissions.commitment_id",
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

  const document = documentRefOf(row);
  let outcome: DocumentOutcome;
  try {
    outcome = await documentKind(document.type).export(ctx, connector, {
      companyId: p.companyId,
      submissionId: p.submissionId,
      attempt: p.attempt,
      document,
      erpType: conn.type,
      overwriteChangedInErp: row.overwrite_changed_in_erp,
      project: {
        number: row.number,
        name: row.name,
        erpJobRef: row.erp_job_ref,
        erpParentCustomerRef: row.erp_parent_customer_ref,
        erpParentCustomerName: row.erp_parent_customer_name,
      },
    });
  } catch (e) {
    // A connector bug or an unexpected fault: treat as transient, never as done.
    outcome = { kind: "retryable", code: "unexpected_error", message: (e as Error).message };
  }
  await applyOutcome(ctx, p, document, conn.type, outcome, row.first_failure_at, row.tries);
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
    .select(["submissions.status", "submissions.submitted_by", "submissions.accepted_by", "exports.attempt"])
    .where("submissions.company_id", "=", p.companyId)
    .where("submissions.id", "=", p.submissionId)
    .forUpdate()
    .executeTakeFirst();
  if (s?.status !== "exporting" || s.attempt !== p.attempt) return null;
  return s;
}

type Outcome<K extends DocumentOutcome["kind"]> = Extract<DocumentOutcome, { kind: K }>;
type Current = NonNullable<Awaited<ReturnType<typeof lockCurrent>>>;

/** Where one run of the export job leaves the submission, recorded in one transaction. */
interface OutcomeScope {
  ctx: AppContext;
  tx: Tx;
  p: ExportJobPayload;
  document: DocumentRef;
  erpType: ErpKind;
  s: Current;
  now: Date;
}

async function applyOutcome(
  ctx: AppContext,
  p: ExportJobPayload,
  document: DocumentRef,
  erpType: ErpKind,
  outcome: DocumentOutcome,
  firstFailureAt: Date | null,
  tries: number,
) {
  const now = ctx.now();
  await ctx.db.transaction().execute(async (tx) => {
    const s = await lockCurrent(tx, p);
    if (!s) return;
    const o: OutcomeScope = { ctx, tx, p, document, erpType, s, now };
    switch (outcome.kind) {
      case "done":
        return markExported(o, outcome);
      case "rejected":
        return markFailed(o, { code: outcome.code, message: outcome.message, remedy: outcome.remedy });
      case "retryable":
        return retryOrFail(o, outcome, firstFailureAt, tries);
      case "reconnect_needed":
        return waitForReconnect(o, outcome);
      case "waiting":
        return waitForWebConnector(o, outcome);
      default:
        D.assertNever(outcome, "export outcome");
    }
  });
}

/** The `export_succeeded` transition; its effects record the ERP's reference. */
async function markExported(o: OutcomeScope, outcome: Outcome<"done">) {
  await exportTransition(o, "export_succeeded", { exported_at: o.now }, { exported: outcome.exported });
  await auditExport(o, "submission.exported", { projectId: o.document.projectId, ...outcome.audit });
}

/** The `export_failed` transition; its effects record the error and tell the sender and the approver. */
async function markFailed(o: OutcomeScope, error: { code: string; message: string; remedy: string }) {
  await exportTransition(o, "export_failed", {}, { error });
  await auditExport(o, "submission.export_failed", {
    projectId: o.document.projectId,
    ...(o.document.type === "commitment" ? { commitmentId: o.document.id } : {}),
    ...error,
  });
}

/**
 * An export outcome through the lifecycle table (the attempt, sender and approver are the facts every outcome
 * effect may need), then the document takes note (its version moves on so open screens reload).
 */
async function exportTransition(
  o: OutcomeScope,
  command: "export_succeeded" | "export_failed",
  columns: TransitionRequest["columns"],
  facts: Pick<EffectFacts, "exported" | "error">,
) {
  const { ctx, tx, p, document, now } = o;
  await applyTransition(ctx, tx, {
    companyId: p.companyId,
    submissionId: p.submissionId,
    command,
    from: "exporting",
    userId: null,
    now,
    columns,
    facts: {
      ...facts,
      attempt: { number: p.attempt, document, erpType: o.erpType },
      submittedBy: o.s.submitted_by,
      acceptedBy: o.s.accepted_by,
    },
  });
  await documentKind(document.type).afterExportOutcome(
    tx,
    p.companyId,
    document,
    now,
    command === "export_succeeded",
  );
}

/** The audit event of an export outcome, recorded by the system. */
async function auditExport(o: OutcomeScope, action: string, data: Record<string, unknown>) {
  await recordAudit(o.tx, {
    companyId: o.p.companyId,
    actor: { kind: "system" },
    action,
    entityType: "submission",
    entityId: o.p.submissionId,
    data,
    at: o.now,
  });
}

/** A transient failure: try again after a backoff, or fail once the retry window has passed (rule 9). */
async function retryOrFail(
  o: OutcomeScope,
  outcome: Outcome<"retryable">,
  firstFailureAt: Date | null,
  tries: number,
) {
  const { tx, p, now } = o;
  const since = firstFailureAt ?? now;
  if (now.getTime() - since.getTime() >= RETRY_WINDOW_MS) {
    await markFailed(o, {
      code: "retries_exhausted",
      message: `${erpLabel(o.erpType)} kept failing for over 24 hours; the last error: ${outcome.message}`,
      remedy: `Check that ${erpLabel(o.erpType)} is reachable and the connection is healthy, then press Retry.`,
    });
    return;
  }
  const nextTry = new Date(now.getTime() + backoffMs(tries, outcome.retryAfterMs));
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
}

/** The ERP refused our credentials: the export waits, and the company's connection asks for a reconnect. */
async function waitForReconnect(o: OutcomeScope, outcome: Outcome<"reconnect_needed">) {
  const { tx, p, now } = o;
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
}

/** QuickBooks Desktop: the write is queued for the Web Connector; look again later. */
async function waitForWebConnector(o: OutcomeScope, outcome: Outcome<"waiting">) {
  const { tx, p, now } = o;
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
}
