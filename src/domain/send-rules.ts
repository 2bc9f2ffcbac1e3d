import {
  type Budget,
  type BudgetLine,
  budgetState,
  deriveLines,
  hasApprovedChanges,
  hasBeenExported,
  pendingSubmission,
} from "./budget.js";
import {
  type Commitment,
  deriveCommitmentLines,
  hasCommitmentChangesToSend,
  isCommitmentLocked,
  pendingCommitmentSubmission,
} from "./commitment.js";
import { type DomainError, type DomainErrorCode, domainError } from "./errors.js";
import { formatMoney } from "./money.js";
import { type Action, can, type EffectiveRights } from "./permissions.js";
import { assertNever } from "./result.js";
import { hasSomethingNewToSend } from "./snapshot.js";

/** The name lengths an ERP accepts; each ERP's are given by its registry entry. */
export interface ErpLimits {
  /** The project name becomes the job (QBD Name) or customer DisplayName (QBO). */
  readonly jobNameMaxChars: number;
  /** A cost code becomes a Service item's Name. */
  readonly itemNameMaxChars: number;
  /** A parent customer added by name (QBD customer Name); absent where the parent is only ever referenced. */
  readonly parentCustomerNameMaxChars?: number;
  /** A commitment's vendor becomes a vendor (QBD Name, QBO DisplayName); unchecked when absent. */
  readonly vendorNameMaxChars?: number;
  /** A commitment's number becomes the purchase order's number (QBD RefNumber, QBO DocNumber). */
  readonly purchaseOrderNumberMaxChars?: number;
}

/** One unmet rule: goes to the API's `actions` and to the disabled button's tooltip. */
export interface Reason {
  readonly code: DomainErrorCode;
  readonly message: string;
}

export interface Evaluation {
  readonly allowed: boolean;
  readonly reasons: readonly Reason[];
}

export interface SendFacts {
  readonly budget: Budget;
  readonly project: {
    readonly name: string;
    readonly budgetToolActive: boolean;
    /** Linked to an existing QuickBooks job (customer:job, QBO customer or project). */
    readonly erpJobLinked: boolean;
    /** A parent customer chosen for this project, under which the job will be created. */
    readonly parentCustomerChosen: boolean;
    /** The name of the customer a new job would be added under, when it is given by name (not picked). */
    readonly newJobParentName?: string | null;
  };
  readonly erp: {
    /** The connected ERP's kind; null while none is connected. */
    readonly type: string | null;
    /** The connected ERP's name for messages ("QuickBooks Online"); "the ERP" when absent. */
    readonly label?: string;
    readonly createMissingItems: boolean;
    readonly hasDefaultParentCustomer: boolean;
    /** The connected ERP's name lengths; unchecked when absent. */
    readonly limits?: ErpLimits;
    /** The company's own currency (ISO 4217). */
    readonly currency?: string;
    /** Currencies the connected ERP company can record a transaction in; null or absent while unknown. */
    readonly heldCurrencies?: readonly string[] | null;
  };
  /** Cost codes (by code) already mapped to a QuickBooks item. */
  readonly mappedCostCodes: ReadonlySet<string>;
  /** Name a missing item would be created with; defaults to the cost code itself. */
  readonly itemNameFor?: (line: BudgetLine) => string;
  /** When given, a missing right of the person asking is reported first (as `forbidden`). */
  readonly rights?: EffectiveRights;
}

function reason(code: DomainErrorCode, message: string): Reason {
  return { code, message };
}

function evaluation(reasons: Reason[]): Evaluation {
  return { allowed: reasons.length === 0, reasons };
}

function rightReason(rights: EffectiveRights | undefined, action: Action): Reason[] {
  if (!rights) return [];
  const verdict = can(rights, action);
  return verdict.ok ? [] : [reason(verdict.error.code, verdict.error.message)];
}

function pendingReason(budget: Budget, erpName = "the ERP"): Reason[] {
  const pending = pendingSubmission(budget);
  if (!pending) return [];
  switch (pending.status) {
    case "ready_to_export":
      return [reason("submission_pending", "The budget is already waiting for accounting acceptance.")];
    case "exporting":
      return [reason("submission_pending", `The budget is being exported to ${erpName}.`)];
    case "failed":
      return [
        reason("submission_pending", "The last export failed; an approver must retry or reject it first."),
      ];
    default:
      return assertNever(pending.status, "pending status");
  }
}

