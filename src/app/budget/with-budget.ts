import { sql } from "kysely";
import type { Tx } from "../../db/database.js";
import * as D from "../../domain/index.js";
import { recordAudit } from "../audit.js";
import type { AppContext } from "../context.js";
import { fromDomain } from "../domain-errors.js";
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
