import { type DomainError, domainError } from "./errors.js";
import { assertNever, err, ok, type Result } from "./result.js";

export const LEVELS = ["none", "read_only", "standard", "admin"] as const;
export type Level = (typeof LEVELS)[number];

const LEVEL_RANK: Record<Level, number> = { none: 0, read_only: 1, standard: 2, admin: 3 };

export function isLevel(value: unknown): value is Level {
  return typeof value === "string" && (LEVELS as readonly string[]).includes(value);
}

export function isLevelAtLeast(level: Level, minimum: Level): boolean {
  return LEVEL_RANK[level] >= LEVEL_RANK[minimum];
}

/** A directory entry's permissions in one company (the shape of the API's `permissions` object). */
export interface DirectoryPermissions {
  readonly erpIntegrations: Level;
  readonly directory: Level;
  /** Company-wide default for every project, new ones included. */
  readonly budget: Level;
  readonly lockBudget: boolean;
  readonly sendAndRetrieveBudget: boolean;
  readonly canPushToAccounting: boolean;
  readonly subscribeErpDigest: boolean;
}

/** Replaces the company-wide budget rights on one project. */
export interface ProjectPermissionOverride {
  readonly budget: Level;
  readonly lockBudget: boolean;
  readonly sendAndRetrieveBudget: boolean;
}

/** What one user may do, in one company and (for budget rights) one project. */
export interface EffectiveRights {
  readonly erpIntegrations: Level;
  readonly directory: Level;
  readonly budget: Level;
  readonly lockBudget: boolean;
  readonly sendAndRetrieveBudget: boolean;
  readonly canPushToAccounting: boolean;
}

export const NO_PERMISSIONS: DirectoryPermissions = {
  erpIntegrations: "none",
  directory: "none",
  budget: "none",
  lockBudget: false,
  sendAndRetrieveBudget: false,
  canPushToAccounting: false,
  subscribeErpDigest: true,
};

export function effectiveRights(
  entry: DirectoryPermissions,
  projectOverride?: ProjectPermissionOverride | null,
): EffectiveRights {
  const budget = projectOverride ?? entry;
  return {
    erpIntegrations: entry.erpIntegrations,
    directory: entry.directory,
    budget: budget.budget,
    lockBudget: budget.lockBudget,
    sendAndRetrieveBudget: budget.sendAndRetrieveBudget,
    canPushToAccounting: entry.canPushToAccounting,
  };
}

/** Approvers carry the "Accounting approver" badge, receive the daily summary and may accept or reject. */
export function isAccountingApprover(
  rights: Pick<EffectiveRights, "erpIntegrations" | "canPushToAccounting">,
): boolean {
  return isLevelAtLeast(rights.erpIntegrations, "standard") && rights.canPushToAccounting;
}

export function receivesDailySummary(
  entry: Pick<DirectoryPermissions, "erpIntegrations" | "canPushToAccounting" | "subscribeErpDigest">,
): boolean {
  return isAccountingApprover(entry) && entry.subscribeErpDigest;
}

export const ACTIONS = [
  "view_erp_integrations",
  "accept_submission",
  "reject_submission",
  "retry_export",
  "manage_erp",
  "view_budget",
  "edit_budget",
  "approve_budget_change",
  "void_budget_change",
  "create_project",
  "manage_cost_codes",
  "lock_budget",
  "unlock_budget",
  "send_budget",
  "retrieve_budget",
  "change_permissions",
  "grant_can_push_to_accounting",
  "view_audit_events",
  "change_digest_subscription",
] as const;
export type Action = (typeof ACTIONS)[number];

export interface ActionContext {
  readonly actorId?: string;
  /** accept_submission: the company's separation-of-duties setting and who sent the submission. */
  readonly separationOfDuties?: boolean;
  readonly submissionSentBy?: string;
  /** grant_can_push_to_accounting: whether the operator enabled self-service grants for the company. */
  readonly selfServiceApproverGrants?: boolean;
  /** change_digest_subscription: whose subscription changes. */
  readonly targetUserId?: string;
}

