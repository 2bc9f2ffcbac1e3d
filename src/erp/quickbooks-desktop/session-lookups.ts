/**
 * What one Web Connector session already learned from QuickBooks, and when a step may be answered from it instead
 * of asking again, as pure functions (the app layer keeps the answers in PostgreSQL, per session ticket).
 *
 * Remembered: the customers and jobs, service items, vendors and income account QuickBooks returned (to a query or
 * to our own add) and the estimates it returned to our own writes or to a query by TxnID. A remembered answer stands in
 * for a look-up only where acting on a stale one cannot write anything twice:
 *   - a parent customer, job, item or vendor look-up, when the remembered element is usable as it stands (active, the
 *     right kind and level); the write that uses it names it by ListID, and QuickBooks refuses a ListID that is
 *     gone or inactive (3140), after which the plan asks again;
 *   - the income account for a new item, likewise;
 *   - the estimate a re-send rewrites (query by TxnID), only to go on to the EstimateMod, which carries the
 *     remembered EditSequence: QuickBooks refuses it (3200) if anyone changed the estimate since.
 * Never: the look-up for the estimate before an EstimateAdd (query before add, by the memo marker), a step whose
 * request was handed out without an answer, or anything after a remembered reference turned out stale.
 */
import { isDocumentStep, isPurchaseOrderPlan, planStepsOf, type QbdPlanRequest } from "./document-plans.js";
import {
  accountFound,
  decideOnFound,
  itemFound,
  itemName,
  itemStepCode,
  jobFound,
  jobName,
  type PlanContext,
  parentFound,
  parentName,
  type Step,
  type StepResult,
} from "./plan.js";
import { vendorFound, vendorName } from "./purchase-order-plan.js";
import {
  type EstimateRet,
  isNotFound,
  isOk,
  type ListRet,
  type QbxmlResponse,
  readEstimateRet,
  readListRet,
} from "./qbxml.js";

export type LookupList = "customer" | "item" | "income_account" | "estimate" | "vendor";

/** The lists whose elements are remembered by ListID and by full name. */
export type NamedList = "customer" | "item" | "vendor";

/** What a step's next request would ask QuickBooks. */
export type Lookup =
  | { list: NamedList; listId: string }
  | { list: NamedList; fullName: string }
  | { list: "income_account" }
  | { list: "estimate"; txnId: string };

/** One answer QuickBooks gave in this session. */
export type Remembered =
  | { list: NamedList | "income_account"; ret: ListRet }
  | { list: "estimate"; ret: EstimateRet };

/** An answer no longer to be trusted: one element (by id or name), or a whole list (the income accounts). */
export type Forget =
  | { list: LookupList; id: string }
  | { list: NamedList; fullName: string }
  | { list: "income_account" };

export interface Learned {
  remember: Remembered[];
  forget: Forget[];
}

/** The key names are remembered under: QuickBooks compares names without regard to case. */
export function nameKey(fullName: string): string {
  return fullName.toLowerCase();
}

/** The look-up a step's next request makes, when the session may answer it; null when QuickBooks must be asked. */
export function stepLookup(req: QbdPlanRequest, ctx: PlanContext, step: Step): Lookup | null {
  if (ctx.sessionLookupsOff) return null;
  if (step.step === "parent" && step.phase === "query") {
    return req.project.parentCustomerRef
      ? { list: "customer", listId: req.project.parentCustomerRef }
      : { list: "customer", fullName: parentName(req) };
  }
  if (step.step === "job") {
    if (step.phase === "query_ref") return { list: "customer", listId: req.project.existingJobRef ?? "" };
    if (step.phase === "query" && ctx.parent) {
      return { list: "customer", fullName: `${ctx.parent.fullName}:${jobName(req)}` };
    }
    return null;
  }
  if (step.step.startsWith("item:")) {
    const code = itemStepCode(step.step);
    if (step.phase === "query_ref") {
      const ref = req.lines.find((l) => l.costCode === code && l.itemRef)?.itemRef;
      return ref ? { list: "item", listId: ref } : null;
    }
    if (step.phase === "query") return { list: "item", fullName: itemName(code) };
    if (step.phase === "account") return { list: "income_account" };
    return null;
  }
  if (step.step === "vendor" && isPurchaseOrderPlan(req)) {
    if (step.phase === "query_ref") return { list: "vendor", listId: req.vendor.existingVendorRef ?? "" };
    if (step.phase === "query") return { list: "vendor", fullName: vendorName(req) };
    return null;
  }
  if (
    step.step === "estimate" &&
    step.phase === "query_previous" &&
    !isPurchaseOrderPlan(req) &&
    req.previous
  ) {
    return { list: "estimate", txnId: req.previous.estimateId };
  }
  return null;
}

/**
 * The step's result from a remembered answer, as if QuickBooks had just given it; null when the remembered answer
 * would not let the plan go on without QuickBooks (it would refuse the element, or call the estimate written).
 * A refusal is then made on QuickBooks' own answer, never on a remembered one.
 */
export function answerFromSession(
  req: QbdPlanRequest,
  ctx: PlanContext,
  step: Step,
  known: Remembered,
): StepResult | null {
  const state = { ...step.state, remembered: true };
  const s = { ...step, state };
  let result: StepResult;
  if (known.list === "estimate") {
    if (isPurchaseOrderPlan(req)) return null;
    result = decideOnFound(req, ctx, s, known.ret);
    return result.kind === "next" && result.phase === "mod" ? result : null;
  }
  if (known.list === "income_account") {
    result = accountFound(ctx, s, [known.ret]);
    return result.kind === "next" ? result : null;
  }
  if (step.step === "vendor") result = vendorFound(ctx, s, known.ret);
  else if (step.step === "parent") result = parentFound(ctx, known.ret);
  else if (step.step === "job") result = jobFound(req, ctx, s, known.ret);
  else if (step.step.startsWith("item:")) result = itemFound(ctx, s, known.ret);
  else return null;
  return result.kind === "done" ? result : null;
}

