import {
  type BudgetState,
  type BudgetTotals,
  budgetRibbon,
  budgetState,
  budgetTotals,
  type DerivedLine,
  deleteLine,
  deriveLines,
  type LastSubmission,
  pendingSubmission,
  type Ribbon,
  type SendButtonLabel,
  sendButton,
} from "./budget.js";
import type { SubmissionStatus } from "./lifecycle.js";
import { assertNever } from "./result.js";
import { type BudgetActions, evaluateBudgetActions, type SendFacts } from "./send-rules.js";

/**
 * What a budget's badge says everywhere (projects list, budget page, emails): the state, refined by how the newest
 * submission ended when nothing is pending — rejected, retrieved, or exported and changed since.
 */
export const BUDGET_STATUSES = [
  "unlocked",
  "locked",
  "rejected",
  "retrieved",
  "changed_since_sync",
  "awaiting_acceptance",
  "exporting",
  "failed",
  "synced",
] as const;
export type BudgetStatusKey = (typeof BUDGET_STATUSES)[number];

export interface BudgetStatus {
  readonly key: BudgetStatusKey;
  readonly label: string;
}

const STATUS_LABEL: Record<BudgetStatusKey, string> = {
  unlocked: "Unlocked",
  locked: "Locked",
  rejected: "Rejected",
  retrieved: "Retrieved",
  changed_since_sync: "Changed since sync",
  awaiting_acceptance: "Waiting for accounting",
  exporting: "Exporting to QuickBooks…",
  failed: "Failed to Export",
  synced: "Synced",
};

/** The one rule for the badge, from the state and the newest submission's status. */
export function budgetStatus(state: BudgetState, lastStatus: SubmissionStatus | null): BudgetStatus {
  const key = ((): BudgetStatusKey => {
    switch (state) {
      case "awaiting_acceptance":
      case "exporting":
      case "failed":
      case "synced":
        return state;
      case "unlocked":
        return lastStatus === "rejected" ? "rejected" : "unlocked";
      case "locked":
        if (lastStatus === "rejected") return "rejected";
        if (lastStatus === "retrieved") return "retrieved";
        if (lastStatus === "exported") return "changed_since_sync";
        return "locked";
      default:
        return assertNever(state, "budget state");
    }
  })();
  return { key, label: STATUS_LABEL[key] };
}

/** What may be done to one line now: the same rules the line commands apply. */
export interface LineActions {
  readonly delete: boolean;
}

/** Everything the budget GET and the budget page show, amounts still in minor units. */
export interface BudgetView {
  readonly locked: boolean;
  readonly state: BudgetState;
  readonly status: BudgetStatus;
  readonly ribbon: Ribbon;
  readonly lastSubmission: LastSubmission | null;
  readonly pendingSubmissionId: string | null;
  readonly lines: readonly (DerivedLine & { readonly actions: LineActions })[];
  readonly totals: BudgetTotals;
  readonly actions: BudgetActions;
  readonly sendButton: { readonly label: SendButtonLabel; readonly command: "send" | "retrieve" };
}

export function viewBudget(facts: SendFacts): BudgetView {
  const { budget } = facts;
  const lines = deriveLines(budget);
  const state = budgetState(budget);
  return {
    locked: budget.locked,
    state,
    status: budgetStatus(state, budget.lastSubmission?.status ?? null),
    ribbon: budgetRibbon(budget),
    lastSubmission: budget.lastSubmission,
    pendingSubmissionId: pendingSubmission(budget)?.id ?? null,
    lines: lines.map((line) => ({ ...line, actions: { delete: deleteLine(budget, line.id).ok } })),
    totals: budgetTotals(lines),
    actions: evaluateBudgetActions(facts),
    sendButton: sendButton(budget),
  };
}
