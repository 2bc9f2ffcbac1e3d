import { type DomainError, domainError } from "./errors.js";
import { isPendingStatus, type PendingStatus, type SubmissionStatus } from "./lifecycle.js";
import { type InvalidAmount, invalidAmount, isAmountInRange, type Minor, sumAmounts } from "./money.js";
import { assertNever, err, ok, type Result } from "./result.js";

export type ChangeStatus = "draft" | "approved" | "void";

/** One line per cost code × category; `costCode` and `category` are the company's (immutable) codes. */
export interface BudgetLine {
  readonly id: string;
  readonly costCode: string;
  readonly costCodeDescription: string;
  readonly category: string;
  readonly original: Minor;
}

export interface Adjustment {
  readonly lineId: string;
  readonly amount: Minor;
}

export interface BudgetChange {
  readonly id: string;
  readonly number: number;
  readonly description: string;
  readonly status: ChangeStatus;
  readonly adjustments: readonly Adjustment[];
}

/** The newest submission of the budget, whatever its status. */
export interface LastSubmission {
  readonly id: string;
  readonly status: SubmissionStatus;
  readonly sentBy: string;
  readonly reason?: string | null;
}

/**
 * What QuickBooks was last given: the snapshot of the newest `exported` submission. A full `SubmissionSnapshot`
 * fits here; only the line ids, their revised estimates and the approved changes it counted are needed.
 */
export interface ExportedBaseline {
  readonly lines: readonly { readonly lineId: string; readonly revisedEstimate: Minor }[];
  readonly changeIds: readonly string[];
}

/** Everything the rules need about one project's budget, as loaded by persistence. */
export interface Budget {
  readonly locked: boolean;
  readonly lines: readonly BudgetLine[];
  readonly changes: readonly BudgetChange[];
  readonly lastSubmission: LastSubmission | null;
  readonly lastExported: ExportedBaseline | null;
}

export const EMPTY_BUDGET: Budget = {
  locked: false,
  lines: [],
  changes: [],
  lastSubmission: null,
  lastExported: null,
};

// ---------------------------------------------------------------------------------------------------------------
// Derived views

export interface DerivedLine extends BudgetLine {
  /** Sum of this line's adjustments in approved changes. */
  readonly budgetChanges: Minor;
  readonly revisedEstimate: Minor;
  /** Appeared in an exported submission; such a line can never be deleted. */
  readonly exported: boolean;
  /** QuickBooks holds this line at exactly its revised estimate: exported, and unchanged since. */
  readonly inQuickBooks: boolean;
}

export interface BudgetTotals {
  readonly original: Minor;
  readonly budgetChanges: Minor;
  readonly revisedEstimate: Minor;
}

export function approvedChangesByLine(budget: Budget): Map<string, Minor> {
  const byLine = new Map<string, Minor>();
  for (const change of budget.changes) {
    if (change.status !== "approved") continue;
    for (const adjustment of change.adjustments) {
      byLine.set(adjustment.lineId, (byLine.get(adjustment.lineId) ?? 0n) + adjustment.amount);
    }
  }
  return byLine;
}

/** Each exported line's revised estimate as QuickBooks was last given it. */
function exportedAmounts(budget: Budget): ReadonlyMap<string, Minor> {
  return new Map(budget.lastExported?.lines.map((line) => [line.lineId, line.revisedEstimate]) ?? []);
}

export function deriveLines(budget: Budget): DerivedLine[] {
  const changes = approvedChangesByLine(budget);
  const exported = exportedAmounts(budget);
  return budget.lines.map((line) => {
    const budgetChanges = changes.get(line.id) ?? 0n;
    const revisedEstimate = line.original + budgetChanges;
    return {
      ...line,
      budgetChanges,
      revisedEstimate,
      exported: exported.has(line.id),
      inQuickBooks: exported.get(line.id) === revisedEstimate,
    };
  });
}

export function budgetTotals(
  lines: readonly Pick<DerivedLine, "original" | "budgetChanges" | "revisedEstimate">[],
) {
  return {
    original: sumAmounts(lines.map((line) => line.original)),
    budgetChanges: sumAmounts(lines.map((line) => line.budgetChanges)),
    revisedEstimate: sumAmounts(lines.map((line) => line.revisedEstimate)),
  } satisfies BudgetTotals;
}

