import type { Updateable } from "kysely";
import type { Tx } from "../../db/database.js";
import type { DB } from "../../db/schema.js";
import * as D from "../../domain/index.js";
import { enqueue } from "../../jobs/catalog.js";
import { loadCompanySettings } from "../budget/load.js";
import type { AppContext } from "../context.js";
import {
  type DocumentRef,
  type DocumentSnapshot,
  documentKind,
  type ExportedDocument,
  type LoadedDocument,
} from "../documents/index.js";
import { fromDomain } from "../domain-errors.js";
import { queueEmail } from "../email/outbox.js";
import { type ErpKind, erpLabel } from "../erp/registry.js";

/** What a command knows that its effects may need; each effect asks only for its own part. */
export interface EffectFacts {
  /** The document (budget or commitment) the submission carries, read under its lock (send, decisions). */
  document?: LoadedDocument;
  /** The lines and totals taken at send. */
  snapshot?: DocumentSnapshot;
  /** The people on the submission: who sent it and who accepted it. */
  submittedBy?: string;
  acceptedBy?: string | null;
  /** A rejection's reason, trimmed and checked. */
  reason?: string;
  /** The export attempt an outcome belongs to, with its document and ERP. */
  attempt?: { number: number; document: DocumentRef; erpType: ErpKind };
  /** What the ERP holds after a successful export. */
  exported?: ExportedDocument;
  /** Why an export attempt failed, for the record and the email. */
  error?: { code: string; message: string; remedy: string };
}

export interface EffectInput {
  ctx: AppContext;
  tx: Tx;
  companyId: string;
  submissionId: string;
  command: D.SubmissionCommand;
  userId: string | null;
  now: Date;
  facts: EffectFacts;
}

export type EffectHandlers = Record<D.TransitionEffect, (input: EffectInput) => Promise<void>>;

/** A fact an effect cannot do without; its absence is a wiring mistake, not a user's. */
function need<T>(value: T | undefined | null, what: string, effect: D.TransitionEffect): T {
  if (value === undefined || value === null) throw new Error(`effect ${effect} needs ${what}`);
  return value;
}

/** How the lifecycle table's effects are carried out; the table alone says which run for a transition. */
export const EFFECTS: EffectHandlers = {
  take_snapshot: takeSnapshot,
  notify_approvers_if_enabled: notifyApproversIfEnabled,
  queue_export: queueExport,
  return_document: returnDocument,
  notify_rejection: notifyRejection,
  record_export: recordExport,
  record_export_error: recordExportError,
  notify_export_failed: notifyExportFailed,
};

async function takeSnapshot({ tx, companyId, submissionId, facts }: EffectInput) {
  const snapshot = need(facts.snapshot, "the snapshot", "take_snapshot");
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
        category_name: l.categoryName,
        description: l.description,
        original_minor: l.original,
        budget_changes_minor: l.changes,
        revised_minor: l.revised,
        previously_exported_minor: l.previouslyExported,
        delta_minor: l.delta,
      })),
    )
    .execute();
}

async function notifyApproversIfEnabled({ ctx, tx, submissionId, userId, now, facts }: EffectInput) {
  const doc = need(facts.document, "the document", "notify_approvers_if_enabled");
  const kind = documentKind(doc.type);
  const company = kind.company(doc);
  const project = kind.project(doc);
  if (!company.notifyApproversOnSend) return;
  const snapshot = need(facts.snapshot, "the snapshot", "notify_approvers_if_enabled");
  const senderId = need(userId, "the sender", "notify_approvers_if_enabled");
  const approvers = await tx
    .selectFrom("directory_entries")
    .innerJoin("users", "users.id", "directory_entries.user_id")
    .select(["users.id", "users.email", "users.name"])
    .where("directory_entries.company_id", "=", company.id)
    .where("directory_entries.active", "=", true)
    .where("directory_entries.can_push_to_accounting", "=", true)
    .where("directory_entries.erp_integrations", "in", ["standard", "admin"])
    .execute();
  const sender = await tx
    .selectFrom("users")
    .select("name")
    .where("id", "=", senderId)
    .executeTakeFirstOrThrow();
  const document = kind.describe(doc);
  for (const a of approvers) {
    await queueEmail(tx, {
      companyId: company.id,
      dedupeKey: `awaiting-acceptance:${submissionId}:${a.id}`,
      to: a.email,
      message: {
        template: "awaiting-acceptance",
        data: {
          publicUrl: ctx.config.publicUrl,
          recipientName: a.name,
          company: {
            id: company.id,
            name: company.name,
            timeZone: company.timeZone,
            currency: company.currency,
          },
          project: { id: project.id, number: project.number, name: project.name },
          ...(document ? { document } : {}),
          sentBy: { name: sender.name },
          sentAt: now,
          lineCount: snapshot.lines.length,
          revisedTotal: snapshot.totals.revised,
          delta: snapshot.totals.delta,
        },
      },
    });
  }
}

