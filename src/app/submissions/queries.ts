import { sql } from "kysely";
import type { Db } from "../../db/database.js";
import { runPrepared } from "../../db/prepared.js";
import * as D from "../../domain/index.js";
import { refNumberFor } from "../../erp/quickbooks-desktop/plan.js";
import {
  docNumberFor,
  formatMarker,
  jobDisplayName,
  lineDescription,
} from "../../erp/quickbooks-online/mapping.js";
import { loadCompanySettings } from "../budget/load.js";
import type { AppContext } from "../context.js";
import { issueCursor, readCursor } from "../cursor.js";
import type { DocumentType } from "../documents/index.js";
import { QUICKBOOKS_DESKTOP_KIND } from "../erp/qbd/definition.js";
import { erpLabel, findErp } from "../erp/registry.js";
import { AppError } from "../errors.js";
import type { Actor } from "../membership.js";
import { requireRight } from "../membership.js";

const fmt = D.formatAmount;
export const SUBMISSION_STATUSES = D.SUBMISSION_STATUSES;

const CURSOR_ID = /^[A-Za-z0-9_-]{1,100}$/;

function encodeCursor(secretKey: string, companyId: string, at: Date, id: string): string {
  return issueCursor(secretKey, "submissions", companyId, [at.toISOString(), id]);
}

function decodeCursor(secretKey: string, companyId: string, cursor: string): { at: Date; id: string } {
  return readCursor(secretKey, "submissions", companyId, cursor, "query.cursor", ([at, id]) => {
    if (typeof at !== "string" || typeof id !== "string" || !CURSOR_ID.test(id)) return null;
    const date = new Date(at);
    // Only what this list hands out: an id as we make them and a date PostgreSQL can compare with.
    const year = date.getUTCFullYear();
    if (Number.isNaN(year) || year < 1970 || year > 9999) return null;
    return { at: date, id };
  });
}

interface ListRow {
  counts: Record<string, number>;
  id: string | null;
  status: D.SubmissionStatus;
  submitted_at: Date;
  line_count: number;
  total_revised_minor: bigint;
  total_delta_minor: bigint;
  reason: string | null;
  project_id: string;
  project_number: string;
  project_name: string;
  user_id: string;
  user_name: string;
  user_email: string;
  last_error_code: string | null;
  last_error_message: string | null;
  last_error_remedy: string | null;
  waiting_for: string | null;
  changed_in_erp_at: Date | null;
  attempt: number | null;
  updated_at: Date;
  decided_at: Date | null;
  decision_action: string | null;
  decider_id: string | null;
  decider_name: string | null;
  decider_email: string | null;
  /** Commitment submissions only: which commitment, and its vendor. */
  commitment_id?: string;
  commitment_number?: string;
  commitment_title?: string;
  commitment_kind?: string;
  vendor_id?: string;
  vendor_name?: string;
}

/**
 * The busiest screen's one statement: the counts per status (always one row) with the page joined beside them (no
 * page columns when the tab is empty), keyset-paged on the (company, document type, status, submitted_at, id)
 * index. The document type is written into the text (each tab is its own prepared statement, planned for its own
 * rows); a commitment's page also names the commitment and its vendor. Exported for the benchmark, which times it
 * straight against PostgreSQL.
 */
