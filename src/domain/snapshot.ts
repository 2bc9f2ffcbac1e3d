import { type Budget, deriveLines } from "./budget.js";
import { type Minor, sumAmounts } from "./money.js";

/** One line as the approver sees it and as it will be written to QuickBooks. */
export interface SnapshotLine {
  readonly lineId: string;
  readonly costCode: string;
  readonly costCodeDescription: string;
  readonly category: string;
  /** A commitment line's own description; budget lines have none. */
  readonly description?: string;
  readonly original: Minor;
  /** Approved budget changes, or a commitment line's approved change orders. */
  readonly budgetChanges: Minor;
  readonly revisedEstimate: Minor;
  /** Revised estimate in the last exported submission; 0 for a line never exported. */
  readonly previouslyExported: Minor;
  readonly delta: Minor;
}

export interface SnapshotTotals {
  readonly original: Minor;
  readonly budgetChanges: Minor;
  readonly revisedEstimate: Minor;
  readonly previouslyExported: Minor;
  readonly delta: Minor;
}

/** Immutable once stored with its submission; it also serves as an `ExportedBaseline` once exported. */
export interface SubmissionSnapshot {
  readonly lines: readonly SnapshotLine[];
  /** Approved changes counted in this snapshot; once exported they can no longer be edited or voided. */
  readonly changeIds: readonly string[];
  readonly totals: SnapshotTotals;
}

// Code-unit order, not locale order, so the same document always gives the same snapshot everywhere.
export function compareCodes(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function snapshotTotals(lines: readonly SnapshotLine[]): SnapshotTotals {
  return {
    original: sumAmounts(lines.map((l) => l.original)),
    budgetChanges: sumAmounts(lines.map((l) => l.budgetChanges)),
    revisedEstimate: sumAmounts(lines.map((l) => l.revisedEstimate)),
    previouslyExported: sumAmounts(lines.map((l) => l.previouslyExported)),
    delta: sumAmounts(lines.map((l) => l.delta)),
  };
}

/** The budget as it stands, compared line by line with what QuickBooks was last given. */
export function takeSnapshot(budget: Budget): SubmissionSnapshot {
  const previous = new Map(budget.lastExported?.lines.map((l) => [l.lineId, l.revisedEstimate]) ?? []);
  const lines = deriveLines(budget);
  const present = new Set(lines.map((l) => l.id));
  for (const lineId of previous.keys()) {
    // Exported lines cannot be deleted, so this is corrupt data rather than a user mistake.
    if (!present.has(lineId)) throw new Error(`exported budget line ${lineId} is missing from the budget`);
  }
  const snapshotLines: SnapshotLine[] = lines
    .map((line) => {
      const previouslyExported = previous.get(line.id) ?? 0n;
      return {
        lineId: line.id,
        costCode: line.costCode,
        costCodeDescription: line.costCodeDescription,
        category: line.category,
        original: line.original,
        budgetChanges: line.budgetChanges,
        revisedEstimate: line.revisedEstimate,
        previouslyExported,
        delta: line.revisedEstimate - previouslyExported,
      };
    })
    .sort((a, b) => compareCodes(a.costCode, b.costCode) || compareCodes(a.category, b.category));
  const changeIds = budget.changes.filter((c) => c.status === "approved").map((c) => c.id);
  return { lines: snapshotLines, changeIds, totals: snapshotTotals(snapshotLines) };
}

/** Lines whose revised estimate differs from what was last exported (a new line counts from 0). */
export function changedLines(snapshot: SubmissionSnapshot): readonly SnapshotLine[] {
  return snapshot.lines.filter((line) => line.delta !== 0n);
}

/** Rule 1's "something new to send": no "$0 change" workaround, only real differences count. */
export function hasSomethingNewToSend(budget: Budget): boolean {
  return changedLines(takeSnapshot(budget)).length > 0;
}