/** A new attempt: new idempotency keys; an approver's retry after "changed in QuickBooks" overwrites it. */
async function queueExport({ ctx, tx, companyId, submissionId, command, userId }: EffectInput) {
  const startedBy = need(userId, "the approver", "queue_export");
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
  const overwrite = command === "retry" && existing?.last_error_code === "changed_in_quickbooks";
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
      started_by: startedBy,
      started_at: ctx.now(),
    })
    .execute();
  await enqueue(tx, "export_submission", { companyId, submissionId, attempt });
}

/** Hands the document back after a rejection, as its kind defines it (docs/product.md §reject). */
async function returnDocument({ tx, facts }: EffectInput) {
  const doc = need(facts.document, "the document", "return_document");
  await documentKind(doc.type).returnDocument(tx, doc);
}

/** The people an email may go to, with whether their account is active and they are still in the company. */
function peopleOf(tx: Tx, companyId: string, ids: string[]) {
  return tx
    .selectFrom("users")
    .leftJoin("directory_entries", (j) =>
      j
        .onRef("directory_entries.user_id", "=", "users.id")
        .on("directory_entries.company_id", "=", companyId),
    )
    .select(["users.id", "users.email", "users.name", "users.active", "directory_entries.active as member"])
    .where("users.id", "in", ids)
    .execute();
}

async function notifyRejection({ ctx, tx, companyId, submissionId, userId, now, facts }: EffectInput) {
  const doc = need(facts.document, "the document", "notify_rejection");
  const kind = documentKind(doc.type);
  const company = kind.company(doc);
  const project = kind.project(doc);
  const document = kind.describe(doc);
  const erp = await tx
    .selectFrom("erp_connections")
    .select("type")
    .where("company_id", "=", companyId)
    .where("status", "!=", "disconnected")
    .executeTakeFirst();
  const senderId = need(facts.submittedBy, "the sender", "notify_rejection");
  const approverId = need(userId, "the approver", "notify_rejection");
  // The document's creator and its sender (docs/product.md §email-rejection), once each.
  const ids = [...new Set([kind.creatorOf(doc), senderId].filter((x): x is string => Boolean(x)))];
  const people = await peopleOf(tx, companyId, [...ids, approverId]);
  const approver = people.find((u) => u.id === approverId)!;
  for (const id of ids) {
    const u = people.find((x) => x.id === id);
    // Only active members of the company hear about its work (checked again when the email is sent).
    if (!u?.active || !u.member) continue;
    await queueEmail(tx, {
      companyId,
      dedupeKey: `rejection:${submissionId}:${u.id}`,
      to: u.email,
      message: {
        template: "rejection-notice",
        data: {
          publicUrl: ctx.config.publicUrl,
          recipientName: u.name,
          company: { id: companyId, name: company.name, timeZone: company.timeZone },
          project: { id: project.id, number: project.number, name: project.name },
          ...(document ? { document } : {}),
          reason: facts.reason ?? "",
          erpName: erpLabel(erp?.type),
          rejectedBy: { name: approver.name },
          rejectedAt: now,
        },
      },
    });
  }
}

async function finishAttempt(
  input: EffectInput,
  attempt: number,
  outcome: "done" | "rejected",
  error?: { code: string; message: string },
) {
  await input.tx
    .updateTable("export_attempts")
    .set({
      finished_at: input.now,
      outcome,
      error_code: error?.code ?? null,
      error_message: error?.message ?? null,
    })
    .where("company_id", "=", input.companyId)
    .where("submission_id", "=", input.submissionId)
    .where("attempt", "=", attempt)
    .execute();
}

