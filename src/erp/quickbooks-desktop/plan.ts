/**
 * An accepted budget as an ordered plan of QuickBooks Desktop steps, and the rules that move each step along, as
 * pure functions (the queue in PostgreSQL stores the state; the Web Connector carries one request at a time).
 *
 *   parent customer → customer:job → one step per cost code's service item → the estimate
 *
 * Each step first asks (a query) and only then adds or modifies, so a request whose answer was lost is never
 * repeated blindly: a step handed out without an answer goes back to its query ("query before add"). QuickBooks
 * has no idempotency key; the estimate is recognised by the Costbridge marker (with the submission id) in its memo,
 * customers and items by their unique names.
 */
import type { ErpEstimateRef, EstimateExportRequest, ExportOutcome, WrittenEstimate } from "../connector.js";
import {
  amountToCents,
  centsToDecimal,
  formatMarker,
  lineDescription,
  parseMarker,
  sanitizeQboName,
} from "../quickbooks-online/mapping.js";
import {
  customerAdd,
  customerQuery,
  type EstimateModWrite,
  type EstimateRet,
  type EstimateWrite,
  estimateAdd,
  estimateMod,
  estimateQueryByCustomer,
  estimateQueryByTxnId,
  incomeAccountQuery,
  isNotFound,
  isOk,
  itemQuery,
  itemServiceAdd,
  type ListRet,
  type QbxmlResponse,
  qbxmlDocument,
  readEstimateRet,
  readListRet,
} from "./qbxml.js";
import { checkQbxmlRequest, QBD_LIMITS, type QbxmlViolation } from "./rules.js";
import { classifyStatus, REMEDY_CHANGED_IN_QUICKBOOKS, type StatusSubject } from "./status.js";
import { type RawXml, stripForbiddenXmlChars } from "./xml.js";

export const JOB_NAME_MAX = QBD_LIMITS.customerName;
export const ITEM_NAME_MAX = QBD_LIMITS.itemName;
export const REF_NUMBER_MAX = QBD_LIMITS.refNumber;
/** QuickBooks Desktop amounts: 13 integer digits at most. */
export const MAX_AMOUNT_CENTS = 9_999_999_999_999_99n;
/** Re-reads after QuickBooks reported the estimate or purchase order changed under us (3200), before giving up. */
const MAX_REQUERIES = 3;

/**
 * What every plan carries, whatever document it writes: the project whose job the document sits on and the cost
 * codes whose items its lines name. The parent customer, job and item steps work on this alone.
 */
export interface PlanCommon {
  submissionId: string;
  attempt: number;
  project: {
    number: string;
    name: string;
    existingJobRef: string | null;
    parentCustomerName: string | null;
    parentCustomerRef: string | null;
  };
  lines: {
    costCode: string;
    costCodeDescription: string;
    category: string;
    categoryName: string;
    itemRef: string | null;
  }[];
  createMissingItems: boolean;
  useClasses: boolean;
}

/** The export request of a budget as the plan stores it (JSON: amounts as cent strings). */
export interface PlanRequest extends PlanCommon {
  /** Absent in plans queued before purchase orders: an estimate. */
  document?: "estimate";
  lines: (PlanCommon["lines"][number] & { revisedEstimate: string })[];
  estimateMode: "update_in_place" | "new_estimate_per_submission";
  previous: ErpEstimateRef | null;
  overwriteChangedInErp: boolean;
}

export function toPlanRequest(req: EstimateExportRequest): PlanRequest {
  return {
    submissionId: req.submissionId,
    attempt: req.attempt,
    project: {
      number: req.project.number,
      name: req.project.name,
      existingJobRef: req.project.existingJobRef ?? null,
      parentCustomerName: req.project.parentCustomerName ?? null,
      parentCustomerRef: req.project.parentCustomerRef ?? null,
    },
    lines: req.lines.map((l) => ({
      costCode: l.costCode,
      costCodeDescription: l.costCodeDescription,
      category: l.category,
      categoryName: l.categoryName,
      revisedEstimate: l.revisedEstimate.toString(),
      itemRef: l.itemRef ?? null,
    })),
    createMissingItems: req.createMissingItems,
    estimateMode: req.estimateMode,
    previous: req.previous,
    overwriteChangedInErp: req.overwriteChangedInErp,
    useClasses: req.useClasses,
  };
}

export interface ListRef {
  listId: string;
  fullName: string;
}

/** What finished steps learned from QuickBooks; later steps build on it. */
export interface PlanContext {
  parent?: ListRef & { sublevel: number };
  job?: ListRef & { created: boolean };
  items?: Record<string, ListRef & { created: boolean }>;
  incomeAccount?: ListRef;
  estimate?: { txnId: string; editSequence: string; refNumber: string; written?: WrittenEstimate };
  /** The commitment's vendor, found or added. */
  vendor?: ListRef & { created: boolean };
  /** The purchase order as QuickBooks holds it after our write, each of our lines with its line key. */
  purchaseOrder?: {
    txnId: string;
    editSequence: string;
    refNumber: string;
    lines: { lineKey: string; txnLineId: string; amount: string }[];
  };
  /**
   * A reference this Web Connector session remembered turned out stale (QuickBooks refused it): from then on the
   * plan asks QuickBooks for everything, so it cannot go round again.
   */
  sessionLookupsOff?: boolean;
}