function listOf(step: string): NamedList | null {
  if (step === "parent" || step === "job") return "customer";
  if (step.startsWith("item:")) return "item";
  if (step === "vendor") return "vendor";
  return null;
}

/** What QuickBooks' answer to a step teaches the session: elements to remember, answers no longer to trust. */
export function learnedFrom(
  req: QbdPlanRequest,
  ctx: PlanContext,
  step: Step,
  r: QbxmlResponse,
  result: StepResult,
): Learned {
  const learned: Learned = { remember: [], forget: [] };
  if (!isOk(r) && !isNotFound(r)) return learned;
  if (step.step === "estimate") {
    if (step.phase === "query_job") return learned;
    const rets = r.rets.map(readEstimateRet);
    for (const ret of rets) learned.remember.push({ list: "estimate", ret });
    if (rets.length === 0 && (step.phase === "query_previous" || step.phase === "query_txn")) {
      const previous = isPurchaseOrderPlan(req) ? undefined : req.previous?.estimateId;
      const txnId = step.phase === "query_previous" ? previous : step.state.target?.txnId;
      if (txnId) learned.forget.push({ list: "estimate", id: txnId });
    }
    return learned;
  }
  if (step.phase === "account") {
    const account = r.rets.map(readListRet).find((a) => a.isActive);
    if (account && result.kind === "next") learned.remember.push({ list: "income_account", ret: account });
    else learned.forget.push({ list: "income_account" });
    return learned;
  }
  const list = listOf(step.step);
  if (!list) return learned;
  const ret = r.rets[0] ? readListRet(r.rets[0]) : null;
  if (ret) {
    // Remembered only as a usable answer: anything QuickBooks refuses is asked again by the next submission.
    if (result.kind === "done") learned.remember.push({ list, ret });
    else learned.forget.push({ list, id: ret.listId });
    return learned;
  }
  const lookup = stepLookup(req, { ...ctx, sessionLookupsOff: false }, step);
  if (lookup && "listId" in lookup) learned.forget.push({ list, id: lookup.listId });
  else if (lookup && "fullName" in lookup) learned.forget.push({ list, fullName: lookup.fullName });
  return learned;
}

/** QuickBooks' statusCodes for a reference it does not know (any more) or will not take (inactive). */
const STALE_REFERENCE = new Set(["3120", "3140"]);

/**
 * Whether QuickBooks' answer means a remembered reference of the plan is stale: a missing or inactive reference
 * (3140), or an object not found (3120), in a plan that used the session's answers. An EstimateMod refused with 3120
 * for an estimate the plan found by asking keeps its own rule (the estimate is looked up again).
 */
export function isStaleLookup(ctx: PlanContext, steps: Step[], current: Step, r: QbxmlResponse): boolean {
  if (ctx.sessionLookupsOff || !STALE_REFERENCE.has(r.statusCode)) return false;
  if (isDocumentStep(current.step) && r.statusCode === "3120" && !current.state.remembered) return false;
  return current.state.remembered === true || steps.some((s) => s.state.remembered);
}

export interface StaleLookupReset {
  /** Steps to ask again, by position in the plan, with the phase they start over from. */
  reset: { seq: number; phase: string }[];
  context: PlanContext;
  forget: Forget[];
}

/**
 * After a stale remembered reference: the steps answered from the session (and the failed step, and the estimate)
 * start over by asking QuickBooks, what they learned is dropped from the plan and from the session, and the plan
 * asks QuickBooks for everything from now on. Steps that asked QuickBooks themselves keep their answers.
 */
export function resetAfterStaleLookup(
  req: QbdPlanRequest,
  ctx: PlanContext,
  steps: (Step & { seq: number })[],
  current: Step & { seq: number },
): StaleLookupReset {
  const initial = planStepsOf(req);
  const forget: Forget[] = [{ list: "income_account" }];
  const context: PlanContext = { ...ctx, sessionLookupsOff: true, items: { ...(ctx.items ?? {}) } };
  delete context.incomeAccount;
  delete context.estimate;
  delete context.purchaseOrder;
  const reset: { seq: number; phase: string }[] = [];
  for (const s of steps) {
    const isCurrent = s.seq === current.seq;
    if (!isCurrent && !s.state.remembered && !isDocumentStep(s.step)) continue;
    reset.push({ seq: s.seq, phase: initial[s.seq - 1]?.phase ?? s.phase });
    if (!isCurrent && !s.state.remembered) continue;
    if (s.step === "parent" && ctx.parent) {
      forget.push({ list: "customer", id: ctx.parent.listId });
      delete context.parent;
    } else if (s.step === "job" && ctx.job) {
      forget.push({ list: "customer", id: ctx.job.listId });
      delete context.job;
    } else if (s.step === "vendor" && ctx.vendor) {
      forget.push({ list: "vendor", id: ctx.vendor.listId });
      delete context.vendor;
    } else if (s.step.startsWith("item:")) {
      const code = itemStepCode(s.step);
      const item = ctx.items?.[code];
      if (item) forget.push({ list: "item", id: item.listId });
      delete context.items?.[code];
    } else if (s.step === "estimate") {
      const previous = isPurchaseOrderPlan(req) ? undefined : req.previous?.estimateId;
      const txnId = (isCurrent ? current.state : s.state).target?.txnId ?? previous;
      if (txnId) forget.push({ list: "estimate", id: txnId });
    }
  }
  return { reset, context, forget };
}