export type PermissionError = DomainError<"forbidden" | "separation_of_duties">;

const SEND_RIGHT =
  "Budget Admin, or Budget Read Only or Standard with the Send and Retrieve Budgets from ERP permission";
const APPROVER_RIGHT = "ERP Integrations Standard or Admin and Can Push to Accounting";

// A granular budget permission only counts for someone who can see the budget at all.
function hasGranular(rights: EffectiveRights, flag: boolean): boolean {
  return isLevelAtLeast(rights.budget, "admin") || (flag && isLevelAtLeast(rights.budget, "read_only"));
}

function check(
  action: Action,
  rights: EffectiveRights,
  ctx: ActionContext,
): { allowed: true } | { allowed: false; needs: string } {
  const allowedIf = (condition: boolean, needs: string) =>
    condition ? ({ allowed: true } as const) : ({ allowed: false, needs } as const);
  switch (action) {
    case "view_erp_integrations":
      return allowedIf(
        isLevelAtLeast(rights.erpIntegrations, "read_only"),
        "ERP Integrations Read Only or higher",
      );
    case "accept_submission":
    case "reject_submission":
    case "retry_export":
      return allowedIf(isAccountingApprover(rights), APPROVER_RIGHT);
    case "manage_erp":
      return allowedIf(rights.erpIntegrations === "admin", "ERP Integrations Admin");
    case "view_budget":
      return allowedIf(isLevelAtLeast(rights.budget, "read_only"), "Budget Read Only or higher");
    case "edit_budget":
      return allowedIf(isLevelAtLeast(rights.budget, "standard"), "Budget Standard or Admin");
    case "approve_budget_change":
    case "void_budget_change":
    case "unlock_budget":
      return allowedIf(rights.budget === "admin", "Budget Admin");
    case "create_project":
    case "change_permissions":
      return allowedIf(rights.directory === "admin", "Directory Admin");
    case "manage_cost_codes":
    case "view_audit_events":
      return allowedIf(
        rights.directory === "admin" || rights.erpIntegrations === "admin",
        "Directory Admin or ERP Integrations Admin",
      );
    case "lock_budget":
      return allowedIf(
        hasGranular(rights, rights.lockBudget),
        "Budget Admin, or Budget Read Only or Standard with the Lock Budget permission",
      );
    case "send_budget":
    case "retrieve_budget":
      return allowedIf(hasGranular(rights, rights.sendAndRetrieveBudget), SEND_RIGHT);
    case "grant_can_push_to_accounting":
      if (!ctx.selfServiceApproverGrants) {
        return {
          allowed: false,
          needs: "the platform operator (self-service grants are off for this company)",
        };
      }
      return allowedIf(
        rights.directory === "admin" && rights.canPushToAccounting,
        "Directory Admin and Can Push to Accounting",
      );
    case "change_digest_subscription":
      return allowedIf(
        (ctx.actorId !== undefined && ctx.actorId === ctx.targetUserId) || rights.directory === "admin",
        "Directory Admin (or being that user)",
      );
    default:
      return assertNever(action, "action");
  }
}

/** Whether `rights` allow `action`; a refusal names the missing right so the 403 can say what to ask for. */
export function can(
  rights: EffectiveRights,
  action: Action,
  ctx: ActionContext = {},
): Result<true, PermissionError> {
  const verdict = check(action, rights, ctx);
  if (!verdict.allowed) {
    return err(
      domainError("forbidden", {
        message: `Needs ${verdict.needs}.`,
        details: { action, needs: verdict.needs },
      }),
    );
  }
  if (action === "accept_submission" && ctx.separationOfDuties === true) {
    // Fail closed: without both ids the rule cannot be checked, and that is a caller bug, not a user error.
    if (ctx.actorId === undefined || ctx.submissionSentBy === undefined) {
      throw new Error("separation of duties needs actorId and submissionSentBy");
    }
    if (ctx.actorId === ctx.submissionSentBy) {
      return err(domainError("separation_of_duties", { details: { action } }));
    }
  }
  return ok(true);
}
