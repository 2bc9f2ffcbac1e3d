// Builders shared by the domain's tests; not part of the public API.
import type {
  Budget,
  BudgetChange,
  BudgetLine,
  ChangeStatus,
  ExportedBaseline,
  LastSubmission,
} from "../../src/domain/budget.js";
import type { SubmissionStatus } from "../../src/domain/lifecycle.js";
import type { EffectiveRights } from "../../src/domain/permissions.js";
import { takeSnapshot } from "../../src/domain/snapshot.js";

export function aLine(id: string, costCode: string, category: string, original: bigint): BudgetLine {
  return { id, costCode, costCodeDescription: `Description of ${costCode}`, category, original };
}

export function aChange(
  id: string,
  number: number,
  status: ChangeStatus,
  adjustments: readonly (readonly [string, bigint])[],
): BudgetChange {
  return {
    id,
    number,
    description: `Change ${number}`,
    status,
    adjustments: adjustments.map(([lineId, amount]) => ({ lineId, amount })),
  };
}

export function aBudget(overrides: Partial<Budget> = {}): Budget {
  return { locked: false, lines: [], changes: [], lastSubmission: null, lastExported: null, ...overrides };
}

export function aSubmission(status: SubmissionStatus, id = "s1", sentBy = "pm"): LastSubmission {
  return { id, status, sentBy };
}

/** The budget as QuickBooks holds it right after its current state was exported. */
export function exported(budget: Budget, submissionId = "s-exported"): Budget {
  const baseline: ExportedBaseline = takeSnapshot(budget);
  return { ...budget, lastExported: baseline, lastSubmission: aSubmission("exported", submissionId) };
}

export const RIGHTS_NONE: EffectiveRights = {
  erpIntegrations: "none",
  directory: "none",
  budget: "none",
  lockBudget: false,
  sendAndRetrieveBudget: false,
  canPushToAccounting: false,
};

export function rights(overrides: Partial<EffectiveRights>): EffectiveRights {
  return { ...RIGHTS_NONE, ...overrides };
}
