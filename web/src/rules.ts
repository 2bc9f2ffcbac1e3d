/** What the screens decide from permissions and states: kept free of React so it can be tested directly. */
import type {
  Budget,
  BudgetLine,
  BudgetState,
  DecisionInput,
  Level,
  Me,
  Permissions,
  SubmissionCounts,
  SubmissionStatus,
  SubmissionSummary,
} from "./api.js";

const LEVELS: Level[] = ["none", "read_only", "standard", "admin"];

export function atLeast(level: Level | undefined, minimum: Level): boolean {
  return LEVELS.indexOf(level ?? "none") >= LEVELS.indexOf(minimum);
}

export const canViewErp = (p: Permissions) => atLeast(p.erpIntegrations, "read_only");
export const isErpAdmin = (p: Permissions) => p.erpIntegrations === "admin";
/** Accept, reject and retry; also the rule for the "Accounting approver" badge. */
export const canDecide = (p: Permissions) =>
  (p.erpIntegrations === "standard" || p.erpIntegrations === "admin") && p.canPushToAccounting;
export const canViewBudget = (p: Permissions) => atLeast(p.budget, "read_only");
export const canEditLines = (p: Permissions) => atLeast(p.budget, "standard");
export const canApproveChanges = (p: Permissions) => p.budget === "admin";

export function landingPath(me: Me): string {
  const first = me.companies[0];
  if (!first) return "/no-company";
  const base = `/companies/${encodeURIComponent(first.id)}`;
  return canViewErp(first.permissions) ? `${base}/erp` : `${base}/projects`;
}

/** Frozen while a submission is pending; the original amounts are editable only while unlocked. */
export function isBudgetEditable(state: BudgetState): boolean {
  return state === "unlocked" || state === "locked" || state === "synced";
}

export function isLineExported(line: BudgetLine): boolean {
  return line.exported === true || typeof line.exported === "string";
}

export function sendLabel(
  budget: Budget,
  history: SubmissionSummary[] = [],
): "Send to ERP" | "Re-send to ERP" {
  const everExported =
    budget.state === "synced" ||
    budget.lines.some(isLineExported) ||
    history.some((s) => s.status === "exported");
  return everExported ? "Re-send to ERP" : "Send to ERP";
}

export type RibbonTone = "blue" | "green" | "yellow" | "red" | "none";

export interface Ribbon {
  tone: RibbonTone;
  title: string;
  text: string;
}

export function budgetRibbon(budget: Pick<Budget, "state" | "lastSubmission">): Ribbon {
  const last = budget.lastSubmission;
  switch (budget.state) {
    case "awaiting_acceptance":
      return {
        tone: "blue",
        title: "Waiting for accounting",
        text: "This budget was sent to ERP and is waiting for an accounting approver to accept it. It cannot be edited until it is accepted, rejected or retrieved.",
      };
    case "exporting":
      return {
        tone: "blue",
        title: "Being written to QuickBooks",
        text: "Accounting accepted this budget. It is being written to QuickBooks; this page updates by itself when it is done.",
      };
    case "failed":
      return {
        tone: "red",
        title: "Export failed",
        text: "The export to QuickBooks failed. An accounting approver can retry it or reject it back to you; the budget stays frozen until then.",
      };
    case "synced":
      return {
        tone: "green",
        title: "Synced with QuickBooks",
        text: "The estimate in QuickBooks matches this budget. Approved budget changes or new lines can be re-sent.",
      };
    case "locked":
    case "unlocked":
      if (last?.status === "rejected") {
        return {
          tone: "yellow",
          title: "Rejected by accounting",
          text: "Accounting rejected the last submission. Make the changes it asks for, then send the budget again.",
        };
      }
      if (last?.status === "retrieved" && budget.state === "locked") {
        return {
          tone: "yellow",
          title: "Retrieved from ERP",
          text: "The last submission was taken back before accounting decided. Make your changes, then send it again.",
        };
      }
      return budget.state === "locked"
        ? {
            tone: "none",
            title: "Locked",
            text: "Original amounts are frozen. Add budget changes or $0 lines, then send the budget to ERP.",
          }
        : {
            tone: "none",
            title: "Unlocked",
            text: "Original amounts can be edited. Lock the budget when it is ready to be sent to ERP.",
          };
  }
}