function list(items: readonly string[]): string {
  return items.join(", ");
}

function unique(items: Iterable<string>): string[] {
  return [...new Set(items)].sort();
}

const FORBIDDEN_NAME_CHARACTERS = /[:\t\r\n]/;

function charCount(text: string): number {
  return [...text].length;
}

/** Rules 1 and 10: every unmet prerequisite of Send / Re-send, each by code and message. */
export function evaluateSend(facts: SendFacts): Evaluation {
  const { budget, project, erp } = facts;
  const erpName = erp.label ?? "the ERP";
  const reasons: Reason[] = [...rightReason(facts.rights, "send_budget")];
  if (!project.budgetToolActive)
    reasons.push(reason("budget_tool_inactive", "The Budget tool is not active on this project."));
  if (erp.type === null) {
    reasons.push(reason("erp_not_connected", "The company is not connected to an ERP."));
  }
  if (!budget.locked) reasons.push(reason("budget_not_locked", "Lock the budget before sending it."));
  reasons.push(...pendingReason(budget, erpName));
  if (!project.erpJobLinked && !project.parentCustomerChosen && !erp.hasDefaultParentCustomer) {
    reasons.push(
      reason(
        "project_not_linked",
        `Link the project to a job in ${erpName}, or choose a parent customer under which the job will be created.`,
      ),
    );
  }

  if (erp.type && erp.currency && erp.heldCurrencies && !erp.heldCurrencies.includes(erp.currency)) {
    reasons.push(
      reason(
        "currency_not_in_quickbooks",
        `The company's currency is ${erp.currency}, which the ${erp.label ?? "ERP"} company does not hold ` +
          `(it holds ${list(erp.heldCurrencies)}). Correct the company currency, or add ${erp.currency} in ` +
          `${erpName} and let an export read it again.`,
      ),
    );
  }

  const lines = deriveLines(budget);
  const limits = erp.type ? (erp.limits ?? null) : null;
  if (limits && charCount(project.name) > limits.jobNameMaxChars) {
    reasons.push(
      reason(
        "name_too_long",
        `The project name has ${charCount(project.name)} characters; ${erpName} allows ${limits.jobNameMaxChars} characters for a job name.`,
      ),
    );
  }
  const parentName = project.newJobParentName?.trim() ?? "";
  if (
    limits?.parentCustomerNameMaxChars !== undefined &&
    !project.erpJobLinked &&
    charCount(parentName) > limits.parentCustomerNameMaxChars
  ) {
    reasons.push(
      reason(
        "name_too_long",
        `The parent customer "${parentName}" has ${charCount(parentName)} characters; ${erpName} allows ${limits.parentCustomerNameMaxChars} characters for a customer name.`,
      ),
    );
  }

  const unmapped = lines.filter((line) => !facts.mappedCostCodes.has(line.costCode));
  if (!erp.createMissingItems && unmapped.length > 0) {
    const codes = unique(unmapped.map((l) => l.costCode));
    reasons.push(
      reason(
        "cost_code_not_exportable",
        `${codes.length === 1 ? "Cost code" : "Cost codes"} ${list(codes)} ${codes.length === 1 ? "is" : "are"} not mapped to an item in ${erpName} and creating missing items is off.`,
      ),
    );
  }
  // Only items we would create need to fit; a mapped item already has its name in the ERP.
  const itemNameFor = facts.itemNameFor ?? ((line: BudgetLine) => line.costCode);
  const newItemNames = erp.createMissingItems ? unique(unmapped.map(itemNameFor)) : [];
  if (limits) {
    const tooLong = newItemNames.filter((name) => charCount(name) > limits.itemNameMaxChars);
    if (tooLong.length > 0) {
      reasons.push(
        reason(
          "cost_code_too_long",
          `${list(tooLong)}: ${erpName} allows ${limits.itemNameMaxChars} characters for an item name.`,
        ),
      );
    }
  }
  const badNames = [project.name, ...newItemNames].filter((name) => FORBIDDEN_NAME_CHARACTERS.test(name));
  if (badNames.length > 0) {
    reasons.push(
      reason(
        "name_invalid_characters",
        `Names in ${erpName} cannot contain a colon, tab or line break: ${list(badNames.map((n) => JSON.stringify(n)))}.`,
      ),
    );
  }

  const negative = lines.filter((line) => line.revisedEstimate < 0n);
  if (negative.length > 0) {
    const named = negative.map((l) => `${l.costCode} ${l.category} (${formatMoney(l.revisedEstimate)})`);
    reasons.push(
      reason(
        "negative_revised_estimate",
        `${negative.length === 1 ? "Line" : "Lines"} ${list(named)} ${negative.length === 1 ? "has a negative revised estimate" : "have negative revised estimates"}; bring ${negative.length === 1 ? "it" : "them"} to zero or above with a budget change.`,
      ),
    );
  }
  if (!hasSomethingNewToSend(budget)) {
    reasons.push(
      reason(
        "nothing_new_to_send",
        hasBeenExported(budget)
          ? "Nothing new to send: every line's revised estimate matches what was last exported."
          : "Nothing to send: every line's revised estimate is 0.",
      ),
    );
  }
  return evaluation(reasons);
}

