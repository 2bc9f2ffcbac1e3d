/** What the screens decide from permissions and states: kept free of React so it can be tested directly. */
import type {
  Budget,
  BudgetLine,
  BudgetState,
  Commitment,
  CommitmentErpState,
  CommitmentKind,
  CommitmentStatus,
  CommitmentSummary,
  DecisionInput,
  DocumentKind,
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

/**
 * Accounting people (ERP Integrations Standard or Admin) start in ERP Integrations; project managers, who at most
 * read it, start with their projects.
 */
export function landingPath(me: Me): string {
  const first = me.companies[0];
  if (!first) return "/no-company";
  const base = `/companies/${encodeURIComponent(first.id)}`;
  return atLeast(first.permissions.erpIntegrations, "standard") ? `${base}/erp` : `${base}/projects`;
}

/** Frozen while a submission is pending; the original amounts are editable only while unlocked. */
export function isBudgetEditable(state: BudgetState): boolean {
  return state === "unlocked" || state === "locked" || state === "synced";
}

export function isLineExported(line: BudgetLine): boolean {
  return line.exported === true;
}

/** "In QuickBooks" only when QuickBooks holds the amount shown; an exported line changed since says so. */
export function lineMark(
  line: Pick<BudgetLine, "exported" | "inQuickBooks">,
): { label: string; hint: string } | null {
  if (line.inQuickBooks) {
    return {
      label: "In QuickBooks",
      hint: "QuickBooks holds this amount. Exported lines stay; bring them to zero with a budget change.",
    };
  }
  if (line.exported) {
    return {
      label: "Changed since export",
      hint: "QuickBooks holds a different amount for this line until the budget is re-sent.",
    };
  }
  return null;
}

export function sendLabel(
  budget: Budget,
  history: SubmissionSummary[] = [],
): "Send to ERP" | "Re-send to ERP" {
  if (budget.sendButton?.label === "Send to ERP" || budget.sendButton?.label === "Re-send to ERP") {
    return budget.sendButton.label;
  }
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

/** What an export in progress waits for, in words; null when it is simply running. */
export function waitingText(waitingFor: string | null | undefined): string | null {
  switch (waitingFor) {
    case null:
    case undefined:
    case "":
      return null;
    case "web_connector":
      return "Waiting for the Web Connector: the export runs the next time QuickBooks Desktop's Web Connector polls.";
    case "connection":
      return "Waiting for QuickBooks to be connected: the export continues once an admin connects it.";
    case "reconnect":
      return "Waiting for an admin to reconnect QuickBooks: the export continues after that.";
    default:
      return `Waiting (${humanizeKey(waitingFor).toLowerCase()}).`;
  }
}

/** The short status of a submission in lists: the classic tool's words, plus what an export waits for. */
export function submissionStatusLabel(s: Pick<SubmissionSummary, "status" | "waitingFor">): string {
  if (s.status === "exporting" && s.waitingFor === "web_connector") return "Waiting for the Web Connector";
  if (s.status === "exporting" && s.waitingFor) return "Waiting for QuickBooks";
  return SUBMISSION_STATUS_LABEL[s.status] ?? s.status;
}

export function budgetRibbon(budget: Pick<Budget, "status">, waitingFor?: string | null): Ribbon {
  switch (budget.status.key) {
    case "awaiting_acceptance":
      return {
        tone: "blue",
        title: "Waiting for accounting",
        text: "This budget was sent to ERP and is waiting for an accounting approver to accept it. It cannot be edited until it is accepted, rejected or retrieved.",
      };
    case "exporting":
      if (waitingFor === "web_connector") {
        return {
          tone: "blue",
          title: "Waiting for the Web Connector",
          text: "Accounting accepted this budget. It is queued for QuickBooks Desktop and is written the next time the Web Connector polls; this page updates by itself.",
        };
      }
      return {
        tone: "blue",
        title: "Exporting to QuickBooks…",
        text:
          waitingText(waitingFor) ??
          "Accounting accepted this budget. It is being written to QuickBooks; this page updates by itself when it is done.",
      };
    case "failed":
      return {
        tone: "red",
        title: "Failed to Export",
        text: "The export to QuickBooks failed. An accounting approver can retry it or reject it back to you; the budget stays frozen until then.",
      };
    case "synced":
      return {
        tone: "green",
        title: "Synced",
        text: "The estimate in QuickBooks matches this budget. Approved budget changes or new lines can be re-sent.",
      };
    case "rejected":
      return {
        tone: "yellow",
        title: "Rejected by accounting",
        text: "Accounting rejected the last submission. Make the changes it asks for, then send the budget again.",
      };
    case "retrieved":
      return {
        tone: "yellow",
        title: "Retrieved from ERP",
        text: "The last submission was taken back before accounting decided. Make your changes, then send it again.",
      };
    case "changed_since_sync":
      return {
        tone: "none",
        title: "Changed since sync",
        text: "QuickBooks holds the last export; the changes made since then are not sent yet. Re-send the budget to ERP to update it.",
      };
    case "locked":
      return {
        tone: "none",
        title: "Locked",
        text: "Original amounts are frozen. Add budget changes or $0 lines, then send the budget to ERP.",
      };
    default:
      return {
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
  exporting: "Exporting to QuickBooks…",
  failed: "Failed to Export",
  synced: "Synced",
};

/** The classic tool's words for where a submission stands. */
export const SUBMISSION_STATUS_LABEL: Record<SubmissionStatus, string> = {
  ready_to_export: "Ready to Export",
  exporting: "Exporting to QuickBooks…",
  exported: "Synced",
  failed: "Failed to Export",
  rejected: "Rejected",
  retrieved: "Retrieved",
};

/** Statuses that end an export; anything else is still moving and worth watching. */
export function isSettled(status: SubmissionStatus | undefined): boolean {
  return status !== undefined && status !== "exporting";
}

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

/** The same filters for commitments: the same keys (and so the same links from emails), their own words. */
export const COMMITMENT_FILTERS: FilterDef[] = [
  {
    key: "ready_to_export",
    label: "Ready to Export",
    statuses: ["ready_to_export"],
    heading: "Commitments Ready to Be Exported",
    empty:
      "No commitments are waiting for acceptance. When a project manager sends an approved subcontract or purchase order to ERP, it shows up here for you to review.",
  },
  {
    key: "exporting",
    label: "Exporting",
    statuses: ["exporting"],
    heading: "Commitments Being Written to QuickBooks",
    empty:
      "Nothing is being written to QuickBooks right now. Accepted commitments show up here until they are synced.",
  },
  {
    key: "exported",
    label: "Synced",
    statuses: ["exported"],
    heading: "Commitments Synced with QuickBooks",
    empty:
      "No commitment has been synced yet. Accept a commitment under Ready to Export to write it to QuickBooks as a purchase order.",
  },
  {
    key: "failed",
    label: "Failed to Export",
    statuses: ["failed"],
    heading: "Commitments That Could Not Be Exported",
    empty: "No failed exports: nothing needs your attention.",
  },
  {
    key: "rejected,retrieved",
    label: "Rejected & Retrieved",
    statuses: ["rejected", "retrieved"],
    heading: "Commitments Rejected or Retrieved",
    empty: "No commitment has been rejected or retrieved yet.",
  },
];

export function parseFilter(value: string | null, filters: FilterDef[] = FILTERS): FilterDef {
  const key = value ? (FILTER_ALIASES[value] ?? value) : "ready_to_export";
  return filters.find((f) => f.key === key) ?? (filters[0] as FilterDef);
}

/**
 * What differs between the kinds of documents ERP Integrations lists: their words, their filters, and how one of
 * them is named. The screens are the same.
 */
export interface DocumentKindDef {
  kind: DocumentKind;
  /** "budget" / "commitment", and their plurals, for sentences. */
  one: string;
  many: string;
  /** "Budgets" / "Commitments": the tab and its headings. */
  title: string;
  filterLabel: string;
  filters: FilterDef[];
  detailsTitle: string;
  linesCaption: string;
  /** The heading of the revised total column in lists. */
  revisedTotal: string;
  /** The amounts columns of a snapshot line, in order: original, changes, revised. */
  amountColumns: [string, string, string];
  /** What the ERP receives ("estimate" / "purchase order"). */
  erpDocument: string;
}

export const BUDGET_DOCUMENTS: DocumentKindDef = {
  kind: "budget",
  one: "budget",
  many: "budgets",
  title: "Budgets",
  filterLabel: "Filter Estimates By",
  filters: FILTERS,
  detailsTitle: "Budget Updates",
  linesCaption: "Budget lines in this submission",
  revisedTotal: "Revised Estimate total",
  amountColumns: ["Original Budget", "Budget Changes", "Revised Estimate"],
  erpDocument: "estimate",
};

export const COMMITMENT_DOCUMENTS: DocumentKindDef = {
  kind: "commitment",
  one: "commitment",
  many: "commitments",
  title: "Commitments",
  filterLabel: "Filter Commitments By",
  filters: COMMITMENT_FILTERS,
  detailsTitle: "Commitment Details",
  linesCaption: "Commitment lines in this submission",
  revisedTotal: "Revised total",
  amountColumns: ["Original", "Approved Changes", "Revised"],
  erpDocument: "purchase order",
};

export const documentsOf = (kind: DocumentKind): DocumentKindDef =>
  kind === "commitment" ? COMMITMENT_DOCUMENTS : BUDGET_DOCUMENTS;

/** A submission's revised total, whichever kind of document it carries. */
export function revisedTotalOf(s: Pick<SubmissionSummary, "totals">): string | undefined {
  return s.totals?.revisedEstimate ?? s.totals?.revised;
}

/** How a submission is named in results and dialogs: "E1042 Harbor Lofts", "SC-001 Drywall — Acme Drywall". */
export function submissionLabel(s: Pick<SubmissionSummary, "project" | "commitment" | "vendor">): string {
  if (s.commitment) {
    const vendor = s.vendor?.name ? ` — ${s.vendor.name}` : "";
    return `${s.commitment.number} ${s.commitment.title}${vendor}`;
  }
  return `${s.project.number} ${s.project.name}`;
}

export function filterCount(filter: FilterDef, counts: Partial<SubmissionCounts> | undefined): number {
  return filter.statuses.reduce((sum, status) => sum + (counts?.[status] ?? 0), 0);
}

export type Choice = "accept" | "reject";

/** The Export button's request: accepted rows as-is, rejected rows with the one reason typed in the dialog. */
export function buildDecisions(
  choices: Record<string, Choice | undefined>,
  /** One reason for every rejection, or a reason per submission id. */
  reasons: string | Record<string, string> | null,
): DecisionInput[] {
  const out: DecisionInput[] = [];
  for (const [submissionId, choice] of Object.entries(choices)) {
    if (choice === "accept") out.push({ submissionId, action: "accept" });
    else if (choice === "reject") {
      const reason = typeof reasons === "string" || reasons === null ? reasons : reasons[submissionId];
      if (reason === null || reason === undefined || reason.trim() === "")
        throw new Error("A reason is needed to reject");
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

// Commitments (docs/product.md §Commitments)

export const COMMITMENT_KIND_LABEL: Record<CommitmentKind, string> = {
  subcontract: "Subcontract",
  purchase_order: "Purchase order",
};

export const COMMITMENT_STATUS_LABEL: Record<CommitmentStatus, string> = {
  draft: "Draft",
  out_for_signature: "Out for signature",
  approved: "Approved",
  void: "Void",
};

export const COMMITMENT_ERP_LABEL: Record<CommitmentErpState, string> = {
  not_sent: "Not sent",
  awaiting_acceptance: "Waiting for accounting",
  exporting: "Exporting to QuickBooks…",
  failed: "Failed to Export",
  synced: "Synced",
  changes_to_send: "Changes to send",
};

/** The pill class of an ERP state, in the colours budgets use for the same states. */
export function commitmentErpPill(state: CommitmentErpState): string {
  if (state === "changes_to_send") return "pill pill-changed_since_sync";
  if (state === "not_sent") return "pill";
  return `pill pill-${state}`;
}

export interface StatusMove {
  to: CommitmentStatus;
  label: string;
  /** Approving a commitment, or voiding an approved one, needs the right to approve changes; the rest editing. */
  needsApprover: boolean;
  tone: "primary" | "secondary" | "danger";
}

/**
 * The status buttons a commitment shows: draft → out for signature → approved; back to draft from out for
 * signature; void from draft or out for signature, and from approved only while it was never sent.
 */
export function statusMoves(
  c: Pick<CommitmentSummary, "status" | "lastSubmission" | "erpState">,
): StatusMove[] {
  switch (c.status) {
    case "draft":
      return [
        { to: "out_for_signature", label: "Out for signature", needsApprover: false, tone: "primary" },
        { to: "void", label: "Void", needsApprover: false, tone: "danger" },
      ];
    case "out_for_signature":
      return [
        { to: "approved", label: "Approve", needsApprover: true, tone: "primary" },
        { to: "draft", label: "Back to draft", needsApprover: false, tone: "secondary" },
        { to: "void", label: "Void", needsApprover: false, tone: "danger" },
      ];
    case "approved":
      return c.lastSubmission === null && c.erpState === "not_sent"
        ? [{ to: "void", label: "Void", needsApprover: true, tone: "danger" }]
        : [];
    default:
      return [];
  }
}

/** "Send to ERP" the first time; "Re-send to ERP" once something was exported. */
export function commitmentSendLabel(
  c: Pick<Commitment, "erpState" | "lines">,
): "Send to ERP" | "Re-send to ERP" {
  const everExported =
    c.erpState === "synced" || c.erpState === "changes_to_send" || c.lines.some((l) => l.exported !== null);
  return everExported ? "Re-send to ERP" : "Send to ERP";
}

export function commitmentRibbon(
  c: Pick<CommitmentSummary, "status" | "erpState" | "lastSubmission">,
  waitingFor?: string | null,
): Ribbon {
  if (c.status === "void") {
    return { tone: "none", title: "Void", text: "This commitment is void. It cannot be changed or sent." };
  }
  switch (c.erpState) {
    case "awaiting_acceptance":
      return {
        tone: "blue",
        title: "Waiting for accounting",
        text: "This commitment was sent to ERP and waits for an accounting approver to accept it. It cannot be changed until it is accepted, rejected or retrieved.",
      };
    case "exporting":
      return {
        tone: "blue",
        title: waitingFor === "web_connector" ? "Waiting for the Web Connector" : "Exporting to QuickBooks…",
        text:
          waitingText(waitingFor) ??
          "Accounting accepted this commitment. It is being written to QuickBooks as a purchase order; this page updates by itself.",
      };
    case "failed":
      return {
        tone: "red",
        title: "Failed to Export",
        text: "The export to QuickBooks failed. An accounting approver can retry it or reject it back to you; the commitment stays frozen until then.",
      };
    case "synced":
      return {
        tone: "green",
        title: "Synced",
        text: "The purchase order in QuickBooks matches this commitment. Approved change orders can be re-sent.",
      };
    case "changes_to_send":
      return {
        tone: "none",
        title: "Changes to send",
        text: "A change order was approved since the last export. Re-send the commitment to ERP to update its purchase order.",
      };
    default:
      break;
  }
  if (c.lastSubmission?.status === "rejected") {
    return {
      tone: "yellow",
      title: "Rejected by accounting",
      text: "Accounting rejected the last submission. Make the changes it asks for, then send the commitment again.",
    };
  }
  if (c.lastSubmission?.status === "retrieved") {
    return {
      tone: "yellow",
      title: "Retrieved from ERP",
      text: "The last submission was taken back before accounting decided. Make your changes, then send it again.",
    };
  }
  if (c.status === "approved") {
    return {
      tone: "none",
      title: "Approved",
      text: "Lines change only through change orders now. Send the commitment to ERP when it is ready for accounting.",
    };
  }
  if (c.status === "out_for_signature") {
    return {
      tone: "none",
      title: "Out for signature",
      text: "Lines are frozen while the vendor signs. Approve the commitment once signed, or take it back to draft.",
    };
  }
  return {
    tone: "none",
    title: "Draft",
    text: "Lines can be added, edited and deleted. Send it out for signature when it is ready.",
  };
}

/** How often a commitment is re-read while something happens elsewhere (an export, a decision). */
export function commitmentRefreshInterval(state: CommitmentErpState | undefined): number | false {
  if (state === "exporting") return 1000;
  if (state === "awaiting_acceptance") return 5000;
  return false;
}