export const BUDGET_STATE_LABEL: Record<BudgetState, string> = {
  unlocked: "Unlocked",
  locked: "Locked",
  awaiting_acceptance: "Waiting for accounting",
  exporting: "Being written to QuickBooks",
  failed: "Export failed",
  synced: "Synced with QuickBooks",
};

export const SUBMISSION_STATUS_LABEL: Record<SubmissionStatus, string> = {
  ready_to_export: "Waiting for accounting",
  exporting: "Being written to QuickBooks",
  exported: "In QuickBooks",
  failed: "Export failed",
  rejected: "Rejected",
  retrieved: "Retrieved",
};

export interface FilterDef {
  /** The `status` query sent to the API; also the value kept in the page URL. */
  key: string;
  label: string;
  statuses: SubmissionStatus[];
  heading: string;
  empty: string;
}

export const FILTERS: FilterDef[] = [
  {
    key: "ready_to_export",
    label: "Ready to Export",
    statuses: ["ready_to_export"],
    heading: "Budgets Ready to Be Exported",
    empty:
      "No budgets are waiting for acceptance. When a project manager sends a budget to ERP, it shows up here for you to review.",
  },
  {
    key: "exporting",
    label: "Exporting",
    statuses: ["exporting"],
    heading: "Budgets Being Written to QuickBooks",
    empty:
      "Nothing is being written to QuickBooks right now. Accepted budgets show up here until they are synced.",
  },
  {
    key: "exported",
    label: "Synced",
    statuses: ["exported"],
    heading: "Budgets Synced with QuickBooks",
    empty: "No budget has been synced yet. Accept a budget under Ready to Export to write it to QuickBooks.",
  },
  {
    key: "failed",
    label: "Failed to Export",
    statuses: ["failed"],
    heading: "Budgets That Could Not Be Exported",
    empty: "No failed exports: nothing needs your attention.",
  },
  {
    key: "rejected,retrieved",
    label: "Rejected & Retrieved",
    statuses: ["rejected", "retrieved"],
    heading: "Budgets Rejected or Retrieved",
    empty: "No budget has been rejected or retrieved yet.",
  },
];

const FILTER_ALIASES: Record<string, string> = {
  synced: "exported",
  rejected: "rejected,retrieved",
  retrieved: "rejected,retrieved",
  rejected_retrieved: "rejected,retrieved",
  "retrieved,rejected": "rejected,retrieved",
};

export function parseFilter(value: string | null): FilterDef {
  const key = value ? (FILTER_ALIASES[value] ?? value) : "ready_to_export";
  return FILTERS.find((f) => f.key === key) ?? (FILTERS[0] as FilterDef);
}

export function filterCount(filter: FilterDef, counts: Partial<SubmissionCounts> | undefined): number {
  return filter.statuses.reduce((sum, status) => sum + (counts?.[status] ?? 0), 0);
}

export type Choice = "accept" | "reject";

/** The Export button's request: accepted rows as-is, rejected rows with the one reason typed in the dialog. */
export function buildDecisions(
  choices: Record<string, Choice | undefined>,
  reason: string | null,
): DecisionInput[] {
  const out: DecisionInput[] = [];
  for (const [submissionId, choice] of Object.entries(choices)) {
    if (choice === "accept") out.push({ submissionId, action: "accept" });
    else if (choice === "reject") {
      if (reason === null || reason.trim() === "") throw new Error("A reason is needed to reject");
      out.push({ submissionId, action: "reject", reason: reason.trim() });
    }
  }
  return out;
}

export const MAX_REASON_LENGTH = 2000;

/** "quickBooksRealmId" → "Quick books realm id" for rendering keys the UI does not know by name. */
export function humanizeKey(key: string): string {
  const spaced = key
    .replace(/[_-]+/g, " ")
    .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
    .replace(/([A-Z]+)([A-Z][a-z])/g, "$1 $2")
    .trim()
    .toLowerCase();
  return spaced.charAt(0).toUpperCase() + spaced.slice(1);
}
