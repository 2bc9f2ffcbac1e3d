import { sql } from "kysely";
import type { Tx } from "../../db/database.js";
import * as D from "../../domain/index.js";
import { newId } from "../../lib/ids.js";
import { recordAudit } from "../audit.js";
import type { AppContext } from "../context.js";
import { fromDomain, orThrow } from "../domain-errors.js";
import { queueEmail } from "../email/outbox.js";
import { AppError } from "../errors.js";
import { type Actor, memberOf, requireMembership } from "../membership.js";
import {
  type BudgetContext,
  loadBudgetContext,
  loadProject,
  projectRights,
  storeExportMatch,
} from "./load.js";

export type { Actor } from "../membership.js";

interface Scope {
  companyId: string;
  projectId: string;
}

/**
 * Runs one budget command: in a transaction, with the budget row locked, the caller's rights checked for
 * `action`, then the command; bumps the budget's version so concurrent readers see that it moved.
 */
async function withBudget<T>(
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
    await tx
      .updateTable("budgets")
      .set({ version: sql`version + 1`, updated_at: ctx.now() })
      .where("company_id", "=", scope.companyId)
      .where("id", "=", b.budgetId)
      .execute();
    await storeExportMatch(tx, scope.companyId, scope.projectId);
    return result;
  });
}