export function listStatement(
  db: Db,
  companyId: string,
  q: { statuses: D.SubmissionStatus[]; cursor: { at: Date; id: string } | null; limit: number },
  documentType: DocumentType = "budget",
) {
  const cursor = q.cursor;
  const type = sql.lit(documentType);
  const commitment = documentType === "commitment";
  return sql<ListRow>`
    select c.counts, page.*
    from (
      select coalesce(json_object_agg(status, count), '{}') as counts
      from submission_counts where company_id = ${companyId} and document_type = ${type}
    ) c
    left join lateral (
      select s.id, s.status, s.submitted_at, s.line_count, s.total_revised_minor, s.total_delta_minor, s.reason,
             pr.id as project_id, pr.number as project_number, pr.name as project_name,
             u.id as user_id, u.name as user_name, u.email as user_email,
             e.last_error_code, e.last_error_message, e.last_error_remedy, e.waiting_for,
             e.attempt, s.updated_at, s.decided_at, s.decision_action,
             d.id as decider_id, d.name as decider_name, d.email as decider_email,
             ${
               commitment
                 ? sql`null::timestamptz as changed_in_erp_at,
             cm.id as commitment_id, cm.number as commitment_number, cm.title as commitment_title,
             cm.kind as commitment_kind, v.id as vendor_id, v.name as vendor_name`
                 : sql`(select ee.changed_in_erp_at from erp_estimates ee
               where ee.company_id = s.company_id and ee.project_id = s.project_id and ee.submission_id = s.id
                 and ee.changed_in_erp_at is not null limit 1) as changed_in_erp_at`
             }
      from submissions s
      join projects pr on pr.company_id = s.company_id and pr.id = s.project_id
      join users u on u.id = s.submitted_by
      left join users d on d.id = s.decided_by
      left join exports e on e.company_id = s.company_id and e.submission_id = s.id
      ${
        commitment
          ? sql`join commitments cm on cm.company_id = s.company_id and cm.id = s.commitment_id
      join vendors v on v.company_id = cm.company_id and v.id = cm.vendor_id`
          : sql``
      }
      where s.company_id = ${companyId} and s.document_type = ${type} and s.status in (${sql.join(q.statuses)}) and s.replaced_by is null
        ${cursor ? sql`and (s.submitted_at, s.id) < (${cursor.at}, ${cursor.id})` : sql``}
      order by s.submitted_at desc, s.id desc
      limit ${q.limit + 1}
    ) page on true
    order by page.submitted_at desc, page.id desc`.compile(db);
}

/** The Budgets tab of ERP Integrations (docs/product.md §erp-list). */
export async function listSubmissions(
  ctx: AppContext,
  actor: Actor,
  companyId: string,
  q: { statuses: D.SubmissionStatus[]; cursor?: string; limit: number },
) {
  const page = await listPage(ctx, actor, companyId, q, "budget");
  return {
    ...page,
    items: page.items.map(({ row: r, item }) => ({
      id: item.id,
      status: item.status,
      project: item.project,
      submittedBy: item.submittedBy,
      submittedAt: item.submittedAt,
      lineCount: item.lineCount,
      totals: { revisedEstimate: fmt(r.total_revised_minor), delta: fmt(r.total_delta_minor) },
      ...item.extra,
    })),
  };
}

/** The Commitments tab of ERP Integrations (docs/product.md §commitment-submissions). */
export async function listCommitmentSubmissions(
  ctx: AppContext,
  actor: Actor,
  companyId: string,
  q: { statuses: D.SubmissionStatus[]; cursor?: string; limit: number },
) {
  const page = await listPage(ctx, actor, companyId, q, "commitment");
  return {
    ...page,
    items: page.items.map(({ row: r, item }) => ({
      id: item.id,
      status: item.status,
      project: item.project,
      commitment: {
        id: r.commitment_id!,
        number: r.commitment_number!,
        title: r.commitment_title!,
        kind: r.commitment_kind as "subcontract" | "purchase_order",
      },
      vendor: { id: r.vendor_id!, name: r.vendor_name! },
      submittedBy: item.submittedBy,
      submittedAt: item.submittedAt,
      lineCount: item.lineCount,
      totals: { revised: fmt(r.total_revised_minor), delta: fmt(r.total_delta_minor) },
      ...item.extra,
    })),
  };
}