/** Per-step memory between requests. */
export interface StepState {
  /** An add was refused with 3100 (name in use): if the query still finds nothing, the name is held elsewhere. */
  addRefused?: boolean;
  requeries?: number;
  /** The step was answered from what this Web Connector session already learned, without asking QuickBooks. */
  remembered?: boolean;
  /** Times QuickBooks answered this request with an hresult (it could not run it) instead of a response. */
  hresults?: number;
  /**
   * The estimate being rewritten, as found: what an EstimateMod must name (TxnID, EditSequence, the lines) and what
   * it compares against so it sends only what Costbridge changes (customer, reference number, memo).
   */
  target?: {
    txnId: string;
    editSequence: string;
    lineIds: string[];
    customerListId?: string;
    refNumber?: string;
    memo?: string;
  };
  /** The purchase order being rewritten, as found, and how each of its lines is kept, rewritten or added. */
  poTarget?: {
    txnId: string;
    editSequence: string;
    vendorListId: string;
    refNumber: string;
    memo: string;
    /** In the order the mod names them: a line key of ours, or null for a line Costbridge does not own. */
    lines: { txnLineId: string; lineKey: string | null }[];
  };
}

export interface Step {
  step: string;
  phase: string;
  state: StepState;
}

export type StepResult =
  | { kind: "next"; phase: string; state: StepState; context: PlanContext }
  | { kind: "done"; context: PlanContext }
  | { kind: "rejected"; code: string; message: string; remedy: string }
  | { kind: "retryable"; code: string; message: string };

// ---- names ----------------------------------------------------------------------------------------------------

/** QuickBooks Desktop names: no colon (it separates Parent:Job), no control characters, trimmed. */
export function qbdName(raw: string): string {
  return sanitizeQboName(stripForbiddenXmlChars(raw), Number.MAX_SAFE_INTEGER);
}

/** Length in characters, as QuickBooks counts them (a surrogate pair is one). */
export function chars(text: string): number {
  return [...text].length;
}

export function jobName(req: PlanCommon): string {
  return qbdName(req.project.name);
}

/** The service item a cost code becomes: the code itself (the company's cost code list = the item list). */
export function itemName(costCode: string): string {
  return qbdName(costCode);
}

export function refNumberFor(projectNumber: string): string {
  return Array.from(`CB-${projectNumber.trim()}`).slice(0, REF_NUMBER_MAX).join("").trimEnd();
}

/** Cost codes in first-appearance order, each with its description and mapped item (a mapped line wins). */
export function costCodesOf(
  req: PlanCommon,
): { code: string; description: string; itemRef: string | null }[] {
  const byCode = new Map<string, { code: string; description: string; itemRef: string | null }>();
  for (const l of req.lines) {
    const known = byCode.get(l.costCode);
    if (!known)
      byCode.set(l.costCode, { code: l.costCode, description: l.costCodeDescription, itemRef: l.itemRef });
    else if (!known.itemRef && l.itemRef) known.itemRef = l.itemRef;
  }
  return [...byCode.values()];
}

// ---- before anything is queued ------------------------------------------------------------------------------

export interface Rejection {
  code: string;
  message: string;
  remedy: string;
}

/** The checks that need no QuickBooks: QuickBooks Desktop's limits, the send prerequisites as of now. */
export function checkPlan(req: PlanRequest): Rejection | null {
  if (req.lines.length === 0) {
    return {
      code: "no_lines",
      message: "The budget has no lines to export.",
      remedy: "Add budget lines, then send the budget again.",
    };
  }
  for (const l of req.lines) {
    const cents = BigInt(l.revisedEstimate);
    if (cents < 0n || cents > MAX_AMOUNT_CENTS) {
      return {
        code: "amount_out_of_range",
        message: `The revised estimate of ${l.costCode} ${l.categoryName} (${centsToDecimal(cents)}) cannot be written to a QuickBooks Desktop estimate.`,
        remedy:
          "Bring the line's revised estimate to zero or above (and within QuickBooks' limits) with a budget change, then send again.",
      };
    }
  }
  return checkJobAndItems(req);
}

