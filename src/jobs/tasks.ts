import type { AppContext } from "../app/context.js";
import { registeredConnectors } from "../app/erp/registry.js";
import type { Connectors } from "../app/export/run-export.js";
import type { Mailer } from "../mail/mailer.js";
import { JOB_NAMES, JOBS, type JobName } from "./catalog.js";
import type { HandlerFactory, JobDeps } from "./handlers/deps.js";
import { HANDLERS } from "./handlers/index.js";
import { defineTask, type TaskDefinition } from "./worker.js";

export interface TaskDeps {
  /** The ERP connectors exports go through; the real ones for the context by default. */
  connectors?: Connectors;
  /** Without a mailer the email jobs are not taken by this worker. */
  mailer?: Mailer;
}

function jobDeps(ctx: AppContext, deps: TaskDeps): JobDeps {
  const connectors: Connectors = deps.connectors ?? registeredConnectors(ctx);
  return { ctx, connectors, ...(deps.mailer ? { mailer: deps.mailer } : {}) };
}

function build(name: JobName, deps: JobDeps): TaskDefinition | null {
  const handler = (HANDLERS[name] as HandlerFactory<JobName>)(deps);
  return handler ? defineTask({ name, payload: JOBS[name].payload, handler }) : null;
}

/** One catalog job as the worker runs it, or null when this process lacks what the job needs. */
export function taskFor(ctx: AppContext, name: JobName, deps: TaskDeps = {}): TaskDefinition | null {
  return build(name, jobDeps(ctx, deps));
}

/** Every catalog job this process can run: the worker's task list, registered in this one place. */
export function allTasks(ctx: AppContext, deps: TaskDeps = {}): TaskDefinition[] {
  const resolved = jobDeps(ctx, deps);
  return JOB_NAMES.map((name) => build(name, resolved)).filter((t): t is TaskDefinition => t !== null);
}
