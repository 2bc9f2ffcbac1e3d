import { z } from "zod";
import type { AppContext } from "../app/context.js";
import { DAILY_SUMMARY_CRONTAB } from "../app/email/tasks.js";
import { createQbdConnector } from "../app/erp/qbd/index.js";
import {
  processWebhookDelivery,
  QBO_CHANGE_CAPTURE_CRONTAB,
  QBO_CHANGE_CAPTURE_TASK,
  QBO_WEBHOOK_TASK,
  runChangeCapture,
} from "../app/erp/qbo-changes.js";
import { qboServiceFor } from "../app/erp/qbo-service.js";
import { type Connectors, runExport } from "../app/export/run-export.js";
import { EXPORT_TASK } from "../app/submissions/decide.js";
import { defineTask, type TaskDefinition } from "./worker.js";

export interface TaskDeps {
  connectors?: Connectors;
  extra?: TaskDefinition[];
}

/** Every job the worker knows, by name. */
export function allTasks(ctx: AppContext, deps: TaskDeps = {}): TaskDefinition[] {
  const connectors: Connectors = deps.connectors ?? {
    quickbooks_online: qboServiceFor(ctx).connector,
    quickbooks_desktop: createQbdConnector(ctx),
  };
  return [
    defineTask({
      name: EXPORT_TASK,
      payload: z.object({
        companyId: z.string(),
        submissionId: z.string(),
        attempt: z.number().int().min(1),
      }),
      handler: async (p) => runExport(ctx, connectors, p),
    }),
    defineTask({
      name: QBO_WEBHOOK_TASK,
      payload: z.object({ deliveryId: z.string().regex(/^\d{1,18}$/) }),
      handler: async (p) => processWebhookDelivery(ctx, p.deliveryId),
    }),
    defineTask({
      name: QBO_CHANGE_CAPTURE_TASK,
      payload: z.unknown(),
      handler: async () => {
        await runChangeCapture(ctx);
      },
    }),
    ...(deps.extra ?? []),
  ] as TaskDefinition[];
}

/** The crontab: periodic jobs, each firing once per slot across all worker processes. */
export const CRONTAB = `${DAILY_SUMMARY_CRONTAB}\n${QBO_CHANGE_CAPTURE_CRONTAB}`;