export function pendingSubmission(budget: Budget): (LastSubmission & { status: PendingStatus }) | null {
  const last = budget.lastSubmission;
  return last && isPendingStatus(last.status) ? (last as LastSubmission & { status: PendingStatus }) : null;
}

/** Frozen while a submission is ready_to_export, exporting or failed: no edits at all. */
export function isFrozen(budget: Budget): boolean {
  return pendingSubmission(budget) !== null;
}

export function hasBeenExported(budget: Budget): boolean {
  return budget.lastExported !== null;
}

export function isLineExported(budget: Budget, lineId: string): boolean {
  return budget.lastExported?.lines.some((line) => line.lineId === lineId) ?? false;
}

export function isChangeExported(budget: Budget, changeId: string): boolean {
  return budget.lastExported?.changeIds.includes(changeId) ?? false;
}

export function hasApprovedChanges(budget: Budget): boolean {
  return budget.changes.some((change) => change.status === "approved");
}

/**
 * True when QuickBooks holds exactly this budget: same lines, same revised estimates, and no approved change
 * since. A new line or approved change counts even at $0, so a synced budget that gains one reads `locked`.
 */
export function matchesLastExport(budget: Budget): boolean {
  const baseline = budget.lastExported;
  if (!baseline) return false;
  const exported = new Map(baseline.lines.map((line) => [line.lineId, line.revisedEstimate]));
  const lines = deriveLines(budget);
  if (lines.length !== exported.size) return false;
  if (lines.some((line) => exported.get(line.id) !== line.revisedEstimate)) return false;
  const exportedChanges = new Set(baseline.changeIds);
  return budget.changes.every((change) => change.status !== "approved" || exportedChanges.has(change.id));
}

export const BUDGET_STATES = [
  "unlocked",
  "locked",
  "awaiting_acceptance",
  "exporting",
  "failed",
  "synced",
] as const;
export type BudgetState = (typeof BUDGET_STATES)[number];

/**
 * The budget state from the three facts it rests on: the newest submission's status, the lock, and whether
 * QuickBooks holds exactly this budget. Lists that read these facts from stored columns call this too, so a list
 * and the budget page can never disagree.
 */
export function stateOf(facts: {
  lastStatus: SubmissionStatus | null;
  locked: boolean;
  matchesExport: boolean;
}): BudgetState {
  const last = facts.lastStatus;
  if (last && isPendingStatus(last)) {
    switch (last) {
      case "ready_to_export":
        return "awaiting_acceptance";
      case "exporting":
        return "exporting";
      case "failed":
        return "failed";
      default:
        return assertNever(last, "pending status");
    }
  }
  if (!facts.locked) return "unlocked";
  return facts.matchesExport ? "synced" : "locked";
}

/** The budget `state` of docs/product.md §budget-state, as the API and the budget page show it. */
export function budgetState(budget: Budget): BudgetState {
  return stateOf({
    lastStatus: budget.lastSubmission?.status ?? null,
    locked: budget.locked,
    matchesExport: budget.locked && matchesLastExport(budget),
  });
}

export type Ribbon = "none" | "yellow" | "blue" | "red" | "green";

/** Colour convention of the classic tool: blue waiting, green synced, yellow handed back, red failed. */
export function budgetRibbon(budget: Budget): Ribbon {
  const state = budgetState(budget);
  const last = budget.lastSubmission?.status;
  switch (state) {
    case "unlocked":
      return last === "rejected" ? "yellow" : "none";
    case "locked":
      return last === "rejected" || last === "retrieved" ? "yellow" : "none";
    case "awaiting_acceptance":
    case "exporting":
      return "blue";
    case "failed":
      return "red";
    case "synced":
      return "green";
    default:
      return assertNever(state, "budget state");
  }
}

export type SendButtonLabel = "Send to ERP" | "Re-send to ERP" | "Retrieve from ERP";

/** Rule 2: what the budget page's ERP button says and which command it issues. */
export function sendButton(budget: Budget): { label: SendButtonLabel; command: "send" | "retrieve" } {
  if (budget.lastSubmission?.status === "ready_to_export")
    return { label: "Retrieve from ERP", command: "retrieve" };
  return { label: hasBeenExported(budget) ? "Re-send to ERP" : "Send to ERP", command: "send" };
}

