import type { JobHelpers } from "graphile-worker";
import type { AppContext } from "../../app/context.js";
import type { Connectors } from "../../app/export/run-export.js";
import type { Mailer } from "../../mail/mailer.js";
import type { JobName, JobPayload } from "../catalog.js";

/** What a worker process hands its job handlers. */
export interface JobDeps {
  ctx: AppContext;
  connectors: Connectors;
  /** Absent in a process that sends no mail: the email jobs are then left in the queue for a worker that does. */
  mailer?: Mailer;
}

export type JobHandler<N extends JobName> = (payload: JobPayload<N>, helpers: JobHelpers) => Promise<void>;

/** Builds a job's handler for one worker process, or null when that process lacks what the job needs. */
export type HandlerFactory<N extends JobName> = (deps: JobDeps) => JobHandler<N> | null;