/** One page of a tab with the counts of its kind of document; each tab shapes the items its own way. */
async function listPage(
  ctx: AppContext,
  actor: Actor,
  companyId: string,
  q: { statuses: D.SubmissionStatus[]; cursor?: string; limit: number },
  documentType: DocumentType,
) {
  const statement = listStatement(
    ctx.db,
    companyId,
    {
      statuses: q.statuses,
      cursor: q.cursor ? decodeCursor(ctx.config.secretKey, companyId, q.cursor) : null,
      limit: q.limit,
    },
    documentType,
  );
  // The permission check runs beside the page's statement rather than before it (and costs nothing when the
  // membership came with the token). Nothing read is returned unless the check passes.
  const [, result] = await Promise.all([
    requireRight(ctx, actor, companyId, "view_erp_integrations"),
    runPrepared<ListRow>(ctx.pool, statement),
  ]);
  const counts = result[0]?.counts ?? {};
  const rows = result.filter((r): r is ListRow & { id: string } => r.id !== null);
  const page = rows.slice(0, q.limit);
  const last = page[page.length - 1];
  const countMap = Object.fromEntries(
    D.SUBMISSION_STATUSES.map((s) => [s, Number(counts[s] ?? 0)]),
  ) as Record<D.SubmissionStatus, number>;
  return {
    items: page.map((r) => ({
      row: r,
      item: {
        id: r.id,
        status: r.status,
        project: { id: r.project_id, number: r.project_number, name: r.project_name },
        submittedBy: { id: r.user_id, name: r.user_name, email: r.user_email },
        submittedAt: r.submitted_at.toISOString(),
        lineCount: r.line_count,
        extra: listExtras(r),
      },
    })),
    nextCursor:
      rows.length > q.limit && last
        ? encodeCursor(ctx.config.secretKey, companyId, last.submitted_at, last.id)
        : null,
    counts: countMap,
  };
}

/** What a row carries beyond its document: the reason, the export's state, the decision. */
function listExtras(r: ListRow) {
  return {
    ...(r.reason ? { reason: r.reason } : {}),
    ...(r.last_error_code
      ? {
          lastError: {
            code: r.last_error_code,
            message: r.last_error_message,
            remedy: r.last_error_remedy,
          },
        }
      : {}),
    ...(r.waiting_for ? { waitingFor: r.waiting_for } : {}),
    ...(r.changed_in_erp_at ? { changedInQuickBooksAt: r.changed_in_erp_at.toISOString() } : {}),
    // A failed export: when it failed (its last change of status) and how many attempts were made.
    ...(r.status === "failed" ? { failedAt: r.updated_at.toISOString(), attempts: r.attempt ?? 1 } : {}),
    // Rejected or retrieved: who did it and when.
    ...((r.status === "rejected" || r.status === "retrieved") && r.decided_at
      ? {
          decision: {
            by: r.decider_id ? { id: r.decider_id, name: r.decider_name, email: r.decider_email } : null,
            at: r.decided_at.toISOString(),
            action: r.decision_action ?? (r.status === "rejected" ? "reject" : "retrieve"),
            ...(r.reason ? { reason: r.reason } : {}),
          },
        }
      : {}),
  };
}

/**
 * What every submission's Details carries, whatever its document: the row with its project and people, its lines,
 * its export and attempts, the company and its connection. A submission of another kind of document is not found
 * (each tab shows only its own).
 */