/** The job's and the items' checks that need no QuickBooks, for any document written on the project's job. */
export function checkJobAndItems(req: PlanCommon): Rejection | null {
  if (!req.project.existingJobRef) {
    const name = jobName(req);
    if (name === "") {
      return {
        code: "job_name_invalid",
        message: `The project name "${req.project.name}" leaves nothing usable as a QuickBooks job name.`,
        remedy: "Rename the project, or link it to an existing QuickBooks job, then retry.",
      };
    }
    if ([...name].length > JOB_NAME_MAX) {
      return {
        code: "name_too_long",
        message: `The project name has ${[...name].length} characters; QuickBooks Desktop allows ${JOB_NAME_MAX} for a job name.`,
        remedy: `Shorten the project name to ${JOB_NAME_MAX} characters, or link the project to an existing QuickBooks job, then retry.`,
      };
    }
    if (!req.project.parentCustomerRef && !req.project.parentCustomerName?.trim()) {
      return {
        code: "no_job_for_project",
        message: `Project ${req.project.number} is not linked to a QuickBooks job and has no parent customer to add one under.`,
        remedy:
          "Link the project to its QuickBooks job, or choose a parent customer (or a company default), then retry.",
      };
    }
    if (!req.project.parentCustomerRef) {
      const parent = parentName(req);
      if (parent === "") {
        return {
          code: "parent_customer_invalid",
          message: `The parent customer name "${req.project.parentCustomerName ?? ""}" leaves nothing usable as a QuickBooks customer name.`,
          remedy:
            "Choose the parent customer from QuickBooks for the project, or correct the company's default parent customer in the ERP settings, then retry.",
        };
      }
      if (chars(parent) > QBD_LIMITS.customerName) {
        return {
          code: "name_too_long",
          message: `The parent customer name "${parent}" has ${chars(parent)} characters; QuickBooks Desktop allows ${QBD_LIMITS.customerName} for a customer name.`,
          remedy: `Choose a parent customer with a name of at most ${QBD_LIMITS.customerName} characters for the project, or shorten the company's default parent customer in the ERP settings, then retry.`,
        };
      }
      if (chars(`${parent}:${name}`) > QBD_LIMITS.fullName) {
        return {
          code: "name_too_long",
          message: `The job's full name "${parent}:${name}" has ${chars(`${parent}:${name}`)} characters; QuickBooks Desktop allows ${QBD_LIMITS.fullName}.`,
          remedy: "Shorten the project name or the parent customer's name, then retry.",
        };
      }
    }
  }
  const codes = costCodesOf(req);
  const unmapped = codes.filter((c) => !c.itemRef);
  if (unmapped.length > 0 && !req.createMissingItems) {
    const list = unmapped.map((c) => c.code).join(", ");
    return {
      code: "cost_code_not_mapped",
      message: `Cost code${unmapped.length > 1 ? "s" : ""} ${list} ${unmapped.length > 1 ? "are" : "is"} not mapped to a QuickBooks item, and creating missing items is turned off.`,
      remedy: `Map ${list} to QuickBooks service items in ERP Integrations, or turn on "create missing items", then retry.`,
    };
  }
  const tooLong = unmapped.filter((c) => chars(itemName(c.code)) > ITEM_NAME_MAX || itemName(c.code) === "");
  if (tooLong.length > 0) {
    return {
      code: "cost_code_too_long",
      message: `${tooLong.map((c) => c.code).join(", ")}: QuickBooks Desktop allows ${ITEM_NAME_MAX} characters for an item name.`,
      remedy:
        "Map the cost code to an existing QuickBooks service item, or use a shorter cost code, then retry.",
    };
  }
  const longDesc = unmapped.find((c) => chars(stripForbiddenXmlChars(c.description)) > QBD_LIMITS.desc);
  if (longDesc) {
    return {
      code: "description_too_long",
      message: `The description of cost code ${longDesc.code} has ${chars(longDesc.description)} characters; QuickBooks Desktop allows ${QBD_LIMITS.desc} for an item description.`,
      remedy: `Shorten the description of cost code ${longDesc.code}, or map it to an existing QuickBooks service item, then retry.`,
    };
  }
  if (req.useClasses) {
    const longClass = req.lines.find((l) => chars(qbdName(l.categoryName)) > QBD_LIMITS.fullName);
    if (longClass) {
      return {
        code: "name_too_long",
        message: `The category "${longClass.categoryName}" is too long for a QuickBooks Desktop class: QuickBooks Desktop allows ${QBD_LIMITS.fullName} characters for a class's full name.`,
        remedy: "Rename the category, or turn off classes in the ERP settings, then retry.",
      };
    }
  }
  return null;
}

// ---- the plan -------------------------------------------------------------------------------------------------

export function planSteps(req: PlanRequest): { step: string; phase: string }[] {
  const steps: { step: string; phase: string }[] = [];
  if (req.project.existingJobRef) {
    steps.push({ step: "job", phase: "query_ref" });
  } else {
    steps.push({ step: "parent", phase: "query" }, { step: "job", phase: "query" });
  }
  for (const c of costCodesOf(req)) {
    steps.push({ step: `item:${c.code}`, phase: c.itemRef ? "query_ref" : "query" });
  }
  const updating = req.estimateMode === "update_in_place" && req.previous !== null;
  steps.push({ step: "estimate", phase: updating ? "query_previous" : "query_job" });
  return steps;
}

/**
 * The phase to ask next for a step whose last request was handed out but never answered (a retried call, a
 * session cut off, a restart): whatever it wrote may or may not exist, so look before writing again.
 */
export function phaseAfterLostAnswer(step: Step): string {
  if (step.phase === "add") {
    if (step.step === "estimate") return "query_job";
    if (step.step === "purchase_order") return "query_ref";
    return "query";
  }
  if (step.phase === "mod") return "query_txn";
  return step.phase;
}

export function itemStepCode(step: string): string {
  return step.slice("item:".length);
}

function costCodeInfo(req: PlanCommon, code: string) {
  const info = costCodesOf(req).find((c) => c.code === code);
  if (!info) throw new Error(`no cost code ${code} in the plan`);
  return info;
}

export function parentName(req: PlanCommon): string {
  return qbdName(req.project.parentCustomerName ?? "");
}

