import type { JobHelpers } from "graphile-worker";
import { sql } from "kysely";
import { type ParsedMail, simpleParser } from "mailparser";
import { SMTPServer } from "smtp-server";
import type { AppContext } from "../../src/app/context.js";
import type { JobName } from "../../src/jobs/catalog.js";
import { newId } from "../../src/lib/ids.js";

export interface SunkEmail {
  envelopeTo: string[];
  parsed: ParsedMail;
}

export type RecipientVerdict = "accept" | "permanent" | "transient";

export interface SmtpSink {
  url: string;
  messages: SunkEmail[];
  /** Decides per recipient address what the server answers to RCPT TO; default accepts everyone. */
  judge: (address: string) => RecipientVerdict;
  close(): Promise<void>;
}

/** A real SMTP server on loopback that keeps every accepted message, parsed. */
export async function startSmtpSink(): Promise<SmtpSink> {
  const sink: SmtpSink = {
    url: "",
    messages: [],
    judge: () => "accept",
    close: async () => {},
  };
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ["AUTH", "STARTTLS"],
    logger: false,
    closeTimeout: 200,
    onRcptTo(address, _session, callback) {
      const verdict = sink.judge(address.address);
      if (verdict === "permanent") {
        return callback(Object.assign(new Error("5.1.1 no such mailbox"), { responseCode: 550 }));
      }
      if (verdict === "transient") {
        return callback(Object.assign(new Error("4.2.1 try again later"), { responseCode: 451 }));
      }
      callback();
    },
    onData(stream, session, callback) {
      simpleParser(stream)
        .then((parsed) => {
          sink.messages.push({ envelopeTo: session.envelope.rcptTo.map((r) => r.address), parsed });
          callback();
        })
        .catch((e: Error) => callback(e));
    },
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  const address = server.server.address();
  if (!address || typeof address === "string") throw new Error("sink is not on a TCP port");
  sink.url = `smtp://127.0.0.1:${address.port}`;
  sink.close = () => new Promise<void>((resolve) => server.close(() => resolve()));
  return sink;
}

/** Just enough of graphile-worker's helpers for a handler called directly. */
export function jobHelpers(attempts = 1, maxAttempts = 12): JobHelpers {
  return { job: { attempts, max_attempts: maxAttempts } } as unknown as JobHelpers;
}

export interface SubmissionSpec {
  status?: string;
  submittedBy: string;
  projectNumber?: string;
  projectName?: string;
  lineCount?: number;
  revisedMinor?: bigint;
  deltaMinor?: bigint;
  submittedAt?: Date;
}

/** A project, its budget and one submission of it, written straight to the tables. */
export async function insertSubmission(ctx: AppContext, companyId: string, spec: SubmissionSpec) {
  const projectId = newId("prj");
  const budgetId = newId("bud");
  const submissionId = newId("sub");
  const number = spec.projectNumber ?? `P-${projectId.slice(-5)}`;
  await ctx.db
    .insertInto("projects")
    .values({ company_id: companyId, id: projectId, number, name: spec.projectName ?? `Project ${number}` })
    .execute();
  await ctx.db
    .insertInto("budgets")
    .values({ company_id: companyId, id: budgetId, project_id: projectId, locked: true })
    .execute();
  const revised = spec.revisedMinor ?? 1_250_000n;
  const delta = spec.deltaMinor ?? 250_000n;
  await ctx.db
    .insertInto("submissions")
    .values({
      company_id: companyId,
      id: submissionId,
      budget_id: budgetId,
      project_id: projectId,
      status: spec.status ?? "ready_to_export",
      submitted_by: spec.submittedBy,
      submitted_at: spec.submittedAt ?? new Date("2026-03-09T15:00:00Z"),
      line_count: spec.lineCount ?? 3,
      total_original_minor: revised - delta,
      total_changes_minor: delta,
      total_revised_minor: revised,
      total_delta_minor: delta,
    })
    .execute();
  return { projectId, budgetId, submissionId, number };
}

/** Many directory members at once, without tokens (for volume tests). */
export async function insertApprovers(
  ctx: AppContext,
  companyId: string,
  count: number,
): Promise<{ id: string; email: string }[]> {
  const users = Array.from({ length: count }, (_, i) => {
    const id = newId("usr");
    return { id, email: `approver-${i}-${id.slice(-6).toLowerCase()}@example.test`, name: `Approver ${i}` };
  });
  for (let i = 0; i < users.length; i += 500) {
    const chunk = users.slice(i, i + 500);
    await ctx.db.insertInto("users").values(chunk).execute();
    await ctx.db
      .insertInto("directory_entries")
      .values(
        chunk.map((u) => ({
          company_id: companyId,
          user_id: u.id,
          erp_integrations: "standard",
          can_push_to_accounting: true,
        })),
      )
      .execute();
  }
  return users;
}

export interface QueuedJob {
  task: string;
  key: string | null;
  payload: Record<string, unknown>;
  attempts: number;
  maxAttempts: number;
}

/** Jobs waiting in graphile-worker's queue (its private tables: 0.17's public view omits the payload). */
export async function queuedJobs(ctx: AppContext, task: JobName): Promise<QueuedJob[]> {
  const result = await sql<{
    task: string;
    key: string | null;
    payload: Record<string, unknown>;
    attempts: number;
    max_attempts: number;
  }>`select t.identifier as task, j.key, j.payload, j.attempts, j.max_attempts
       from graphile_worker._private_jobs j join graphile_worker._private_tasks t on t.id = j.task_id
      where t.identifier = ${task} order by j.id`.execute(ctx.db);
  return result.rows.map((r) => ({
    task: r.task,
    key: r.key,
    payload: r.payload,
    attempts: r.attempts,
    maxAttempts: r.max_attempts,
  }));
}