async function loadDetail(
  ctx: AppContext,
  actor: Actor,
  companyId: string,
  submissionId: string,
  documentType: DocumentType,
) {
  const m = await requireRight(ctx, actor, companyId, "view_erp_integrations");
  const s = await ctx.db
    .selectFrom("submissions")
    .innerJoin("projects", (j) =>
      j
        .onRef("projects.company_id", "=", "submissions.company_id")
        .onRef("projects.id", "=", "submissions.project_id"),
    )
    .innerJoin("users", "users.id", "submissions.submitted_by")
    .leftJoin("users as decider", "decider.id", "submissions.decided_by")
    .selectAll("submissions")
    .select([
      "projects.number as project_number",
      "projects.name as project_name",
      "projects.erp_job_ref",
      "projects.erp_job_name",
      "projects.erp_parent_customer_name",
      "users.name as user_name",
      "users.email as user_email",
      "decider.name as decider_name",
    ])
    .where("submissions.company_id", "=", companyId)
    .where("submissions.id", "=", submissionId)
    .where("submissions.document_type", "=", documentType)
    .executeTakeFirst();
  if (!s) throw new AppError("not_found", "Submission was not found.");
  const [lines, exp, attempts, company, codes, conn] = await Promise.all([
    ctx.db
      .selectFrom("submission_lines")
      .selectAll()
      .where("company_id", "=", companyId)
      .where("submission_id", "=", submissionId)
      .orderBy("position")
      .execute(),
    ctx.db
      .selectFrom("exports")
      .selectAll()
      .where("company_id", "=", companyId)
      .where("submission_id", "=", submissionId)
      .executeTakeFirst(),
    ctx.db
      .selectFrom("export_attempts")
      .selectAll()
      .where("company_id", "=", companyId)
      .where("submission_id", "=", submissionId)
      .orderBy("attempt")
      .execute(),
    loadCompanySettings(ctx.db, companyId),
    ctx.db
      .selectFrom("cost_codes")
      .select(["code", "erp_item_ref", "erp_item_name"])
      .where("company_id", "=", companyId)
      .execute(),
    ctx.db
      .selectFrom("erp_connections")
      .select(["type", "status", "erp_custom_txn_numbers"])
      .where("company_id", "=", companyId)
      .executeTakeFirst(),
  ]);
  const mapped = new Map(codes.map((c) => [c.code, c]));
  // Each ERP names the items it adds its own way (Desktop: item = cost code; Online: code and description).
  const erp = findErp(conn?.type);
  const itemName = (code: string, description: string) => erp?.itemName?.(code, description) ?? code;
  const itemsToCreate = company.createMissingItems
    ? [
        ...new Set(
          lines
            .filter((l) => !mapped.get(l.cost_code)?.erp_item_ref)
            .map((l) => itemName(l.cost_code, l.cost_code_description)),
        ),
      ]
    : [];
  const parentName = s.erp_parent_customer_name ?? company.defaultParentCustomer;
  const customer = s.erp_job_ref
    ? { job: s.erp_job_name ?? jobDisplayName(s.project_name), create: false }
    : { parent: parentName, job: jobDisplayName(s.project_name), create: true };
  return { m, s, lines, exp, attempts, company, mapped, conn, itemName, itemsToCreate, customer };
}

type Detail = Awaited<ReturnType<typeof loadDetail>>;

/** The header of Details: who sent what, when, for which project. */
function detailHead(d: Detail) {
  const { s } = d;
  return {
    id: s.id,
    status: s.status as D.SubmissionStatus,
    replaced: s.replaced_by !== null,
    project: { id: s.project_id, number: s.project_number, name: s.project_name },
    submittedBy: { id: s.submitted_by, name: s.user_name, email: s.user_email },
    submittedAt: s.submitted_at.toISOString(),
    lineCount: s.line_count,
  };
}

function detailDecision({ s }: Detail) {
  return s.decision_action
    ? {
        by: s.decider_name,
        at: s.decided_at?.toISOString() ?? null,
        action: s.decision_action,
        reason: s.reason,
      }
    : null;
}

/** The export's attempts, its state and last error, and the ERP's reference once written. */
function detailExport<R>({ exp, attempts }: Detail, erpRef: (id: string) => R, extra: object = {}) {
  return exp
    ? {
        attempts: attempts.map((a) => ({
          attempt: a.attempt,
          startedAt: a.started_at.toISOString(),
          finishedAt: a.finished_at?.toISOString() ?? null,
          outcome: a.outcome,
          error: a.error_code ? { code: a.error_code, message: a.error_message } : null,
        })),
        tries: exp.tries,
        waitingFor: exp.waiting_for,
        nextTryAt: exp.next_try_at?.toISOString() ?? null,
        lastError: exp.last_error_code
          ? { code: exp.last_error_code, message: exp.last_error_message, remedy: exp.last_error_remedy }
          : null,
        erpRef: exp.erp_estimate_id ? erpRef(exp.erp_estimate_id) : null,
        confirmedAt: exp.confirmed_at?.toISOString() ?? null,
        ...extra,
      }
    : null;
}

