import { z } from "zod";
import type { AppContext } from "../app/context.js";
import { DAILY_SUMMARY_CRONTAB } from "../app/email/tasks.js";
import { createQbdConnector } from "../app/erp/qbd/index.js";
import { qboServiceFor } from "../app/erp/qbo-service.js";
import { EXPORT_TASK } from "../app/export/export-job.js";
import { type Connectors, runExport } from "../app/export/run-export.js";
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
    ...(deps.extra ?? []),
  ] as TaskDefinition[];
}

/** The crontab: periodic jobs, each firing once per slot across all worker processes. */
export const CRONTAB = DAILY_SUMMARY_CRONTAB;
