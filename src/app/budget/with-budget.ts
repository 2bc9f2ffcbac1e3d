import { sql } from "kysely";
import type { Tx } from "../../db/database.js";
import * as D from "../../domain/index.js";
import { recordAudit } from "../audit.js";
import type { AppContext } from "../context.js";
import { fromDomain, orThrow } from "../domain-errors.js";
import { type Actor, requireMembership } from "../membership.js";
import { type BudgetContext, loadBudgetContext, projectRights, storeExportMatch } from "./load.js";

export interface Scope {
  companyId: string;
  projectId: string;
}

/**
 * Runs one budget command: in a transaction, with the budget row locked, the caller's rights checked for
 * `action`, then the command; bumps the budget's version so concurrent readers see that it moved.
 */
export async function withBudget<T>(
  ctx: AppContext,
  actor: Actor,
  scope: Scope,
  action: D.Action,
  fn: (b: BudgetContext, tx: Tx, rights: D.EffectiveRights) => Promise<T>,
  opts: { changed?: (result: T) => boolean } = {},
): Promise<T> {
  return ctx.db.transaction().execute(async (tx) => {
    const m = await requireMembership(tx, actor.userId, scope.companyId);
    const b = await loadBudgetContext(tx, scope.companyId, scope.projectId, { forUpdate: true });
    const rights = await projectRights(tx, m, scope.projectId);
    const verdict = D.can(rights, action, { actorId: actor.userId });
    if (!verdict.ok) throw fromDomain(verdict.error);
    const result = await fn(b, tx, rights);
    // A command that turned out to change nothing (a dry run) leaves the version alone.
    if (opts.changed && !opts.changed(result)) return result;
    await bumpBudgetVersion(tx, scope.companyId, b.budgetId, ctx.now());
    await storeExportMatch(tx, scope.companyId, scope.projectId);
    return result;
  });
}

/** Moves the budget's version on, so readers holding the old one see that it changed. */
export async function bumpBudgetVersion(
  tx: Tx,
  companyId: string,
  budgetId: string,
  at: Date,
): Promise<void> {
  await tx
    .updateTable("budgets")
    .set({ version: sql`version + 1`, updated_at: at })
    .where("company_id", "=", companyId)
    .where("id", "=", budgetId)
    .execute();
}

/** An audit row for a budget command, with the project it belongs to. */
export function audit(
  tx: Tx,
  ctx: AppContext,
  actor: Actor,
  scope: Scope,
  action: string,
  entityType: string,
  entityId: string,
  data: Record<string, unknown> = {},
) {
  return recordAudit(tx, {
    companyId: scope.companyId,
    actor: { kind: "user", userId: actor.userId },
    action,
    entityType,
    entityId,
    data: { projectId: scope.projectId, ...data },
    at: ctx.now(),
  });
}

/** The rows of a budget that can be deleted one at a time, with the audit event each deletion records. */
const DELETABLE = {
  budget_lines: { action: "budget.line_deleted", entityType: "budget_line" },
  budget_changes: { action: "budget.change_deleted", entityType: "budget_change" },
} as const;

/** Deletes one row the budget owns (a line, a draft change) once the domain allows it, with its audit event. */
export function deleteBudgetRow(
  ctx: AppContext,
  actor: Actor,
  scope: Scope,
  table: keyof typeof DELETABLE,
  id: string,
  allowed: (budget: D.Budget) => D.Result<unknown, D.DomainError>,
) {
  return withBudget(ctx, actor, scope, "edit_budget", async (b, tx) => {
    orThrow(allowed(b.budget));
    await tx.deleteFrom(table).where("company_id", "=", scope.companyId).where("id", "=", id).execute();
    const { action, entityType } = DELETABLE[table];
    await audit(tx, ctx, actor, scope, action, entityType, id);
  });
}
