/**
 * The Web Connector queue holds plans for two kinds of document: a budget's estimate and a commitment's purchase
 * order. They share the parent customer, job and item steps; these functions hand each plan to its own rules.
 */
import type { ExportOutcome, PurchaseOrderOutcome } from "../connector.js";
import {
  applyResponse,
  buildStepRequest,
  checkPlan,
  doneOutcome,
  type PlanContext,
  type PlanRequest,
  planSteps,
  type Rejection,
  type Step,
  type StepResult,
} from "./plan.js";
import {
  applyPurchaseOrderResponse,
  buildPurchaseOrderStepRequest,
  checkPurchaseOrderPlan,
  type PurchaseOrderPlanRequest,
  planPurchaseOrderSteps,
  purchaseOrderDoneOutcome,
} from "./purchase-order-plan.js";
import type { QbxmlResponse } from "./qbxml.js";

/** What a queued plan writes: an estimate (plans queued before purchase orders carry no `document`). */
export type QbdPlanRequest = PlanRequest | PurchaseOrderPlanRequest;

export function isPurchaseOrderPlan(req: QbdPlanRequest): req is PurchaseOrderPlanRequest {
  return req.document === "purchase_order";
}

export function checkAnyPlan(req: QbdPlanRequest): Rejection | null {
  return isPurchaseOrderPlan(req) ? checkPurchaseOrderPlan(req) : checkPlan(req);
}

export function planStepsOf(req: QbdPlanRequest): { step: string; phase: string }[] {
  return isPurchaseOrderPlan(req) ? planPurchaseOrderSteps(req) : planSteps(req);
}

export function buildPlanStepRequest(
  req: QbdPlanRequest,
  ctx: PlanContext,
  step: Step,
  requestId: string,
): string {
  return isPurchaseOrderPlan(req)
    ? buildPurchaseOrderStepRequest(req, ctx, step, requestId)
    : buildStepRequest(req, ctx, step, requestId);
}

export function applyPlanResponse(
  req: QbdPlanRequest,
  ctx: PlanContext,
  step: Step,
  r: QbxmlResponse,
): StepResult {
  return isPurchaseOrderPlan(req)
    ? applyPurchaseOrderResponse(req, ctx, step, r)
    : applyResponse(req, ctx, step, r);
}

export function planDoneOutcome(req: QbdPlanRequest, ctx: PlanContext): ExportOutcome | PurchaseOrderOutcome {
  return isPurchaseOrderPlan(req) ? purchaseOrderDoneOutcome(req, ctx) : doneOutcome(req, ctx);
}

/** The step that writes the plan's document (the last one): always looked up again, never answered from memory. */
export function isDocumentStep(step: string): boolean {
  return step === "estimate" || step === "purchase_order";
}
