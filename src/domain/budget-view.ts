import {
  type BudgetState,
  type BudgetTotals,
  budgetRibbon,
  budgetState,
  budgetTotals,
  type DerivedLine,
  deriveLines,
  type LastSubmission,
  pendingSubmission,
  type Ribbon,
  type SendButtonLabel,
  sendButton,
} from "./budget.js";
import { type BudgetActions, evaluateBudgetActions, type SendFacts } from "./send-rules.js";

/** Everything the budget GET and the budget page show, amounts still in minor units. */
export interface BudgetView {
  readonly locked: boolean;
  readonly state: BudgetState;
  readonly ribbon: Ribbon;
  readonly lastSubmission: LastSubmission | null;
  readonly pendingSubmissionId: string | null;
  readonly lines: readonly DerivedLine[];
  readonly totals: BudgetTotals;
  readonly actions: BudgetActions;
  readonly sendButton: { readonly label: SendButtonLabel; readonly command: "send" | "retrieve" };
}

export function viewBudget(facts: SendFacts): BudgetView {
  const { budget } = facts;
  const lines = deriveLines(budget);
  return {
    locked: budget.locked,
    state: budgetState(budget),
    ribbon: budgetRibbon(budget),
    lastSubmission: budget.lastSubmission,
    pendingSubmissionId: pendingSubmission(budget)?.id ?? null,
    lines,
    totals: budgetTotals(lines),
    actions: evaluateBudgetActions(facts),
    sendButton: sendButton(budget),
  };
}