/** Details of a budget's submission (docs/product.md §erp-details). */
export async function getSubmission(ctx: AppContext, actor: Actor, companyId: string, submissionId: string) {
  const d = await loadDetail(ctx, actor, companyId, submissionId, "budget");
  const { s, lines, exp, company, mapped, conn, itemName } = d;
  const estimate = await ctx.db
    .selectFrom("erp_estimates")
    .selectAll()
    .where("company_id", "=", companyId)
    .where("project_id", "=", s.project_id)
    .executeTakeFirst();
  const desktop = conn?.type === QUICKBOOKS_DESKTOP_KIND;
  const updating = company.estimateMode === "update_in_place" && estimate;
  // QuickBooks Online keeps the number it holds on an update, and numbers a new estimate itself when the company's
  // custom transaction numbers are off (null: QuickBooks assigns it).
  const onlineNumber = updating
    ? estimate.doc_number
    : conn?.erp_custom_txn_numbers === false
      ? null
      : docNumberFor(s.project_number);
  const preview = {
    erp: erpLabel(conn?.type),
    customer: d.customer,
    itemsToCreate: d.itemsToCreate,
    estimate: {
      action: updating ? "update" : "create",
      ...(updating ? { estimateId: estimate.estimate_id } : {}),
      docNumber: desktop ? refNumberFor(s.project_number) : onlineNumber,
      memo: formatMarker({ projectNumber: s.project_number, submissionId }),
      // An update leaves the estimate's status (Pending, Accepted) as QuickBooks has it.
      ...(updating && !desktop ? {} : { status: "Pending" }),
      taxable: false,
      markup: "0%",
      total: fmt(s.total_revised_minor),
    },
    lines: lines.map((l) => ({
      item: mapped.get(l.cost_code)?.erp_item_name ?? itemName(l.cost_code, l.cost_code_description),
      description: lineDescription(
        {
          costCode: l.cost_code,
          costCodeDescription: l.cost_code_description,
          category: l.category,
          categoryName: l.category_name,
          revisedEstimate: l.revised_minor,
        },
        company.useClasses,
      ),
      ...(company.useClasses ? { class: l.category_name } : {}),
      amount: fmt(l.revised_minor),
    })),
  };
  return {
    ...detailHead(d),
    totals: {
      originalBudget: fmt(s.total_original_minor),
      budgetChanges: fmt(s.total_changes_minor),
      revisedEstimate: fmt(s.total_revised_minor),
      previouslyExported: fmt(s.total_revised_minor - s.total_delta_minor),
      delta: fmt(s.total_delta_minor),
    },
    lines: lines.map((l) => ({
      costCode: l.cost_code,
      costCodeDescription: l.cost_code_description,
      category: l.category,
      categoryName: l.category_name,
      originalBudget: fmt(l.original_minor),
      budgetChanges: fmt(l.budget_changes_minor),
      revisedEstimate: fmt(l.revised_minor),
      previouslyExported: fmt(l.previously_exported_minor),
      delta: fmt(l.delta_minor),
    })),
    decision: detailDecision(d),
    export: detailExport(
      d,
      (estimateId) => ({
        estimateId,
        version: exp!.erp_version,
        jobRef: exp!.erp_job_ref,
        docNumber: exp!.erp_doc_number,
      }),
      {
        // Someone changed what Costbridge owns on this export's estimate in QuickBooks since (null: nobody has).
        changedInQuickBooksAt:
          estimate?.submission_id === s.id ? (estimate.changed_in_erp_at?.toISOString() ?? null) : null,
      },
    ),
    preview,
    canDecide: D.isAccountingApprover(d.m),
  };
}

/**
 * Details of a commitment's submission (docs/product.md §commitment-submissions): its lines with the previously
 * exported amount and the change, and a preview of the purchase order the export will write — to which vendor
 * (linked, found by name or created), under which number, each line's item, job and amount.
 */