/** Rule 3: lock needs Budget admin or the Lock Budget right, on an unlocked budget. */
export function evaluateLock(facts: { budget: Budget; rights?: EffectiveRights }): Evaluation {
  const reasons = rightReason(facts.rights, "lock_budget");
  if (facts.budget.locked) reasons.push(reason("budget_locked", "The budget is already locked."));
  else if (facts.budget.lines.length === 0) {
    reasons.push(reason("budget_empty", "Add at least one line before locking the budget."));
  }
  return evaluation(reasons);
}

/** Rule 3: unlock needs Budget admin; refused while a submission is pending or approved changes exist. */
export function evaluateUnlock(facts: {
  budget: Budget;
  rights?: EffectiveRights;
  erp?: { label?: string };
}): Evaluation {
  const { budget } = facts;
  const reasons = rightReason(facts.rights, "unlock_budget");
  if (!budget.locked) reasons.push(reason("budget_not_locked", "The budget is not locked."));
  reasons.push(...pendingReason(budget, facts.erp?.label));
  if (hasApprovedChanges(budget)) {
    reasons.push(
      reason(
        "approved_changes_exist",
        "The budget cannot be unlocked because approved budget changes exist.",
      ),
    );
  }
  return evaluation(reasons);
}

/** Retrieve takes a submission back before an approver decides. */
export function evaluateRetrieve(facts: { budget: Budget; rights?: EffectiveRights }): Evaluation {
  const reasons = rightReason(facts.rights, "retrieve_budget");
  if (budgetState(facts.budget) !== "awaiting_acceptance") {
    reasons.push(
      reason("not_awaiting_acceptance", "No submission of this budget is waiting for acceptance."),
    );
  }
  return evaluation(reasons);
}

export interface BudgetActions {
  readonly lock: Evaluation;
  readonly unlock: Evaluation;
  readonly send: Evaluation;
  readonly retrieve: Evaluation;
}

/** The budget GET's `actions` object. */
export function evaluateBudgetActions(facts: SendFacts): BudgetActions {
  return {
    lock: evaluateLock(facts),
    unlock: evaluateUnlock(facts),
    send: evaluateSend(facts),
    retrieve: evaluateRetrieve(facts),
  };
}

/**
 * The error to answer a refused command with: the first reason (a missing right comes first, so it is a 403),
 * with every reason in `details` so an API client sees them all at once.
 */
export function refusalError(result: Evaluation): DomainError | null {
  const [first] = result.reasons;
  if (!first) return null;
  return domainError(first.code, { message: first.message, details: { reasons: result.reasons } });
}

// ---------------------------------------------------------------------------------------------------------------
// Commitments (docs/product.md §commitment-send-rules)

