import * as D from "../../domain/index.js";
import { projectRights } from "../budget/load.js";
import type { AppContext } from "../context.js";
import { fromDomain } from "../domain-errors.js";
import { AppError } from "../errors.js";
import { type Actor, memberOf } from "../membership.js";
import {
  type CommitmentRecord,
  type CommitmentsContext,
  commitmentSendFacts,
  loadCommitments,
} from "./load.js";
import type { CommitmentScope, ProjectScope } from "./with-commitment.js";

const fmt = D.formatAmount;

async function viewable(ctx: AppContext, actor: Actor, scope: ProjectScope, commitmentId?: string) {
  const m = await memberOf(ctx.db, actor, scope.companyId);
  const c = await loadCommitments(ctx.db, scope.companyId, scope.projectId, {
    ...(commitmentId !== undefined ? { commitmentId } : {}),
  });
  const rights = await projectRights(ctx.db, m, scope.projectId);
  const verdict = D.can(rights, "view_budget");
  if (!verdict.ok) throw fromDomain(verdict.error);
  return { c, rights };
}

function person(c: CommitmentsContext, id: string | null) {
  return id ? { id, name: c.people.get(id) ?? "" } : null;
}

function evaluationView(e: D.Evaluation) {
  return { allowed: e.allowed, reasons: e.reasons.map((r) => ({ code: r.code, message: r.message })) };
}

/** One row of the commitments list (docs/product.md §commitments). */
export function commitmentSummary(c: CommitmentsContext, record: CommitmentRecord) {
  const { commitment } = record;
  const totals = D.commitmentTotals(commitment);
  const vendor = c.vendors.get(record.vendorId);
  const last = commitment.lastSubmission;
  return {
    id: commitment.id,
    number: commitment.number,
    kind: commitment.kind,
    title: commitment.title,
    vendor: { id: record.vendorId, name: vendor?.name ?? "" },
    status: commitment.status,
    locked: D.isCommitmentLocked(commitment),
    erpState: D.commitmentErpState(commitment),
    totals: {
      original: fmt(totals.original),
      approvedChanges: fmt(totals.approvedChanges),
      revised: fmt(totals.revised),
      pendingChanges: fmt(totals.pendingChanges),
    },
    lastSubmission: last ? { id: last.id, status: last.status, reason: last.reason ?? null } : null,
    pendingSubmissionId: D.pendingCommitmentSubmission(commitment)?.id ?? null,
  };
}

export function changeOrderView(c: CommitmentsContext, record: CommitmentRecord, order: D.ChangeOrder) {
  const meta = record.changeOrderMeta.get(order.id);
  return {
    id: order.id,
    number: order.number,
    title: order.title,
    status: order.status,
    lines: order.lines.map((l) => ({
      costCode: l.costCode,
      category: l.category,
      description: l.description,
      amount: fmt(l.amount),
    })),
    total: fmt(D.changeOrderTotal(order)),
    createdAt: (meta?.createdAt ?? new Date(0)).toISOString(),
    createdBy: person(c, meta?.createdBy ?? null),
    decidedAt: meta?.decidedAt?.toISOString() ?? null,
    decidedBy: person(c, meta?.decidedBy ?? null),
  };
}

export function commitmentLineView(line: D.DerivedCommitmentLine) {
  return {
    id: line.id,
    costCode: line.costCode,
    costCodeDescription: line.costCodeDescription,
    category: line.category,
    description: line.description,
    original: fmt(line.original),
    approvedChanges: fmt(line.approvedChanges),
    revised: fmt(line.revised),
    pendingChanges: fmt(line.pendingChanges),
    exported: line.exported === null ? null : fmt(line.exported),
  };
}

/** A commitment with its lines, change orders and what the caller may do with it. */
export function commitmentDetail(
  ctx: AppContext,
  c: CommitmentsContext,
  record: CommitmentRecord,
  rights: D.EffectiveRights,
) {
  const actions = D.evaluateCommitmentActions(commitmentSendFacts(ctx, c, record, rights));
  return {
    ...commitmentSummary(c, record),
    lines: D.deriveCommitmentLines(record.commitment).map(commitmentLineView),
    changeOrders: record.commitment.changeOrders.map((o) => changeOrderView(c, record, o)),
    actions: {
      edit: evaluationView(actions.edit),
      changeStatus: evaluationView(actions.changeStatus),
      addChangeOrder: evaluationView(actions.addChangeOrder),
      send: evaluationView(actions.send),
      retrieve: evaluationView(actions.retrieve),
    },
    version: record.version,
    createdBy: person(c, record.createdBy),
    createdAt: record.createdAt.toISOString(),
  };
}

export async function listCommitments(ctx: AppContext, actor: Actor, scope: ProjectScope) {
  const { c } = await viewable(ctx, actor, scope);
  return { items: c.records.map((r) => commitmentSummary(c, r)) };
}

export async function getCommitment(ctx: AppContext, actor: Actor, scope: CommitmentScope) {
  const { c, rights } = await viewable(ctx, actor, scope, scope.commitmentId);
  return commitmentDetail(ctx, c, c.records[0]!, rights);
}

export async function listChangeOrders(ctx: AppContext, actor: Actor, scope: CommitmentScope) {
  const { c } = await viewable(ctx, actor, scope, scope.commitmentId);
  const record = c.records[0]!;
  return { items: record.commitment.changeOrders.map((o) => changeOrderView(c, record, o)) };
}

export async function getChangeOrder(
  ctx: AppContext,
  actor: Actor,
  scope: CommitmentScope,
  changeOrderId: string,
) {
  const { c } = await viewable(ctx, actor, scope, scope.commitmentId);
  const record = c.records[0]!;
  const order = record.commitment.changeOrders.find((o) => o.id === changeOrderId);
  if (!order) throw new AppError("not_found", "Change order was not found.");
  return changeOrderView(c, record, order);
}

/** The commitment's submissions, newest first, as the budget's history shows its own. */
export async function listCommitmentSubmissions(ctx: AppContext, actor: Actor, scope: CommitmentScope) {
  await viewable(ctx, actor, scope, scope.commitmentId);
  const rows = await ctx.db
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
    .where("submissions.company_id", "=", scope.companyId)
    .where("submissions.commitment_id", "=", scope.commitmentId)
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
      totals: { revisedEstimate: fmt(r.total_revised_minor), delta: fmt(r.total_delta_minor) },
      decision: r.decision_action
        ? {
            action: r.decision_action,
            by: r.decider_name,
            at: r.decided_at?.toISOString() ?? null,
            reason: r.reason,
          }
        : null,
      exportedAt: r.exported_at?.toISOString() ?? null,
      replaced: r.replaced_by !== null,
    })),
  };
}
