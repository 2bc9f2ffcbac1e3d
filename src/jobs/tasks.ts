import type { AppContext } from "../app/context.js";
import type { TaskDefinition } from "./worker.js";

/** Every job the worker knows, by name. Handlers get the shared context. */
export function allTasks(_ctx: AppContext): TaskDefinition[] {
  return [];
}

/** The crontab: periodic jobs, each firing once per slot across all worker processes. */
export const CRONTAB = "# none";