export async function getCommitmentSubmission(
  ctx: AppContext,
  actor: Actor,
  companyId: string,
  submissionId: string,
) {
  const d = await loadDetail(ctx, actor, companyId, submissionId, "commitment");
  const { s, lines, exp, mapped, conn, itemName } = d;
  const commitmentId = s.commitment_id!;
  const [c, flags, po] = await Promise.all([
    ctx.db
      .selectFrom("commitments")
      .innerJoin("vendors", (j) =>
        j
          .onRef("vendors.company_id", "=", "commitments.company_id")
          .onRef("vendors.id", "=", "commitments.vendor_id"),
      )
      .select([
        "commitments.id",
        "commitments.number",
        "commitments.title",
        "commitments.kind",
        "vendors.id as vendor_id",
        "vendors.name as vendor_name",
        "vendors.erp_vendor_ref",
        "vendors.erp_vendor_name",
      ])
      .where("commitments.company_id", "=", companyId)
      .where("commitments.id", "=", commitmentId)
      .executeTakeFirstOrThrow(),
    ctx.db
      .selectFrom("companies")
      .select("create_missing_vendors")
      .where("id", "=", companyId)
      .executeTakeFirstOrThrow(),
    conn
      ? ctx.db
          .selectFrom("erp_purchase_orders")
          .selectAll()
          .where("company_id", "=", companyId)
          .where("commitment_id", "=", commitmentId)
          .where("erp_type", "=", conn.type)
          .executeTakeFirst()
      : undefined,
  ]);
  const job = d.customer.job;
  const preview = {
    erp: erpLabel(conn?.type),
    vendor: c.erp_vendor_ref
      ? { name: c.erp_vendor_name ?? c.vendor_name, ref: c.erp_vendor_ref, action: "linked" as const }
      : {
          name: c.vendor_name,
          ref: null,
          // Found by name at export; added only when the company allows it.
          action: flags.create_missing_vendors ? ("find_or_create" as const) : ("find" as const),
        },
    customer: d.customer,
    itemsToCreate: d.itemsToCreate,
    purchaseOrder: {
      action: po ? ("update" as const) : ("create" as const),
      ...(po ? { purchaseOrderId: po.purchase_order_id } : {}),
      docNumber: po?.doc_number ?? c.number,
      memo: `Costbridge commitment ${c.id}`,
      status: "Open",
      total: fmt(s.total_revised_minor),
    },
    lines: lines.map((l) => ({
      item: mapped.get(l.cost_code)?.erp_item_name ?? itemName(l.cost_code, l.cost_code_description),
      description: l.description || `${l.cost_code_description} (${l.category_name})`,
      job,
      amount: fmt(l.revised_minor),
    })),
  };
  return {
    ...detailHead(d),
    commitment: {
      id: c.id,
      number: c.number,
      title: c.title,
      kind: c.kind as "subcontract" | "purchase_order",
    },
    vendor: { id: c.vendor_id, name: c.vendor_name },
    totals: {
      original: fmt(s.total_original_minor),
      approvedChanges: fmt(s.total_changes_minor),
      revised: fmt(s.total_revised_minor),
      previouslyExported: fmt(s.total_revised_minor - s.total_delta_minor),
      delta: fmt(s.total_delta_minor),
    },
    lines: lines.map((l) => ({
      costCode: l.cost_code,
      costCodeDescription: l.cost_code_description,
      category: l.category,
      categoryName: l.category_name,
      description: l.description,
      original: fmt(l.original_minor),
      approvedChanges: fmt(l.budget_changes_minor),
      revised: fmt(l.revised_minor),
      previouslyExported: fmt(l.previously_exported_minor),
      delta: fmt(l.delta_minor),
    })),
    decision: detailDecision(d),
    export: detailExport(d, (purchaseOrderId) => ({
      purchaseOrderId,
      version: exp!.erp_version,
      jobRef: exp!.erp_job_ref,
      docNumber: exp!.erp_doc_number,
    })),
    preview,
    canDecide: D.isAccountingApprover(d.m),
  };
}
