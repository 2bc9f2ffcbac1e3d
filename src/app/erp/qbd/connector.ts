import type {
  ErpConnector,
  EstimateExportRequest,
  ExportOutcome,
  PurchaseOrderExportRequest,
  PurchaseOrderOutcome,
  UnfinishedOutcome,
} from "../../../erp/connector.js";
import { isPurchaseOrderPlan, type QbdPlanRequest } from "../../../erp/quickbooks-desktop/document-plans.js";
import { toPlanRequest } from "../../../erp/quickbooks-desktop/plan.js";
import { toPurchaseOrderPlanRequest } from "../../../erp/quickbooks-desktop/purchase-order-plan.js";
import type { AppContext } from "../../context.js";
import { QUICKBOOKS_DESKTOP_KIND } from "./definition.js";
import { countPendingSteps, enqueuePlan, readPlan } from "./queue.js";

/**
 * The export job asks again this long after "waiting" at the latest; normally it is woken as soon as the Web
 * Connector finishes the plan (the queue enqueues the export job in the same transaction).
 */
export const QBD_CHECK_AFTER_MS = 30_000;

/**
 * QuickBooks Desktop for the export job: the first call for an export attempt queues its plan for the Web
 * Connector and answers "waiting"; later calls answer "waiting" until the Web Connector finished the plan, then
 * the plan's outcome. Calling it again for the same attempt never queues anything twice. Budgets become estimates,
 * commitments purchase orders (docs/product.md §qbd-purchase-orders).
 */
export function createQbdConnector(ctx: AppContext): ErpConnector {
  /** The outcome of the attempt's plan (queued on the first call), or "waiting" while the Web Connector works. */
  async function run(companyId: string, plan: QbdPlanRequest): Promise<ExportOutcome | PurchaseOrderOutcome> {
    const key = { companyId, submissionId: plan.submissionId, attempt: plan.attempt };
    let row = await readPlan(ctx.db, key);
    if (!row) {
      const queued = await ctx.db.transaction().execute((tx) => enqueuePlan(tx, companyId, plan, ctx.now()));
      if (queued.kind === "rejected") {
        return { kind: "rejected", code: queued.code, message: queued.message, remedy: queued.remedy };
      }
      row = await readPlan(ctx.db, key);
    }
    if (row && isPurchaseOrderPlan(row.request) !== isPurchaseOrderPlan(plan)) {
      return {
        kind: "rejected",
        code: "internal_error",
        message: "This export attempt was queued for another kind of document.",
        remedy: "Retry the export; if it fails the same way, contact support.",
      };
    }
    if (row && (row.status === "done" || row.status === "rejected") && row.outcome) return row.outcome;
    return waiting(companyId);
  }

  async function waiting(companyId: string): Promise<UnfinishedOutcome> {
    const pending = await countPendingSteps(ctx.db, companyId);
    return {
      kind: "waiting",
      message: `Waiting for the QuickBooks Web Connector to run (${pending} request${pending === 1 ? "" : "s"} queued).`,
      checkAfterMs: QBD_CHECK_AFTER_MS,
    };
  }

  return {
    kind: QUICKBOOKS_DESKTOP_KIND,
    async exportEstimate(req: EstimateExportRequest): Promise<ExportOutcome> {
      return (await run(req.companyId, toPlanRequest(req))) as ExportOutcome;
    },
    async exportPurchaseOrder(req: PurchaseOrderExportRequest): Promise<PurchaseOrderOutcome> {
      return (await run(req.companyId, toPurchaseOrderPlanRequest(req))) as PurchaseOrderOutcome;
    },
  };
}
