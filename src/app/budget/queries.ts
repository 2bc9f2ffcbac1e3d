import * as D from "../../domain/index.js";
import type { AppContext } from "../context.js";
import { fromDomain } from "../domain-errors.js";
import { changedInQuickBooks } from "../erp/qbo-changes.js";
import type { Actor } from "../membership.js";
import { memberOf } from "../membership.js";
import { submissionHistory } from "../submissions/history.js";
import { changeView } from "./change-rows.js";
import { type BudgetContext, loadBudgetContext, projectRights } from "./load.js";

const fmt = D.formatAmount;

async function viewable(ctx: AppContext, actor: Actor, companyId: string, projectId: string) {
  const m = await memberOf(ctx.db, actor, companyId);
  const b = await loadBudgetContext(ctx.db, companyId, projectId);
  const rights = await projectRights(ctx.db, m, projectId);
  const verdict = D.can(rights, "view_budget");
  if (!verdict.ok) throw fromDomain(verdict.error);
  return { b, rights };
}

function evaluationView(e: D.Evaluation) {
  return { allowed: e.allowed, reasons: e.reasons.map((r) => ({ code: r.code, message: r.message })) };
}

export function budgetResponse(b: BudgetContext, rights: D.EffectiveRights) {
  const view = D.viewBudget({ ...b.facts, rights });
  return {
    projectId: b.project.id,
    project: { id: b.project.id, number: b.project.number, name: b.project.name },
    locked: view.locked,
    state: view.state,
    status: view.status,
    ribbon: view.ribbon,
    lastSubmission: view.lastSubmission
      ? {
          id: view.lastSubmission.id,
          status: view.lastSubmission.status,
          ...(view.lastSubmission.reason ? { reason: view.lastSubmission.reason } : {}),
        }
      : null,
    lines: view.lines.map((l) => ({
      id: l.id,
      costCode: l.costCode,
      costCodeDescription: l.costCodeDescription,
      category: l.category,
      categoryName: b.categories.get(l.category)?.name ?? l.category,
      originalBudget: fmt(l.original),
      budgetChanges: fmt(l.budgetChanges),
      revisedEstimate: fmt(l.revisedEstimate),
      exported: l.exported,
      inQuickBooks: l.inQuickBooks,
      actions: l.actions,
    })),
    totals: {
      originalBudget: fmt(view.totals.original),
      budgetChanges: fmt(view.totals.budgetChanges),
      revisedEstimate: fmt(view.totals.revisedEstimate),
    },
    pendingSubmissionId: view.pendingSubmissionId,
    sendButton: view.sendButton,
    actions: {
      lock: evaluationView(view.actions.lock),
      unlock: evaluationView(view.actions.unlock),
      send: evaluationView(view.actions.send),
      retrieve: evaluationView(view.actions.retrieve),
    },
    permissions: {
      edit: D.can(rights, "edit_budget").ok,
      approveChanges: D.can(rights, "approve_budget_change").ok,
    },
  };
}

export async function getBudget(ctx: AppContext, actor: Actor, companyId: string, projectId: string) {
  const { b, rights } = await viewable(ctx, actor, companyId, projectId);
  return {
    ...budgetResponse(b, rights),
    changedInQuickBooks: await changedInQuickBooks(ctx, companyId, projectId),
  };
}

export async function listChanges(ctx: AppContext, actor: Actor, companyId: string, projectId: string) {
  const { b } = await viewable(ctx, actor, companyId, projectId);
  return { items: b.budget.changes.map((c) => changeView(c, D.isChangeExported(b.budget, c.id))) };
}

export async function listBudgetSubmissions(
  ctx: AppContext,
  actor: Actor,
  companyId: string,
  projectId: string,
) {
  const { b } = await viewable(ctx, actor, companyId, projectId);
  return submissionHistory(ctx.db, companyId, { budgetId: b.budgetId });
}