function subjectOf(req: PlanCommon, ctx: PlanContext, step: string): StatusSubject {
  if (step === "parent") return { kind: "parent_customer", name: parentName(req) };
  if (step === "job") return { kind: "job", name: ctx.job?.fullName ?? jobName(req) };
  if (step.startsWith("item:")) {
    const code = itemStepCode(step);
    return { kind: "item", name: itemName(code), costCode: code };
  }
  return { kind: "estimate", refNumber: refNumberFor(req.project.number) };
}

/** The estimate the plan writes, from what the earlier steps found or added. */
export function estimateWrite(req: PlanRequest, ctx: PlanContext): EstimateWrite {
  if (!ctx.job) throw new Error("the estimate needs the job first");
  return {
    customer: { listId: ctx.job.listId },
    refNumber: refNumberFor(req.project.number),
    memo: formatMarker({ projectNumber: req.project.number, submissionId: req.submissionId }),
    lines: req.lines.map((l) => {
      const item = ctx.items?.[l.costCode];
      if (!item) throw new Error(`the estimate needs the item of ${l.costCode} first`);
      return {
        item: { listId: item.listId },
        description: lineDescription(
          { ...l, revisedEstimate: BigInt(l.revisedEstimate), itemRef: l.itemRef },
          req.useClasses,
        ),
        amount: centsToDecimal(BigInt(l.revisedEstimate)),
        className: req.useClasses ? qbdName(l.categoryName) : undefined,
      };
    }),
  };
}

const MARKER_IN_MEMO = /Costbridge budget · project .+? · submission \S+/;

/** `memo` with our marker in it: an old marker replaced where it stands, else the marker added after their words. */
export function memoWithMarker(memo: string, marker: string): string {
  if (MARKER_IN_MEMO.test(memo)) return memo.replace(MARKER_IN_MEMO, () => marker);
  const theirs = memo.trimEnd();
  if (theirs === "") return marker;
  const room = QBD_LIMITS.memo - chars(marker) - 1;
  return `${Array.from(theirs).slice(0, room).join("")} ${marker}`;
}

/** Whether the estimate's reference number is ours to set: empty, or the one Costbridge wrote before. */
function ownsRefNumber(req: PlanRequest, current: string | undefined): boolean {
  if (current === undefined || current === "") return true;
  if (current === refNumberFor(req.project.number)) return true;
  return req.previous !== null && current === req.previous.docNumber;
}

/** The EstimateMod for an estimate as found: the lines, and only those other fields Costbridge changes. */
export function estimateModWrite(
  req: PlanRequest,
  ctx: PlanContext,
  target: NonNullable<StepState["target"]>,
): EstimateModWrite {
  const full = estimateWrite(req, ctx);
  const customerId = "listId" in full.customer ? full.customer.listId : "";
  const memo = target.memo === undefined ? full.memo : memoWithMarker(target.memo, full.memo);
  return {
    customer: target.customerListId === customerId ? undefined : full.customer,
    refNumber:
      ownsRefNumber(req, target.refNumber) && target.refNumber !== full.refNumber
        ? full.refNumber
        : undefined,
    memo: memo === target.memo ? undefined : memo,
    lines: full.lines,
  };
}

/** A request the plan built that QuickBooks Desktop would refuse; the submission fails with `rejection`. */
export class QbxmlRuleError extends Error {
  constructor(
    readonly violations: QbxmlViolation[],
    readonly rejection: Rejection,
  ) {
    super(rejection.message);
  }
}

export function violationRejection(req: PlanCommon, step: Step, v: QbxmlViolation): Rejection {
  const subject = step.step.startsWith("item:")
    ? `item of cost code ${itemStepCode(step.step)}`
    : step.step === "parent"
      ? "parent customer"
      : step.step.replace(/_/g, " ");
  const where = `the ${subject} request`;
  if (v.kind === "too_long") {
    const field = v.path.endsWith("CustomerAdd/Name")
      ? "a customer or job name"
      : v.path.endsWith("ItemServiceAdd/Name")
        ? "an item name"
        : v.element === "FullName"
          ? "a full name (Parent:Job, a class or an account)"
          : v.element === "RefNumber"
            ? "a reference number"
            : v.element === "Desc"
              ? "a description"
              : v.element === "Memo"
                ? "a memo"
                : v.element;
    return {
      code: "value_too_long",
      message: `Costbridge did not send ${where} to QuickBooks Desktop: ${v.message}`,
      remedy: `QuickBooks Desktop allows ${v.max} characters for ${field}. Shorten it in Costbridge (project name, cost code or its description, category, the parent customer, or the vendor's details), then retry.`,
    };
  }
  return {
    code: "request_invalid",
    message: `Costbridge did not send ${where} to QuickBooks Desktop, which would refuse it: ${v.message}`,
    remedy: `Retry the export once; if it fails the same way, report project ${req.project.number} to support with this message.`,
  };
}

/**
 * The qbXML document for a step's current phase, checked against the qbXML 13.0 rules first: a request QuickBooks
 * Desktop would refuse is never handed out (QbxmlRuleError).
 */