export interface CommitmentSendFacts {
  readonly commitment: Commitment;
  readonly vendor: { readonly name: string; readonly active: boolean };
  readonly project: {
    readonly name: string;
    readonly erpJobLinked: boolean;
    readonly parentCustomerChosen: boolean;
  };
  readonly erp: {
    readonly type: string | null;
    readonly label?: string;
    readonly limits?: ErpLimits;
    /** Whether the connected ERP's connector writes purchase orders. */
    readonly takesCommitments: boolean;
    readonly createMissingItems: boolean;
    readonly hasDefaultParentCustomer: boolean;
  };
  /** Cost codes (by code) already mapped to an ERP item. */
  readonly mappedCostCodes: ReadonlySet<string>;
  /** Cost codes (by code) the company has turned off. */
  readonly inactiveCostCodes: ReadonlySet<string>;
  readonly rights?: EffectiveRights;
}

function commitmentPendingReason(commitment: Commitment, erpName: string): Reason[] {
  const pending = pendingCommitmentSubmission(commitment);
  if (!pending) return [];
  switch (pending.status) {
    case "ready_to_export":
      return [reason("submission_pending", "The commitment is already waiting for accounting acceptance.")];
    case "exporting":
      return [reason("submission_pending", `The commitment is being exported to ${erpName}.`)];
    case "failed":
      return [
        reason("submission_pending", "The last export failed; an approver must retry or reject it first."),
      ];
    default:
      return assertNever(pending.status, "pending status");
  }
}

/** Every unmet prerequisite of sending a commitment (or re-sending it after an approved change order). */
export function evaluateCommitmentSend(facts: CommitmentSendFacts): Evaluation {
  const { commitment, erp, vendor, project } = facts;
  const erpName = erp.label ?? "the ERP";
  const reasons: Reason[] = [...rightReason(facts.rights, "send_budget")];
  if (erp.type === null) {
    reasons.push(reason("erp_not_connected", "The company is not connected to an ERP."));
  } else if (!erp.takesCommitments) {
    reasons.push(
      reason("erp_cannot_take_commitments", `${erpName} cannot take commitments as purchase orders yet.`),
    );
  }
  if (commitment.status !== "approved") {
    reasons.push(reason("commitment_not_approved", "Only an approved commitment can be sent."));
  }
  reasons.push(...commitmentPendingReason(commitment, erpName));
  const lines = deriveCommitmentLines(commitment);
  if (lines.length === 0) reasons.push(reason("commitment_empty", "Add at least one line before sending."));
  if (!vendor.active) {
    reasons.push(
      reason("vendor_inactive", `The vendor ${vendor.name} is inactive; make it active again first.`),
    );
  }
  if (!project.erpJobLinked && !project.parentCustomerChosen && !erp.hasDefaultParentCustomer) {
    reasons.push(
      reason(
        "project_not_linked",
        `Link the project to a job in ${erpName}, or choose a parent customer under which the job will be created.`,
      ),
    );
  }
  const limits = erp.type ? (erp.limits ?? null) : null;
  if (limits?.vendorNameMaxChars !== undefined && charCount(vendor.name) > limits.vendorNameMaxChars) {
    reasons.push(
      reason(
        "name_too_long",
        `The vendor name has ${charCount(vendor.name)} characters; ${erpName} allows ${limits.vendorNameMaxChars} characters for a vendor name.`,
      ),
    );
  }
  if (
    limits?.purchaseOrderNumberMaxChars !== undefined &&
    charCount(commitment.number) > limits.purchaseOrderNumberMaxChars
  ) {
    reasons.push(
      reason(
        "name_too_long",
        `The commitment number has ${charCount(commitment.number)} characters; ${erpName} allows ${limits.purchaseOrderNumberMaxChars} characters for a purchase order number.`,
      ),
    );
  }
  if (limits && charCount(project.name) > limits.jobNameMaxChars) {
    reasons.push(
      reason(
        "name_too_long",
        `The project name has ${charCount(project.name)} characters; ${erpName} allows ${limits.jobNameMaxChars} characters for a job name.`,
      ),
    );
  }
  if (FORBIDDEN_NAME_CHARACTERS.test(vendor.name)) {
    reasons.push(
      reason(
        "name_invalid_characters",
        `Names in ${erpName} cannot contain a colon, tab or line break: ${JSON.stringify(vendor.name)}.`,
      ),
    );
  }
  const inactive = unique(
    lines.filter((l) => facts.inactiveCostCodes.has(l.costCode)).map((l) => l.costCode),
  );
  if (inactive.length > 0) {
    reasons.push(
      reason(
        "cost_code_inactive",
        `${inactive.length === 1 ? "Cost code" : "Cost codes"} ${list(inactive)} ${inactive.length === 1 ? "is" : "are"} inactive; make ${inactive.length === 1 ? "it" : "them"} active again before sending.`,
      ),
    );
  }
  const unmapped = unique(lines.filter((l) => !facts.mappedCostCodes.has(l.costCode)).map((l) => l.costCode));
  if (!erp.createMissingItems && unmapped.length > 0) {
    reasons.push(
      reason(
        "cost_code_not_exportable",
        `${unmapped.length === 1 ? "Cost code" : "Cost codes"} ${list(unmapped)} ${unmapped.length === 1 ? "is" : "are"} not mapped to an item in ${erpName} and creating missing items is off.`,
      ),
    );
  }
  if (limits && erp.createMissingItems) {
    const tooLong = unmapped.filter((code) => charCount(code) > limits.itemNameMaxChars);
    if (tooLong.length > 0) {
      reasons.push(
        reason(
          "cost_code_too_long",
          `${list(tooLong)}: ${erpName} allows ${limits.itemNameMaxChars} characters for an item name.`,
        ),
      );
    }
  }
  const negative = lines.filter((line) => line.revised < 0n);
  if (negative.length > 0) {
    const named = negative.map((l) => `${l.costCode} ${l.category} (${formatMoney(l.revised)})`);
    reasons.push(
      reason("negative_revised_estimate", `${list(named)}: a line's revised amount cannot be negative.`),
    );
  }
  if (lines.length > 0 && !hasCommitmentChangesToSend(commitment)) {
    reasons.push(
      reason(
        "nothing_new_to_send",
        commitment.lastExported
          ? "Nothing new to send: every line's revised amount matches what was last exported."
          : "Nothing to send: every line's amount is 0.",
      ),
    );
  }
  return evaluation(reasons);
}

