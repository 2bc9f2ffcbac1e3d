import { z } from "zod";
import type { AppContext } from "../app/context.js";
import { DAILY_SUMMARY_CRONTAB } from "../app/email/tasks.js";
import { registeredConnectors } from "../app/erp/registry.js";
import { type Connectors, runExport } from "../app/export/run-export.js";
import { EXPORT_TASK } from "../app/submissions/decide.js";
import { defineTask, type TaskDefinition } from "./worker.js";

export interface TaskDeps {
  connectors?: Connectors;
  extra?: TaskDefinition[];
}

/** Every job the worker knows, by name. */
export function allTasks(ctx: AppContext, deps: TaskDeps = {}): TaskDefinition[] {
  const connectors: Connectors = deps.connectors ?? registeredConnectors(ctx);
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