export function buildStepRequest(req: PlanRequest, ctx: PlanContext, step: Step, requestId: string): string {
  const xml = qbxmlDocument(stepRequest(req, ctx, step, requestId));
  const violations = checkQbxmlRequest(xml);
  if (violations.length > 0) {
    throw new QbxmlRuleError(violations, violationRejection(req, step, violations[0]!));
  }
  return xml;
}

function stepRequest(req: PlanRequest, ctx: PlanContext, step: Step, id: string): RawXml {
  if (isListStep(step.step)) return listStepRequest(req, ctx, step, id);
  if (step.step === "estimate") {
    switch (step.phase) {
      case "query_previous":
        return estimateQueryByTxnId(id, req.previous?.estimateId ?? "");
      case "query_txn":
        return estimateQueryByTxnId(id, step.state.target?.txnId ?? "");
      case "query_job":
        if (!ctx.job) throw new Error("the estimate needs the job first");
        return estimateQueryByCustomer(id, { listId: ctx.job.listId });
      case "add":
        return estimateAdd(id, estimateWrite(req, ctx));
      case "mod":
        if (!step.state.target) throw new Error("a mod needs its target");
        return estimateMod(id, step.state.target, estimateModWrite(req, ctx, step.state.target));
    }
  }
  throw new Error(`unknown step ${step.step}/${step.phase}`);
}

/** The parent customer, the job and the items: the steps every document's plan shares. */
export function isListStep(step: string): boolean {
  return step === "parent" || step === "job" || step.startsWith("item:");
}

/** The request of a parent customer, job or item step. */
export function listStepRequest(req: PlanCommon, ctx: PlanContext, step: Step, id: string): RawXml {
  const { project } = req;
  if (step.step === "parent") {
    if (step.phase === "add") return customerAdd(id, parentName(req), null);
    return customerQuery(
      id,
      project.parentCustomerRef ? { listId: project.parentCustomerRef } : { fullName: parentName(req) },
    );
  }
  if (step.step === "job") {
    if (step.phase === "query_ref") return customerQuery(id, { listId: project.existingJobRef ?? "" });
    if (!ctx.parent) throw new Error("the job needs its parent customer first");
    if (step.phase === "add") return customerAdd(id, jobName(req), { listId: ctx.parent.listId });
    return customerQuery(id, { fullName: `${ctx.parent.fullName}:${jobName(req)}` });
  }
  if (step.step.startsWith("item:")) {
    const info = costCodeInfo(req, itemStepCode(step.step));
    if (step.phase === "query_ref") return itemQuery(id, { listId: info.itemRef ?? "" });
    if (step.phase === "account") return incomeAccountQuery(id);
    if (step.phase === "add") {
      if (!ctx.incomeAccount) throw new Error("adding an item needs the income account first");
      return itemServiceAdd(id, {
        name: itemName(info.code),
        description: info.description,
        incomeAccount: { listId: ctx.incomeAccount.listId },
      });
    }
    return itemQuery(id, { fullName: itemName(info.code) });
  }
  throw new Error(`unknown step ${step.step}/${step.phase}`);
}

// ---- answers ------------------------------------------------------------------------------------------------

export function rejected(code: string, message: string, remedy: string): StepResult {
  return { kind: "rejected", code, message, remedy };
}

export function next(phase: string, state: StepState, context: PlanContext): StepResult {
  return { kind: "next", phase, state, context };
}

export function fromStatus(req: PlanCommon, ctx: PlanContext, step: Step, r: QbxmlResponse): StepResult {
  return classifyStatus(r.statusCode, r.statusMessage, subjectOf(req, ctx, step.step));
}

export function inactive(subject: string, remedy: string): StepResult {
  return rejected("inactive_in_quickbooks", `${subject} is inactive in QuickBooks Desktop.`, remedy);
}

/** Moves a step along with QuickBooks' answer to its current request. */
export function applyResponse(req: PlanRequest, ctx: PlanContext, step: Step, r: QbxmlResponse): StepResult {
  if (isRefusal(step, r)) return fromStatus(req, ctx, step, r);
  if (isListStep(step.step)) return listStepAnswer(req, ctx, step, r);
  return estimateAnswer(req, ctx, step, r);
}

/**
 * Whether QuickBooks refused the step's request in a way the step does not handle itself: anything but OK and
 * "nothing found", except a name in use on an add (looked up again) and a stale mod (the document is read again).
 */
export function isRefusal(step: Step, r: QbxmlResponse): boolean {
  return (
    !isOk(r) &&
    !isNotFound(r) &&
    !(r.statusCode === "3100" && step.phase === "add") &&
    !isRequeryStatus(step, r)
  );
}

/** The answer to a parent customer, job or item step. */
export function listStepAnswer(req: PlanCommon, ctx: PlanContext, step: Step, r: QbxmlResponse): StepResult {
  if (step.step === "parent") return parentAnswer(req, ctx, step, r);
  if (step.step === "job") return jobAnswer(req, ctx, step, r);
  return itemAnswer(req, ctx, step, r);
}

function isRequeryStatus(step: Step, r: QbxmlResponse): boolean {
  return (
    (step.step === "estimate" || step.step === "purchase_order") &&
    step.phase === "mod" &&
    (r.statusCode === "3200" || r.statusCode === "3120")
  );
}