/** An attempt's outcome settles the export: no longer waiting, no next try, plus what the outcome records. */
async function settleExport(
  { tx, companyId, submissionId, now }: EffectInput,
  set: Omit<Updateable<DB["exports"]>, "waiting_for" | "next_try_at" | "updated_at">,
) {
  await tx
    .updateTable("exports")
    .set({ ...set, waiting_for: null, next_try_at: null, updated_at: now })
    .where("company_id", "=", companyId)
    .where("submission_id", "=", submissionId)
    .execute();
}

/**
 * The ERP's reference and confirmation; this snapshot becomes the previously-exported baseline. The job and item
 * links are the same for every document; what else is recorded (the estimate, or the purchase order and its
 * vendor's link) is the document kind's.
 */
async function recordExport(input: EffectInput) {
  const { tx, companyId, submissionId, now, facts } = input;
  const attempt = need(facts.attempt, "the attempt", "record_export");
  const exported = need(facts.exported, "the ERP's reference", "record_export");
  const ref =
    exported.kind === "estimate"
      ? { id: exported.ref.estimateId, ...exported.ref }
      : { id: exported.ref.purchaseOrderId, ...exported.ref };
  await settleExport(input, {
    // For a commitment this holds the purchase order's id (see migration 0014).
    erp_estimate_id: ref.id,
    erp_version: ref.version,
    erp_job_ref: ref.jobRef,
    erp_doc_number: ref.docNumber,
    confirmed_at: now,
    last_error_code: null,
    last_error_message: null,
    last_error_remedy: null,
  });
  await finishAttempt(input, attempt.number, "done");
  await documentKind(attempt.document.type).recordExported(
    tx,
    { companyId, submissionId, document: attempt.document, erpType: attempt.erpType, now },
    exported,
  );
  await tx
    .updateTable("projects")
    .set({ erp_job_ref: ref.jobRef })
    .where("company_id", "=", companyId)
    .where("id", "=", attempt.document.projectId)
    .where("erp_job_ref", "is", null)
    .execute();
  for (const [code, itemRef] of Object.entries(exported.itemRefs)) {
    await tx
      .updateTable("cost_codes")
      .set({ erp_item_ref: itemRef })
      .where("company_id", "=", companyId)
      .where("code", "=", code)
      .where("erp_item_ref", "is", null)
      .execute();
  }
}

async function recordExportError(input: EffectInput) {
  const { facts } = input;
  const attempt = need(facts.attempt, "the attempt", "record_export_error");
  const error = need(facts.error, "the error", "record_export_error");
  await settleExport(input, {
    last_error_code: error.code,
    last_error_message: error.message,
    last_error_remedy: error.remedy,
  });
  await finishAttempt(input, attempt.number, "rejected", error);
}

async function notifyExportFailed({ ctx, tx, companyId, submissionId, now, facts }: EffectInput) {
  const attempt = need(facts.attempt, "the attempt", "notify_export_failed");
  const error = need(facts.error, "the error", "notify_export_failed");
  const submittedBy = need(facts.submittedBy, "the sender", "notify_export_failed");
  const acceptedBy = facts.acceptedBy ?? null;
  const company = await loadCompanySettings(tx, companyId);
  const project = await tx
    .selectFrom("projects")
    .select(["id", "number", "name"])
    .where("company_id", "=", companyId)
    .where("id", "=", attempt.document.projectId)
    .executeTakeFirstOrThrow();
  const document = await documentKind(attempt.document.type).describeRef(tx, companyId, attempt.document);
  const ids = [...new Set([submittedBy, acceptedBy].filter((x): x is string => Boolean(x)))];
  const people = await peopleOf(tx, companyId, ids);
  const sender = people.find((u) => u.id === submittedBy);
  const accepter = people.find((u) => u.id === acceptedBy);
  for (const u of people) {
    // Only active members of the company hear about its work (checked again when the email is sent).
    if (!u.active || !u.member) continue;
    await queueEmail(tx, {
      companyId,
      dedupeKey: `export-failed:${submissionId}:${attempt.number}:${u.id}`,
      to: u.email,
      message: {
        template: "export-failed",
        data: {
          publicUrl: ctx.config.publicUrl,
          recipientName: u.name,
          company: { id: company.id, name: company.name, timeZone: company.timeZone },
          project: { id: project.id, number: project.number, name: project.name },
          ...(document ? { document } : {}),
          erpName: erpLabel(attempt.erpType),
          error,
          failedAt: now,
          ...(sender ? { sentBy: { name: sender.name } } : {}),
          ...(accepter ? { acceptedBy: { name: accepter.name } } : {}),
        },
      },
    });
  }
}