/** Rule 4: a rejected budget is unlocked only when it was never exported and has no approved changes. */
export function isLockedAfterReject(budget: Budget): boolean {
  return hasBeenExported(budget) || hasApprovedChanges(budget);
}

// ---------------------------------------------------------------------------------------------------------------
// Editing rules. Each returns the budget after the change plus the entity to persist.

type Frozen = DomainError<"submission_pending">;

function checkNotFrozen(budget: Budget): Result<true, Frozen> {
  const pending = pendingSubmission(budget);
  if (!pending) return ok(true);
  return err(
    domainError("submission_pending", { details: { submissionId: pending.id, status: pending.status } }),
  );
}

function findLine(budget: Budget, lineId: string): Result<BudgetLine, DomainError<"line_not_found">> {
  const line = budget.lines.find((candidate) => candidate.id === lineId);
  return line ? ok(line) : err(domainError("line_not_found", { details: { lineId } }));
}

function findChange(budget: Budget, changeId: string): Result<BudgetChange, DomainError<"change_not_found">> {
  const change = budget.changes.find((candidate) => candidate.id === changeId);
  return change ? ok(change) : err(domainError("change_not_found", { details: { changeId } }));
}

function checkOriginal(original: Minor, field: string): Result<true, InvalidAmount> {
  if (!isAmountInRange(original)) return err(invalidAmount("out_of_range", field));
  if (original < 0n) return err(invalidAmount("negative", field));
  return ok(true);
}

function lineLabel(line: Pick<BudgetLine, "costCode" | "category">): string {
  return `${line.costCode} ${line.category}`;
}

export interface NewLine {
  readonly id: string;
  readonly costCode: string;
  readonly costCodeDescription: string;
  readonly category: string;
  readonly original: Minor;
}

export type AddLineError = Frozen | InvalidAmount | DomainError<"duplicate_line" | "budget_locked">;

/** Lines may be added while unlocked, and at $0 while locked (their value then comes from budget changes). */
export function addLine(
  budget: Budget,
  input: NewLine,
): Result<{ budget: Budget; line: BudgetLine }, AddLineError> {
  const notFrozen = checkNotFrozen(budget);
  if (!notFrozen.ok) return notFrozen;
  const valid = checkOriginal(input.original, "originalBudget");
  if (!valid.ok) return valid;
  const duplicate = budget.lines.find(
    (line) => line.costCode === input.costCode && line.category === input.category,
  );
  if (duplicate) {
    return err(
      domainError("duplicate_line", {
        message: `The budget already has a line for ${lineLabel(input)}.`,
        details: { lineId: duplicate.id },
      }),
    );
  }
  if (budget.locked && input.original !== 0n) {
    return err(
      domainError("budget_locked", {
        message: "The budget is locked: a new line starts at 0; give it an amount with a budget change.",
        field: "originalBudget",
      }),
    );
  }
  const line: BudgetLine = {
    id: input.id,
    costCode: input.costCode,
    costCodeDescription: input.costCodeDescription,
    category: input.category,
    original: input.original,
  };
  return ok({ budget: { ...budget, lines: [...budget.lines, line] }, line });
}

export type UpdateLineError = Frozen | InvalidAmount | DomainError<"line_not_found" | "budget_locked">;

/** Originals are editable only while the budget is unlocked. */
export function updateLineOriginal(
  budget: Budget,
  lineId: string,
  original: Minor,
): Result<{ budget: Budget; line: BudgetLine }, UpdateLineError> {
  const found = findLine(budget, lineId);
  if (!found.ok) return found;
  const notFrozen = checkNotFrozen(budget);
  if (!notFrozen.ok) return notFrozen;
  if (budget.locked) return err(domainError("budget_locked", { field: "originalBudget" }));
  const valid = checkOriginal(original, "originalBudget");
  if (!valid.ok) return valid;
  const line: BudgetLine = { ...found.value, original };
  return ok({ budget: { ...budget, lines: budget.lines.map((l) => (l.id === lineId ? line : l)) }, line });
}

export type DeleteLineError =
  | Frozen
  | DomainError<"line_not_found" | "line_exported" | "line_has_changes" | "budget_locked">;

/**
 * Rule 10: an exported line stays forever (bring it to zero with a budget change). A line that a budget change
 * adjusts stays too, or the change would point at nothing; and a locked budget's originals cannot shrink.
 */