function parentAnswer(req: PlanCommon, ctx: PlanContext, step: Step, r: QbxmlResponse): StepResult {
  const name = parentName(req);
  if (step.phase === "add") {
    if (r.statusCode === "3100") return next("query", { ...step.state, addRefused: true }, ctx);
  }
  const found = r.rets[0] ? readListRet(r.rets[0]) : null;
  if (!found) {
    if (req.project.parentCustomerRef) {
      return rejected(
        "parent_customer_missing",
        `The parent customer chosen for project ${req.project.number} no longer exists in QuickBooks Desktop.`,
        "Choose another parent customer for the project (or link it to an existing job), then retry.",
      );
    }
    if (step.state.addRefused)
      return fromStatus(req, ctx, step, {
        ...r,
        statusCode: "3100",
        statusMessage: `The name "${name}" of the list element is already in use.`,
      });
    return next("add", step.state, ctx);
  }
  return parentFound(ctx, found);
}

/** The parent customer as QuickBooks (or this session, earlier) answered it. */
export function parentFound(ctx: PlanContext, found: ListRet): StepResult {
  if (!found.isActive) {
    return inactive(
      `The parent customer "${found.fullName}"`,
      `Make "${found.fullName}" active in QuickBooks (Customers & Jobs list), then retry.`,
    );
  }
  if (found.sublevel > 0) {
    return rejected(
      "sub_job_not_supported",
      `The parent customer "${found.fullName}" is itself a job in QuickBooks Desktop, so the project would become a sub-job, which QuickBooks Desktop exports do not support.`,
      "Choose a top-level customer as the project's parent customer (or link the project to an existing job), then retry.",
    );
  }
  return {
    kind: "done",
    context: { ...ctx, parent: { listId: found.listId, fullName: found.fullName, sublevel: found.sublevel } },
  };
}

function jobAnswer(req: PlanCommon, ctx: PlanContext, step: Step, r: QbxmlResponse): StepResult {
  if (step.phase === "add" && r.statusCode === "3100") {
    return next("query", { ...step.state, addRefused: true }, ctx);
  }
  const found = r.rets[0] ? readListRet(r.rets[0]) : null;
  if (!found) {
    if (step.phase === "query_ref") {
      return rejected(
        "job_missing",
        `The QuickBooks job linked to project ${req.project.number} no longer exists in QuickBooks Desktop.`,
        "Link the project to its current QuickBooks job (or clear the link so Costbridge adds the job), then retry.",
      );
    }
    if (step.state.addRefused) {
      return fromStatus(req, ctx, step, {
        ...r,
        statusCode: "3100",
        statusMessage: `The name "${jobName(req)}" of the list element is already in use.`,
      });
    }
    return next("add", step.state, ctx);
  }
  return jobFound(req, ctx, step, found);
}

/** The job as QuickBooks (or this session, earlier) answered it. */
export function jobFound(req: PlanCommon, ctx: PlanContext, step: Step, found: ListRet): StepResult {
  if (!found.isActive) {
    return inactive(
      `The job "${found.fullName}"`,
      `Make the job "${found.fullName}" active in QuickBooks (Customers & Jobs list), then retry.`,
    );
  }
  if (step.phase === "query_ref" && found.sublevel > 1) {
    return rejected(
      "sub_job_not_supported",
      `The QuickBooks record linked to project ${req.project.number} ("${found.fullName}") is a sub-job; QuickBooks Desktop exports support jobs directly under a customer only.`,
      "Link the project to a job directly under its customer, then retry.",
    );
  }
  return {
    kind: "done",
    context: {
      ...ctx,
      job: { listId: found.listId, fullName: found.fullName, created: step.phase === "add" },
    },
  };
}

function itemAnswer(req: PlanCommon, ctx: PlanContext, step: Step, r: QbxmlResponse): StepResult {
  const code = itemStepCode(step.step);
  const name = itemName(code);
  if (step.phase === "account") {
    return accountFound(ctx, step, r.rets.map(readListRet));
  }
  if (step.phase === "add" && r.statusCode === "3100") {
    return next("query", { ...step.state, addRefused: true }, ctx);
  }
  const ret = r.rets[0];
  if (!ret) {
    if (step.phase === "query_ref") {
      return rejected(
        "item_missing",
        `The QuickBooks item mapped to cost code ${code} no longer exists in QuickBooks Desktop.`,
        `Map cost code ${code} to an existing QuickBooks service item in ERP Integrations, then retry.`,
      );
    }
    if (step.state.addRefused) {
      return fromStatus(req, ctx, step, {
        ...r,
        statusCode: "3100",
        statusMessage: `The name "${name}" of the list element is already in use.`,
      });
    }
    if (!req.createMissingItems) {
      return rejected(
        "cost_code_not_mapped",
        `QuickBooks Desktop has no item "${name}" for cost code ${code}, and creating missing items is turned off.`,
        `Map cost code ${code} to a QuickBooks service item in ERP Integrations, or turn on "create missing items", then retry.`,
      );
    }
    return next(ctx.incomeAccount ? "add" : "account", step.state, ctx);
  }
  return itemFound(ctx, step, readListRet(ret));
}