function audit(
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

/** A line as asked for, checked against the company's lists and the budget's rules; nothing written yet. */
export interface CheckedLine {
  line: D.BudgetLine;
  costCodeId: string;
  categoryId: string;
  categoryName: string;
  /** The budget with this line added, for checking the next one against it. */
  budget: D.Budget;
}

/**
 * The rules every new line passes, whether typed in or imported: an active cost code and a known category of the
 * company, an exact amount, then the domain's rules (no duplicate, $0 once locked, not while frozen). Returns the
 * refusal instead of throwing so an import can report every row.
 */
export function checkNewLine(
  b: Pick<BudgetContext, "costCodes" | "categories">,
  budget: D.Budget,
  id: string,
  input: { costCode: string; category: string; originalBudget: unknown },
): { ok: true; value: CheckedLine } | { ok: false; error: AppError } {
  const code = b.costCodes.get(input.costCode);
  if (!code?.active) {
    return {
      ok: false,
      error: new AppError("unknown_cost_code", `The company has no active cost code ${input.costCode}.`, {
        field: "costCode",
      }),
    };
  }
  const category = b.categories.get(input.category);
  if (!category) {
    return {
      ok: false,
      error: new AppError("unknown_category", `The company has no category ${input.category}.`, {
        field: "category",
      }),
    };
  }
  const amount = D.parseAmount(input.originalBudget, "originalBudget");
  if (!amount.ok) return { ok: false, error: fromDomain(amount.error) };
  const added = D.addLine(budget, {
    id,
    costCode: code.code,
    costCodeDescription: code.description,
    category: category.code,
    original: amount.value,
  });
  if (!added.ok) return { ok: false, error: fromDomain(added.error) };
  return {
    ok: true,
    value: {
      line: added.value.line,
      costCodeId: code.id,
      categoryId: category.id,
      categoryName: category.name,
      budget: added.value.budget,
    },
  };
}

/** Writes checked lines in one statement and makes the caller the budget's creator if it had none. */
async function insertLines(
  tx: Tx,
  actor: Actor,
  scope: Scope,
  b: BudgetContext,
  lines: readonly CheckedLine[],
): Promise<void> {
  if (lines.length === 0) return;
  await tx
    .insertInto("budget_lines")
    .values(
      lines.map((l) => ({
        company_id: scope.companyId,
        id: l.line.id,
        budget_id: b.budgetId,
        cost_code_id: l.costCodeId,
        category_id: l.categoryId,
        original_minor: l.line.original,
        added_after_lock: b.budget.locked,
      })),
    )
    .execute();
  if (!b.creatorUserId) {
    await tx
      .updateTable("budgets")
      .set({ creator_user_id: actor.userId })
      .where("company_id", "=", scope.companyId)
      .where("id", "=", b.budgetId)
      .execute();
  }
}

export async function addLine(
  ctx: AppContext,
  actor: Actor,
  scope: Scope,
  input: { costCode: string; category: string; originalBudget: unknown },
) {
  return withBudget(ctx, actor, scope, "edit_budget", async (b, tx) => {
    const checked = checkNewLine(b, b.budget, newId("ln"), input);
    if (!checked.ok) throw checked.error;
    const { line, categoryName } = checked.value;
    await insertLines(tx, actor, scope, b, [checked.value]);
    await audit(tx, ctx, actor, scope, "budget.line_added", "budget_line", line.id, {
      costCode: line.costCode,
      category: line.category,
      originalBudget: D.formatAmount(line.original),
    });
    return {
      ...line,
      budgetChanges: 0n,
      revisedEstimate: line.original,
      exported: false,
      categoryName,
    };
  });
}

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

export async function updateLine(
  ctx: AppContext,
  actor: Actor,
  scope: Scope,
  lineId: string,
  input: { originalBudget: unknown },
) {
  return withBudget(ctx, actor, scope, "edit_budget", async (b, tx) => {
    const original = orThrow(D.parseAmount(input.originalBudget, "originalBudget"));
    const { budget, line } = orThrow(D.updateLineOriginal(b.budget, lineId, original));
    await tx
      .updateTable("budget_lines")
      .set({ original_minor: original })
      .where("company_id", "=", scope.companyId)
      .where("id", "=", lineId)
      .execute();
    await audit(tx, ctx, actor, scope, "budget.line_updated", "budget_line", lineId, {
      originalBudget: D.formatAmount(original),
    });
    const derived = D.deriveLines(budget).find((l) => l.id === line.id)!;
    return { ...derived, categoryName: b.categories.get(derived.category)?.name ?? derived.category };
  });
}

export async function deleteLine(ctx: AppContext, actor: Actor, scope: Scope, lineId: string) {
  return withBudget(ctx, actor, scope, "edit_budget", async (b, tx) => {
    orThrow(D.deleteLine(b.budget, lineId));
    await tx
      .deleteFrom("budget_lines")
      .where("company_id", "=", scope.companyId)
      .where("id", "=", lineId)
      .execute();
    await audit(tx, ctx, actor, scope, "budget.line_deleted", "budget_line", lineId);
  });
}

function parseAdjustments(raw: { lineId: string; amount: unknown }[]) {
  return raw.map((a, i) => ({
    lineId: a.lineId,
    amount: orThrow(D.parseAmount(a.amount, `adjustments[${i}].amount`)),
  }));
}

async function writeAdjustments(
  tx: Tx,
  companyId: string,
  changeId: string,
  adjustments: readonly D.Adjustment[],
) {
  await tx
    .deleteFrom("budget_change_adjustments")
    .where("company_id", "=", companyId)
    .where("change_id", "=", changeId)
    .execute();
  if (adjustments.length === 0) return;
  await tx
    .insertInto("budget_change_adjustments")
    .values(
      adjustments.map((a) => ({
        company_id: companyId,
        change_id: changeId,
        line_id: a.lineId,
        amount_minor: a.amount,
      })),
    )
    .execute();
}

export function changeView(c: D.BudgetChange, exported: boolean) {
  return {
    id: c.id,
    number: c.number,
    description: c.description,
    status: c.status,
    exported,
    adjustments: c.adjustments.map((a) => ({ lineId: a.lineId, amount: D.formatAmount(a.amount) })),
    total: D.formatAmount(D.sumAmounts(c.adjustments.map((a) => a.amount))),
  };
}

export async function createChange(
  ctx: AppContext,
  actor: Actor,
  scope: Scope,
  input: { description: string; adjustments: { lineId: string; amount: unknown }[] },
) {
  return withBudget(ctx, actor, scope, "edit_budget", async (b, tx) => {
    const id = newId("chg");
    const { change } = orThrow(
      D.createChange(b.budget, {
        id,
        description: input.description,
        adjustments: parseAdjustments(input.adjustments),
      }),
    );
    await tx
      .insertInto("budget_changes")
      .values({
        company_id: scope.companyId,
        id,
        budget_id: b.budgetId,
        number: change.number,
        description: change.description,
        status: "draft",
        created_by: actor.userId,
      })
      .execute();
    await writeAdjustments(tx, scope.companyId, id, change.adjustments);
    await audit(tx, ctx, actor, scope, "budget.change_created", "budget_change", id, {
      number: change.number,
    });
    return changeView(change, false);
  });
}

export async function updateChange(
  ctx: AppContext,
  actor: Actor,
  scope: Scope,
  changeId: string,
  input: { description?: string; adjustments?: { lineId: string; amount: unknown }[] },
) {
  return withBudget(ctx, actor, scope, "edit_budget", async (b, tx) => {
    const { change } = orThrow(
      D.updateDraftChange(b.budget, changeId, {
        ...(input.description !== undefined ? { description: input.description } : {}),
        ...(input.adjustments !== undefined ? { adjustments: parseAdjustments(input.adjustments) } : {}),
      }),
    );
    await tx
      .updateTable("budget_changes")
      .set({ description: change.description })
      .where("company_id", "=", scope.companyId)
      .where("id", "=", changeId)
      .execute();
    if (input.adjustments !== undefined)
      await writeAdjustments(tx, scope.companyId, changeId, change.adjustments);
    await audit(tx, ctx, actor, scope, "budget.change_updated", "budget_change", changeId);
    return changeView(change, false);
  });
}

export async function deleteChange(ctx: AppContext, actor: Actor, scope: Scope, changeId: string) {
  return withBudget(ctx, actor, scope, "edit_budget", async (b, tx) => {
    orThrow(D.deleteDraftChange(b.budget, changeId));
    await tx
      .deleteFrom("budget_changes")
      .where("company_id", "=", scope.companyId)
      .where("id", "=", changeId)
      .execute();
    await audit(tx, ctx, actor, scope, "budget.change_deleted", "budget_change", changeId);
  });
}

async function decideChange(
  ctx: AppContext,
  actor: Actor,
  scope: Scope,
  changeId: string,
  kind: "approve" | "void",
) {
  return withBudget(
    ctx,
    actor,
    scope,
    kind === "approve" ? "approve_budget_change" : "void_budget_change",
    async (b, tx) => {
      const { change } = orThrow(
        kind === "approve" ? D.approveChange(b.budget, changeId) : D.voidChange(b.budget, changeId),
      );
      await tx
        .updateTable("budget_changes")
        .set({ status: change.status, decided_by: actor.userId, decided_at: ctx.now() })
        .where("company_id", "=", scope.companyId)
        .where("id", "=", changeId)
        .execute();
      await audit(
        tx,
        ctx,
        actor,
        scope,
        `budget.change_${kind === "approve" ? "approved" : "voided"}`,
        "budget_change",
        changeId,
      );
      return changeView(change, false);
    },
  );
}

export const approveChange = (ctx: AppContext, actor: Actor, scope: Scope, changeId: string) =>
  decideChange(ctx, actor, scope, changeId, "approve");
export const voidChange = (ctx: AppContext, actor: Actor, scope: Scope, changeId: string) =>
  decideChange(ctx, actor, scope, changeId, "void");

export async function lockBudget(ctx: AppContext, actor: Actor, scope: Scope) {
  return withBudget(ctx, actor, scope, "lock_budget", async (b, tx) => {
    orThrow(D.lockBudget(b.budget));
    await tx
      .updateTable("budgets")
      .set({ locked: true })
      .where("company_id", "=", scope.companyId)
      .where("id", "=", b.budgetId)
      .execute();
    await audit(tx, ctx, actor, scope, "budget.locked", "budget", b.budgetId);
  });
}

export async function unlockBudget(ctx: AppContext, actor: Actor, scope: Scope) {
  return withBudget(ctx, actor, scope, "unlock_budget", async (b, tx) => {
    orThrow(D.unlockBudget(b.budget));
    await tx
      .updateTable("budgets")
      .set({ locked: false })
      .where("company_id", "=", scope.companyId)
      .where("id", "=", b.budgetId)
      .execute();
    await audit(tx, ctx, actor, scope, "budget.unlocked", "budget", b.budgetId);
  });
}

/** Send / Re-send to ERP: every prerequisite of rule 1, then an immutable snapshot as a new submission. */
export async function sendToErp(ctx: AppContext, actor: Actor, scope: Scope) {
  return withBudget(ctx, actor, scope, "send_budget", async (b, tx, rights) => {
    const refusal = D.refusalError(D.evaluateSend({ ...b.facts, rights }));
    if (refusal) throw fromDomain(refusal);
    const transition = orThrow(D.decideTransition(null, "send"));
    const snapshot = D.takeSnapshot(b.budget);
    const id = newId("sub");
    const now = ctx.now();
    await tx
      .insertInto("submissions")
      .values({
        company_id: scope.companyId,
        id,
        budget_id: b.budgetId,
        project_id: scope.projectId,
        status: transition.to,
        submitted_by: actor.userId,
        submitted_at: now,
        line_count: snapshot.lines.length,
        total_original_minor: snapshot.totals.original,
        total_changes_minor: snapshot.totals.budgetChanges,
        total_revised_minor: snapshot.totals.revisedEstimate,
        total_delta_minor: snapshot.totals.delta,
        change_ids: [...snapshot.changeIds],
        updated_at: now,
      })
      .execute();
    await tx
      .insertInto("submission_lines")
      .values(
        snapshot.lines.map((l, position) => ({
          company_id: scope.companyId,
          submission_id: id,
          position,
          line_id: l.lineId,
          cost_code: l.costCode,
          cost_code_description: l.costCodeDescription,
          category: l.category,
          category_name: b.categories.get(l.category)?.name ?? l.category,
          original_minor: l.original,
          budget_changes_minor: l.budgetChanges,
          revised_minor: l.revisedEstimate,
          previously_exported_minor: l.previouslyExported,
          delta_minor: l.delta,
        })),
      )
      .execute();
    await audit(tx, ctx, actor, scope, "submission.sent", "submission", id, {
      lines: snapshot.lines.length,
      revisedEstimate: D.formatAmount(snapshot.totals.revisedEstimate),
      delta: D.formatAmount(snapshot.totals.delta),
    });
    if (transition.effects.includes("notify_approvers_if_enabled") && b.company.notifyApproversOnSend) {
      await notifyApproversOfSend(ctx, tx, b, actor, id, snapshot, now);
    }
    return { id, status: transition.to };
  });
}

async function notifyApproversOfSend(
  ctx: AppContext,
  tx: Tx,
  b: BudgetContext,
  actor: Actor,
  submissionId: string,
  snapshot: D.SubmissionSnapshot,
  now: Date,
) {
  const approvers = await tx
    .selectFrom("directory_entries")
    .innerJoin("users", "users.id", "directory_entries.user_id")
    .select(["users.id", "users.email", "users.name"])
    .where("directory_entries.company_id", "=", b.company.id)
    .where("directory_entries.active", "=", true)
    .where("directory_entries.can_push_to_accounting", "=", true)
    .where("directory_entries.erp_integrations", "in", ["standard", "admin"])
    .execute();
  const sender = await tx
    .selectFrom("users")
    .select("name")
    .where("id", "=", actor.userId)
    .executeTakeFirstOrThrow();
  for (const a of approvers) {
    await queueEmail(tx, {
      companyId: b.company.id,
      dedupeKey: `awaiting-acceptance:${submissionId}:${a.id}`,
      to: a.email,
      message: {
        template: "awaiting-acceptance",
        data: {
          publicUrl: ctx.config.publicUrl,
          recipientName: a.name,
          company: {
            id: b.company.id,
            name: b.company.name,
            timeZone: b.company.timeZone,
            currency: b.company.currency,
          },
          project: { id: b.project.id, number: b.project.number, name: b.project.name },
          sentBy: { name: sender.name },
          sentAt: now,
          lineCount: snapshot.lines.length,
          revisedTotal: snapshot.totals.revisedEstimate,
          delta: snapshot.totals.delta,
        },
      },
    });
  }
}

/** Retrieve from ERP: the sender side takes a waiting submission back; compare-and-set on its status. */
export async function retrieveFromErp(ctx: AppContext, actor: Actor, scope: Scope) {
  return withBudget(ctx, actor, scope, "retrieve_budget", async (b, tx, rights) => {
    const refusal = D.refusalError(D.evaluateRetrieve({ budget: b.budget, rights }));
    if (refusal) throw fromDomain(refusal);
    const pending = D.pendingSubmission(b.budget)!;
    const transition = orThrow(D.decideTransition(pending.status, "retrieve"));
    const updated = await tx
      .updateTable("submissions")
      .set({
        status: transition.to,
        version: sql`version + 1`,
        decided_by: actor.userId,
        decided_at: ctx.now(),
        decision_action: "retrieve",
        updated_at: ctx.now(),
      })
      .where("company_id", "=", scope.companyId)
      .where("id", "=", pending.id)
      .where("status", "=", pending.status)
      .returning(["id", "status"])
      .executeTakeFirst();
    if (!updated) throw fromDomain(D.domainError("concurrent_update"));
    await audit(tx, ctx, actor, scope, "submission.retrieved", "submission", pending.id);
    return updated;
  });
}