export function deleteLine(
  budget: Budget,
  lineId: string,
): Result<{ budget: Budget; line: BudgetLine }, DeleteLineError> {
  const found = findLine(budget, lineId);
  if (!found.ok) return found;
  const notFrozen = checkNotFrozen(budget);
  if (!notFrozen.ok) return notFrozen;
  if (isLineExported(budget, lineId)) return err(domainError("line_exported", { details: { lineId } }));
  const usedBy = budget.changes.filter(
    (change) => change.status !== "void" && change.adjustments.some((a) => a.lineId === lineId),
  );
  if (usedBy.length > 0) {
    return err(
      domainError("line_has_changes", {
        message: `This line is used by budget change ${usedBy.map((c) => `#${c.number}`).join(", ")} and cannot be deleted.`,
        details: { lineId, changeIds: usedBy.map((c) => c.id) },
      }),
    );
  }
  if (budget.locked && found.value.original !== 0n) {
    return err(
      domainError("budget_locked", {
        message: "The budget is locked: only lines with an original budget of 0 can be deleted.",
      }),
    );
  }
  return ok({ budget: { ...budget, lines: budget.lines.filter((l) => l.id !== lineId) }, line: found.value });
}

export const CHANGE_DESCRIPTION_MAX_CHARS = 1000;

export type ChangeInputError =
  | InvalidAmount
  | DomainError<
      | "description_required"
      | "description_too_long"
      | "adjustments_required"
      | "duplicate_adjustment"
      | "unknown_line"
    >;

function validateDescription(
  description: string,
): Result<string, DomainError<"description_required" | "description_too_long">> {
  const trimmed = description.trim();
  if (trimmed.length === 0) return err(domainError("description_required", { field: "description" }));
  if ([...trimmed].length > CHANGE_DESCRIPTION_MAX_CHARS) {
    return err(
      domainError("description_too_long", {
        message: `The description is longer than ${CHANGE_DESCRIPTION_MAX_CHARS} characters.`,
        field: "description",
      }),
    );
  }
  return ok(trimmed);
}

function validateAdjustments(
  budget: Budget,
  adjustments: readonly Adjustment[],
): Result<readonly Adjustment[], ChangeInputError> {
  if (adjustments.length === 0) return err(domainError("adjustments_required", { field: "adjustments" }));
  const seen = new Set<string>();
  const lineIds = new Set(budget.lines.map((line) => line.id));
  for (const [index, adjustment] of adjustments.entries()) {
    if (!lineIds.has(adjustment.lineId)) {
      return err(
        domainError("unknown_line", {
          field: `adjustments[${index}].lineId`,
          details: { lineId: adjustment.lineId },
        }),
      );
    }
    if (seen.has(adjustment.lineId)) {
      return err(domainError("duplicate_adjustment", { field: `adjustments[${index}].lineId` }));
    }
    seen.add(adjustment.lineId);
    if (!isAmountInRange(adjustment.amount))
      return err(invalidAmount("out_of_range", `adjustments[${index}].amount`));
  }
  return ok(adjustments.map((a) => ({ lineId: a.lineId, amount: a.amount })));
}

export function nextChangeNumber(budget: Budget): number {
  return budget.changes.reduce((max, change) => Math.max(max, change.number), 0) + 1;
}

function replaceChange(budget: Budget, change: BudgetChange): Budget {
  return { ...budget, changes: budget.changes.map((c) => (c.id === change.id ? change : c)) };
}

export interface NewChange {
  readonly id: string;
  readonly description: string;
  readonly adjustments: readonly Adjustment[];
}

/** Budget changes belong to a locked budget: they are how a frozen original is revised. */
export function createChange(
  budget: Budget,
  input: NewChange,
): Result<
  { budget: Budget; change: BudgetChange },
  Frozen | DomainError<"budget_not_locked"> | ChangeInputError
> {
  const notFrozen = checkNotFrozen(budget);
  if (!notFrozen.ok) return notFrozen;
  if (!budget.locked) {
    return err(
      domainError("budget_not_locked", { message: "Lock the budget before adding budget changes." }),
    );
  }
  const description = validateDescription(input.description);
  if (!description.ok) return description;
  const adjustments = validateAdjustments(budget, input.adjustments);
  if (!adjustments.ok) return adjustments;
  const change: BudgetChange = {
    id: input.id,
    number: nextChangeNumber(budget),
    description: description.value,
    status: "draft",
    adjustments: adjustments.value,
  };
  return ok({ budget: { ...budget, changes: [...budget.changes, change] }, change });
}

