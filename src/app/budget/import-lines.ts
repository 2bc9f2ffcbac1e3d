import * as D from "../../domain/index.js";
import { newId } from "../../lib/ids.js";
import type { AppContext } from "../context.js";
import { fromDomain } from "../domain-errors.js";
import { type Actor, memberOf } from "../membership.js";
import { loadProject, projectRights } from "./load.js";
import { type CheckedLine, checkNewLine, insertLines } from "./new-lines.js";
import { audit, type Scope, withBudget } from "./with-budget.js";

export interface ImportRowInput {
  /** The line of the file the row starts on (the header is line 1), as a spreadsheet numbers its rows. */
  row: number;
  costCode: string;
  category: string;
  originalBudget: string;
}

export interface ImportRowResult {
  row: number;
  ok: boolean;
  error?: { code: string; message: string; field?: string };
}

/**
 * Refuses an import the caller could not make (not a member, no such project, no right to edit the budget) before
 * the file is read; reads only, and importLines checks again in its own transaction.
 */
export async function checkImportAllowed(ctx: AppContext, actor: Actor, scope: Scope): Promise<void> {
  const m = await memberOf(ctx.db, actor, scope.companyId);
  await loadProject(ctx.db, scope.companyId, scope.projectId);
  const verdict = D.can(await projectRights(ctx.db, m, scope.projectId), "edit_budget", {
    actorId: actor.userId,
  });
  if (!verdict.ok) throw fromDomain(verdict.error);
}

/**
 * Adds many lines at once (CSV import). Every row is checked first, against the budget and against the rows
 * before it, with the same rules as adding one line; the lines are written only when every row passes and this
 * is not a dry run, all in one transaction. A frozen budget refuses the whole import.
 */
export async function importLines(
  ctx: AppContext,
  actor: Actor,
  scope: Scope,
  rows: readonly ImportRowInput[],
  opts: { dryRun: boolean },
): Promise<{ rows: ImportRowResult[]; applied: number }> {
  return withBudget(
    ctx,
    actor,
    scope,
    "edit_budget",
    async (b, tx) => {
      const pending = D.pendingSubmission(b.budget);
      if (pending) {
        throw fromDomain(
          D.domainError("submission_pending", {
            details: { submissionId: pending.id, status: pending.status },
          }),
        );
      }
      const results: ImportRowResult[] = [];
      const accepted: CheckedLine[] = [];
      const firstRowOf = new Map<string, number>();
      let budget = b.budget;
      for (const r of rows) {
        const key = `${r.costCode}\u0000${r.category}`;
        const earlier = firstRowOf.get(key);
        if (earlier !== undefined) {
          results.push({
            row: r.row,
            ok: false,
            error: {
              code: "duplicate_line",
              message: `Row ${earlier} already has a line for ${r.costCode} ${r.category}.`,
            },
          });
          continue;
        }
        firstRowOf.set(key, r.row);
        const checked = checkNewLine(b, budget, newId("ln"), r);
        if (!checked.ok) {
          const e = checked.error;
          results.push({
            row: r.row,
            ok: false,
            error: { code: e.code, message: e.message, ...(e.extra.field ? { field: e.extra.field } : {}) },
          });
          continue;
        }
        budget = checked.value.budget;
        accepted.push(checked.value);
        results.push({ row: r.row, ok: true });
      }
      const apply = !opts.dryRun && accepted.length === rows.length && rows.length > 0;
      if (!apply) return { rows: results, applied: 0 };
      await insertLines(tx, actor, scope, b, accepted);
      await audit(tx, ctx, actor, scope, "budget.lines_imported", "budget", b.budgetId, {
        lines: accepted.map((l) => ({
          id: l.line.id,
          costCode: l.line.costCode,
          category: l.line.category,
          originalBudget: D.formatAmount(l.line.original),
        })),
      });
      return { rows: results, applied: accepted.length };
    },
    { changed: (r) => r.applied > 0 },
  );
}
