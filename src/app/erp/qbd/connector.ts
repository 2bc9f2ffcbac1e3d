import type { ErpConnector, EstimateExportRequest, ExportOutcome } from "../../../erp/connector.js";
import { toPlanRequest } from "../../../erp/quickbooks-desktop/plan.js";
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
 * the plan's outcome. Calling it again for the same attempt never queues anything twice.
 */
export function createQbdConnector(ctx: AppContext): ErpConnector {
  return {
    kind: QUICKBOOKS_DESKTOP_KIND,
    async exportEstimate(req: EstimateExportRequest): Promise<ExportOutcome> {
      const key = { companyId: req.companyId, submissionId: req.submissionId, attempt: req.attempt };
      let plan = await readPlan(ctx.db, key);
      if (!plan) {
        const queued = await ctx.db
          .transaction()
          .execute((tx) => enqueuePlan(tx, req.companyId, toPlanRequest(req), ctx.now()));
        if (queued.kind === "rejected") {
          return { kind: "rejected", code: queued.code, message: queued.message, remedy: queued.remedy };
        }
        plan = await readPlan(ctx.db, key);
      }
      if (plan && (plan.status === "done" || plan.status === "rejected") && plan.outcome) return plan.outcome;
      const pending = await countPendingSteps(ctx.db, req.companyId);
      return {
        kind: "waiting",
        message: `Waiting for the QuickBooks Web Connector to run (${pending} request${pending === 1 ? "" : "s"} queued).`,
        checkAfterMs: QBD_CHECK_AFTER_MS,
      };
    },
  };
}