export type DraftChangeError = Frozen | DomainError<"change_not_found" | "change_not_draft">;

function findDraft(budget: Budget, changeId: string): Result<BudgetChange, DraftChangeError> {
  const found = findChange(budget, changeId);
  if (!found.ok) return found;
  const notFrozen = checkNotFrozen(budget);
  if (!notFrozen.ok) return notFrozen;
  if (found.value.status !== "draft") {
    return err(domainError("change_not_draft", { details: { changeId, status: found.value.status } }));
  }
  return found;
}

export function updateDraftChange(
  budget: Budget,
  changeId: string,
  patch: { readonly description?: string; readonly adjustments?: readonly Adjustment[] },
): Result<{ budget: Budget; change: BudgetChange }, DraftChangeError | ChangeInputError> {
  const found = findDraft(budget, changeId);
  if (!found.ok) return found;
  let change = found.value;
  if (patch.description !== undefined) {
    const description = validateDescription(patch.description);
    if (!description.ok) return description;
    change = { ...change, description: description.value };
  }
  if (patch.adjustments !== undefined) {
    const adjustments = validateAdjustments(budget, patch.adjustments);
    if (!adjustments.ok) return adjustments;
    change = { ...change, adjustments: adjustments.value };
  }
  return ok({ budget: replaceChange(budget, change), change });
}

export function deleteDraftChange(
  budget: Budget,
  changeId: string,
): Result<{ budget: Budget; change: BudgetChange }, DraftChangeError> {
  const found = findDraft(budget, changeId);
  if (!found.ok) return found;
  return ok({
    budget: { ...budget, changes: budget.changes.filter((c) => c.id !== changeId) },
    change: found.value,
  });
}

/** Rule 10: nothing is approved while a submission awaits acceptance (or is exporting or failed). */
export function approveChange(
  budget: Budget,
  changeId: string,
): Result<{ budget: Budget; change: BudgetChange }, DraftChangeError | DomainError<"budget_not_locked">> {
  const found = findDraft(budget, changeId);
  if (!found.ok) return found;
  if (!budget.locked) {
    return err(
      domainError("budget_not_locked", { message: "Lock the budget before approving budget changes." }),
    );
  }
  const change: BudgetChange = { ...found.value, status: "approved" };
  return ok({ budget: replaceChange(budget, change), change });
}

/** Drafts and approved changes can be voided until they are exported; then they are history. */
export function voidChange(
  budget: Budget,
  changeId: string,
): Result<
  { budget: Budget; change: BudgetChange },
  Frozen | DomainError<"change_not_found" | "change_exported" | "change_already_void">
> {
  const found = findChange(budget, changeId);
  if (!found.ok) return found;
  const notFrozen = checkNotFrozen(budget);
  if (!notFrozen.ok) return notFrozen;
  if (isChangeExported(budget, changeId))
    return err(domainError("change_exported", { details: { changeId } }));
  if (found.value.status === "void")
    return err(domainError("change_already_void", { details: { changeId } }));
  const change: BudgetChange = { ...found.value, status: "void" };
  return ok({ budget: replaceChange(budget, change), change });
}

/** Rule 3 (state part; the right is checked by `can`). A budget without lines has nothing to lock. */
export function lockBudget(budget: Budget): Result<Budget, DomainError<"budget_locked" | "budget_empty">> {
  if (budget.locked) return err(domainError("budget_locked", { message: "The budget is already locked." }));
  if (budget.lines.length === 0) return err(domainError("budget_empty"));
  return ok({ ...budget, locked: true });
}

/** Rule 3: refused while a submission is pending or when approved budget changes exist. */
export function unlockBudget(
  budget: Budget,
): Result<Budget, Frozen | DomainError<"budget_not_locked" | "approved_changes_exist">> {
  if (!budget.locked) return err(domainError("budget_not_locked", { message: "The budget is not locked." }));
  const notFrozen = checkNotFrozen(budget);
  if (!notFrozen.ok) return notFrozen;
  if (hasApprovedChanges(budget)) return err(domainError("approved_changes_exist"));
  return ok({ ...budget, locked: false });
}