/** The income account for new items, from QuickBooks' (or this session's earlier) list of active income accounts. */
export function accountFound(ctx: PlanContext, step: Step, accounts: ListRet[]): StepResult {
  const account = accounts.find((a) => a.isActive);
  if (!account) {
    return rejected(
      "no_income_account",
      "QuickBooks Desktop has no active income account for the service items Costbridge needs to add.",
      "Add an income account in QuickBooks (Chart of Accounts), or map every cost code to an existing service item, then retry.",
    );
  }
  return next("add", step.state, {
    ...ctx,
    incomeAccount: { listId: account.listId, fullName: account.fullName },
  });
}

/** The service item of a cost code as QuickBooks (or this session, earlier) answered it. */
export function itemFound(ctx: PlanContext, step: Step, item: ListRet): StepResult {
  const code = itemStepCode(step.step);
  if (item.kind !== "ItemService") {
    return rejected(
      "item_not_service",
      `QuickBooks Desktop item "${item.fullName}" (cost code ${code}) is not a service item; cost codes map to service items only.`,
      `Map cost code ${code} to a service item in ERP Integrations (or rename the other item in QuickBooks), then retry.`,
    );
  }
  if (!item.isActive) {
    return inactive(
      `The item "${item.fullName}" (cost code ${code})`,
      `Make the item "${item.fullName}" active in QuickBooks (Item list), or map cost code ${code} to another item, then retry.`,
    );
  }
  return {
    kind: "done",
    context: {
      ...ctx,
      items: {
        ...(ctx.items ?? {}),
        [code]: { listId: item.listId, fullName: item.fullName, created: step.phase === "add" },
      },
    },
  };
}

/** Differences between an estimate in QuickBooks and the one we write, worded for a person; empty when equal. */
export function compareEstimate(actual: EstimateRet, write: EstimateWrite): string[] {
  const problems: string[] = [];
  const customer = "listId" in write.customer ? write.customer.listId : "";
  if (customer && actual.customerListId !== customer) {
    problems.push(`the estimate is on customer ${actual.customerListId}, not ${customer}`);
  }
  const got = actual.lines.filter((l) => l.itemListId !== "");
  if (got.length !== write.lines.length) {
    problems.push(`QuickBooks has ${got.length} lines, the budget has ${write.lines.length}`);
  }
  const n = Math.min(got.length, write.lines.length);
  for (let i = 0; i < n; i++) {
    const g = got[i]!;
    const w = write.lines[i]!;
    const wantItem = "listId" in w.item ? w.item.listId : "";
    if (g.itemListId !== wantItem)
      problems.push(`line ${i + 1} item is ${g.itemFullName || g.itemListId}, expected ${wantItem}`);
    if (amountToCents(g.amount) !== amountToCents(w.amount)) {
      problems.push(`line ${i + 1} amount is ${g.amount}, expected ${w.amount}`);
    }
    if (w.className && (g.className ?? "").toLowerCase() !== w.className.toLowerCase()) {
      problems.push(`line ${i + 1} class is ${g.className ?? "(none)"}, expected ${w.className}`);
    }
  }
  return problems;
}

/** The fields Costbridge owns on an estimate as QuickBooks holds it (the lines that name an item, and the job). */
export function ownedFields(e: EstimateRet): WrittenEstimate {
  return {
    jobRef: e.customerListId,
    lines: e.lines
      .filter((l) => l.itemListId !== "")
      .map((l) => ({ itemRef: l.itemListId, description: l.description, amount: l.amount })),
  };
}

/**
 * Whether an estimate found in QuickBooks differs from what Costbridge last wrote on it in a field Costbridge owns
 * (job, lines: item, description, amount). A memo, address, date or any other edit is the bookkeeper's and not a
 * change to what we own.
 */
export function ownedFieldsChanged(written: WrittenEstimate, e: EstimateRet): boolean {
  const now = ownedFields(e);
  if (now.jobRef !== written.jobRef || now.lines.length !== written.lines.length) return true;
  return now.lines.some((l, i) => {
    const w = written.lines[i]!;
    return (
      l.itemRef !== w.itemRef ||
      l.description !== w.description ||
      amountToCents(l.amount) !== amountToCents(w.amount)
    );
  });
}

function estimateDone(ctx: PlanContext, e: EstimateRet): StepResult {
  return {
    kind: "done",
    context: {
      ...ctx,
      estimate: {
        txnId: e.txnId,
        editSequence: e.editSequence,
        refNumber: e.refNumber,
        written: ownedFields(e),
      },
    },
  };
}

function isOurs(req: PlanRequest, e: EstimateRet): boolean {
  return parseMarker(e.memo)?.submissionId === req.submissionId;
}