/** Retrieve takes a commitment's waiting submission back before an approver decides. */
export function evaluateCommitmentRetrieve(facts: {
  commitment: Commitment;
  rights?: EffectiveRights;
}): Evaluation {
  const reasons = rightReason(facts.rights, "retrieve_budget");
  if (facts.commitment.lastSubmission?.status !== "ready_to_export") {
    reasons.push(
      reason("not_awaiting_acceptance", "No submission of this commitment is waiting for acceptance."),
    );
  }
  return evaluation(reasons);
}

function lockedReason(commitment: Commitment): Reason[] {
  return isCommitmentLocked(commitment)
    ? [reason("submission_pending", "The commitment is locked while its submission is pending.")]
    : [];
}

export interface CommitmentActions {
  readonly edit: Evaluation;
  readonly changeStatus: Evaluation;
  readonly addChangeOrder: Evaluation;
  readonly send: Evaluation;
  readonly retrieve: Evaluation;
}

/** The commitment GET's `actions` object. */
export function evaluateCommitmentActions(facts: CommitmentSendFacts): CommitmentActions {
  const { commitment } = facts;
  const edit = [...rightReason(facts.rights, "edit_budget"), ...lockedReason(commitment)];
  if (commitment.status !== "draft") {
    edit.push(reason("commitment_not_draft", "Lines change only while the commitment is a draft."));
  }
  const changeStatus = [...rightReason(facts.rights, "edit_budget"), ...lockedReason(commitment)];
  if (commitment.status === "void" || (commitment.status === "approved" && commitment.lastSubmission)) {
    changeStatus.push(reason("invalid_status_change", "The commitment's status can no longer change."));
  }
  const addChangeOrder = [...rightReason(facts.rights, "edit_budget"), ...lockedReason(commitment)];
  if (commitment.status !== "approved") {
    addChangeOrder.push(reason("commitment_not_approved", "Change orders belong to an approved commitment."));
  }
  return {
    edit: evaluation(edit),
    changeStatus: evaluation(changeStatus),
    addChangeOrder: evaluation(addChangeOrder),
    send: evaluateCommitmentSend(facts),
    retrieve: evaluateCommitmentRetrieve(facts),
  };
}