/** What to do with an estimate found in QuickBooks: nothing (already written), reject (edited there) or rewrite it. */
export function decideOnFound(req: PlanRequest, ctx: PlanContext, step: Step, e: EstimateRet): StepResult {
  const write = estimateWrite(req, ctx);
  const ours = isOurs(req, e);
  const refDone = !ownsRefNumber(req, e.refNumber) || e.refNumber === write.refNumber;
  if (ours && compareEstimate(e, write).length === 0 && refDone) return estimateDone(ctx, e);
  const baseline = req.previous && req.previous.estimateId === e.txnId ? req.previous : null;
  // Moved since our write, by someone else, in a field we own. Without a record of what we wrote (estimates written
  // before it was kept), any move counts.
  const movedByOthers =
    baseline !== null &&
    e.editSequence !== baseline.version &&
    !ours &&
    (baseline.written ? ownedFieldsChanged(baseline.written, e) : true);
  if (movedByOthers && !req.overwriteChangedInErp) {
    return rejected(
      "changed_in_quickbooks",
      `The estimate ${e.refNumber || e.txnId} was changed in QuickBooks Desktop after Costbridge last wrote it.`,
      REMEDY_CHANGED_IN_QUICKBOOKS,
    );
  }
  return next(
    "mod",
    {
      ...step.state,
      target: {
        txnId: e.txnId,
        editSequence: e.editSequence,
        lineIds: e.lines.map((l) => l.txnLineId),
        customerListId: e.customerListId,
        refNumber: e.refNumber,
        memo: e.memo,
      },
    },
    ctx,
  );
}

function verifyWritten(req: PlanRequest, ctx: PlanContext, r: QbxmlResponse): StepResult {
  const ret = r.rets[0];
  if (!ret)
    return rejected(
      "verification_failed",
      "QuickBooks Desktop answered the estimate without returning it.",
      "Retry the export.",
    );
  const e = readEstimateRet(ret);
  const problems = compareEstimate(e, estimateWrite(req, ctx));
  if (problems.length > 0) {
    return rejected(
      "verification_failed",
      `QuickBooks Desktop holds estimate ${e.refNumber || e.txnId} differently from the budget: ${problems.join("; ")}.`,
      "Open the estimate in QuickBooks: a price rule, sales tax or an edit made at the same moment can change its lines. Correct it there or retry the export to write the budget again.",
    );
  }
  return estimateDone(ctx, e);
}

function estimateAnswer(req: PlanRequest, ctx: PlanContext, step: Step, r: QbxmlResponse): StepResult {
  switch (step.phase) {
    case "query_previous": {
      const e = r.rets[0] ? readEstimateRet(r.rets[0]) : null;
      if (e) return decideOnFound(req, ctx, step, e);
      if (!req.overwriteChangedInErp) {
        return rejected(
          "changed_in_quickbooks",
          `The estimate ${req.previous?.docNumber ?? ""} that Costbridge last wrote was deleted in QuickBooks Desktop.`,
          "Retry the export to add a new estimate for this budget, or Reject the budget to hand it back.",
        );
      }
      return next("query_job", step.state, ctx);
    }
    case "query_txn": {
      const e = r.rets[0] ? readEstimateRet(r.rets[0]) : null;
      if (e) return decideOnFound(req, ctx, step, e);
      // Deleted between our look and our write: look for ours on the job again (or add it).
      return next("query_job", { ...step.state, target: undefined }, ctx);
    }
    case "query_job": {
      const ours = oldestOfOurs(r.rets.map(readEstimateRet), (e) => isOurs(req, e));
      if (ours) return decideOnFound(req, ctx, step, ours);
      return next("add", step.state, ctx);
    }
    case "add":
      return verifyWritten(req, ctx, r);
    case "mod": {
      return (
        requeryWhenStale(ctx, step, r, () => fromStatus(req, ctx, step, r)) ?? verifyWritten(req, ctx, r)
      );
    }
  }
  throw new Error(`unknown estimate phase ${step.phase}`);
}

/** Of the transactions found, the one Costbridge wrote first (lowest TxnNumber) among those that are ours. */
export function oldestOfOurs<T extends { txnNumber: number }>(
  found: T[],
  ours: (t: T) => boolean,
): T | undefined {
  return found
    .filter(ours)
    .sort((a, b) => a.txnNumber - b.txnNumber)
    .at(0);
}

/**
 * After a mod answered that the transaction changed (3200) or is gone (3120): query it again, at most
 * MAX_REQUERIES times, then the answer of `giveUp`. Null for any other answer.
 */
export function requeryWhenStale(
  ctx: PlanContext,
  step: Step,
  r: QbxmlResponse,
  giveUp: () => StepResult,
): StepResult | null {
  if (r.statusCode !== "3200" && r.statusCode !== "3120") return null;
  const requeries = (step.state.requeries ?? 0) + 1;
  if (requeries > MAX_REQUERIES) return giveUp();
  return next("query_txn", { ...step.state, requeries }, ctx);
}

/** The export outcome of a plan whose steps are all done. */
export function doneOutcome(req: PlanRequest, ctx: PlanContext): ExportOutcome {
  if (!ctx.job || !ctx.estimate) throw new Error("the plan is not finished");
  const itemRefs: Record<string, string> = {};
  const createdItems: string[] = [];
  for (const [code, item] of Object.entries(ctx.items ?? {})) {
    itemRefs[code] = item.listId;
    if (item.created) createdItems.push(item.fullName);
  }
  return {
    kind: "done",
    erpRef: {
      estimateId: ctx.estimate.txnId,
      version: ctx.estimate.editSequence,
      jobRef: ctx.job.listId,
      docNumber: ctx.estimate.refNumber || refNumberFor(req.project.number),
      written: ctx.estimate.written ?? null,
    },
    createdJob: ctx.job.created,
    createdItems,
    itemRefs,
  };
}
