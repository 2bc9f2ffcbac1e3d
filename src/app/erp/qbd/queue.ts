/**
 * The per-company Web Connector queue in PostgreSQL: one plan per export attempt, its steps in order. Plans are
 * served oldest first and a plan's steps strictly in sequence, so a job and its items always precede the estimate
 * (or the vendor and the purchase order).
 */
import { sql } from "kysely";
import type { Executor, Tx } from "../../../db/database.js";
import type { ExportOutcome, PurchaseOrderOutcome } from "../../../erp/connector.js";
import {
  checkAnyPlan,
  planStepsOf,
  type QbdPlanRequest,
} from "../../../erp/quickbooks-desktop/document-plans.js";
import type { PlanContext, StepState } from "../../../erp/quickbooks-desktop/plan.js";

export interface PlanRow {
  companyId: string;
  submissionId: string;
  attempt: number;
  status: "queued" | "done" | "rejected" | "superseded";
  request: QbdPlanRequest;
  context: PlanContext;
  outcome: ExportOutcome | PurchaseOrderOutcome | null;
  createdAt: Date;
  finishedAt: Date | null;
}

export interface StepRow {
  companyId: string;
  submissionId: string;
  attempt: number;
  seq: number;
  step: string;
  phase: string;
  status: "queued" | "sent" | "done" | "rejected" | "cancelled";
  state: StepState;
  handedOut: number;
  requestId: string | null;
}

type PlanKey = { companyId: string; submissionId: string; attempt: number };

export function toJson(value: unknown): string {
  return JSON.stringify(value, (_k, v) => (typeof v === "bigint" ? v.toString() : v));
}

function planFrom(r: {
  company_id: string;
  submission_id: string;
  attempt: number;
  status: string;
  request: unknown;
  context: unknown;
  outcome: unknown;
  created_at: Date;
  finished_at: Date | null;
}): PlanRow {
  return {
    companyId: r.company_id,
    submissionId: r.submission_id,
    attempt: r.attempt,
    status: r.status as PlanRow["status"],
    request: r.request as QbdPlanRequest,
    context: (r.context ?? {}) as PlanContext,
    outcome: (r.outcome ?? null) as ExportOutcome | PurchaseOrderOutcome | null,
    createdAt: r.created_at,
    finishedAt: r.finished_at,
  };
}

function stepFrom(r: {
  company_id: string;
  submission_id: string;
  attempt: number;
  seq: number;
  step: string;
  phase: string;
  status: string;
  state: unknown;
  handed_out: number;
  request_id: string | null;
}): StepRow {
  return {
    companyId: r.company_id,
    submissionId: r.submission_id,
    attempt: r.attempt,
    seq: r.seq,
    step: r.step,
    phase: r.phase,
    status: r.status as StepRow["status"],
    state: (r.state ?? {}) as StepState,
    handedOut: r.handed_out,
    requestId: r.request_id,
  };
}

export async function readPlan(db: Executor, key: PlanKey, opts: { forUpdate?: boolean } = {}) {
  let q = db
    .selectFrom("qbwc_plans")
    .selectAll()
    .where("company_id", "=", key.companyId)
    .where("submission_id", "=", key.submissionId)
    .where("attempt", "=", key.attempt);
  if (opts.forUpdate) q = q.forUpdate();
  const r = await q.executeTakeFirst();
  return r ? planFrom(r) : null;
}

export type EnqueueResult =
  | { kind: "queued" | "exists" }
  | { kind: "rejected"; code: string; message: string; remedy: string };

/**
 * Queues the plan for one export attempt, once: a second call for the same (submission, attempt) changes nothing.
 * Older attempts of the submission still waiting are superseded (their leftovers are found again by querying).
 */
export async function enqueuePlan(
  tx: Tx,
  companyId: string,
  req: QbdPlanRequest,
  now: Date,
): Promise<EnqueueResult> {
  const rejection = checkAnyPlan(req);
  if (rejection) return { kind: "rejected", ...rejection };
  const inserted = await tx
    .insertInto("qbwc_plans")
    .values({
      company_id: companyId,
      submission_id: req.submissionId,
      attempt: req.attempt,
      status: "queued",
      request: toJson(req),
      context: "{}",
      created_at: now,
      updated_at: now,
    })
    .onConflict((oc) => oc.columns(["company_id", "submission_id", "attempt"]).doNothing())
    .returning("attempt")
    .executeTakeFirst();
  if (!inserted) return { kind: "exists" };
  const older = await tx
    .updateTable("qbwc_plans")
    .set({ status: "superseded", finished_at: now, updated_at: now })
    .where("company_id", "=", companyId)
    .where("submission_id", "=", req.submissionId)
    .where("attempt", "<", req.attempt)
    .where("status", "=", "queued")
    .returning("attempt")
    .execute();
  if (older.length > 0) {
    await tx
      .updateTable("qbwc_requests")
      .set({ status: "cancelled", updated_at: now })
      .where("company_id", "=", companyId)
      .where("submission_id", "=", req.submissionId)
      .where(
        "attempt",
        "in",
        older.map((o) => o.attempt),
      )
      .where("status", "in", ["queued", "sent"])
      .execute();
  }
  const steps = planStepsOf(req);
  await tx
    .insertInto("qbwc_requests")
    .values(
      steps.map((s, i) => ({
        company_id: companyId,
        submission_id: req.submissionId,
        attempt: req.attempt,
        seq: i + 1,
        step: s.step,
        phase: s.phase,
        status: "queued",
        state: "{}",
        created_at: now,
        updated_at: now,
      })),
    )
    .execute();
  return { kind: "queued" };
}

/** Steps waiting for the Web Connector (queued or handed out without an answer) in a company's open plans. */
export async function countPendingSteps(db: Executor, companyId: string): Promise<number> {
  const r = await db
    .selectFrom("qbwc_requests as r")
    .innerJoin("qbwc_plans as p", (j) =>
      j
        .onRef("p.company_id", "=", "r.company_id")
        .onRef("p.submission_id", "=", "r.submission_id")
        .onRef("p.attempt", "=", "r.attempt"),
    )
    .select((eb) => eb.fn.countAll<string>().as("n"))
    .where("r.company_id", "=", companyId)
    .where("p.status", "=", "queued")
    .where("r.status", "in", ["queued", "sent"])
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

const STEP_COLUMNS = [
  "r.company_id",
  "r.submission_id",
  "r.attempt",
  "r.seq",
  "r.step",
  "r.phase",
  "r.status",
  "r.state",
  "r.handed_out",
  "r.request_id",
] as const;

/**
 * The step to hand out next: one handed out earlier whose answer never came (it goes first, so nothing overtakes
 * it), else the first queued step of the oldest open plan. Locked until the caller's transaction ends.
 */
export async function nextStep(tx: Tx, companyId: string): Promise<StepRow | null> {
  const r = await tx
    .selectFrom("qbwc_requests as r")
    .innerJoin("qbwc_plans as p", (j) =>
      j
        .onRef("p.company_id", "=", "r.company_id")
        .onRef("p.submission_id", "=", "r.submission_id")
        .onRef("p.attempt", "=", "r.attempt"),
    )
    .select(STEP_COLUMNS)
    .where("r.company_id", "=", companyId)
    .where("p.status", "=", "queued")
    .where("r.status", "in", ["queued", "sent"])
    .orderBy(sql`case when r.status = 'sent' then 0 else 1 end`)
    .orderBy("p.created_at")
    .orderBy("p.submission_id")
    .orderBy("r.seq")
    .limit(1)
    .forUpdate()
    .executeTakeFirst();
  return r ? stepFrom(r) : null;
}

/** The handed-out step an answer belongs to, by the requestID QuickBooks echoes; null for a late duplicate. */
export async function stepForRequestId(
  tx: Tx,
  companyId: string,
  requestId: string,
): Promise<StepRow | null> {
  const r = await tx
    .selectFrom("qbwc_requests as r")
    .select(STEP_COLUMNS)
    .where("r.company_id", "=", companyId)
    .where("r.request_id", "=", requestId)
    .where("r.status", "=", "sent")
    .forUpdate()
    .executeTakeFirst();
  return r ? stepFrom(r) : null;
}

/**
 * The step this session handed out last and has not had an answer for: the one an answer without a requestID
 * (QuickBooks could not run the request: hresult and message only) belongs to.
 */
export async function lastHandedOutStep(
  tx: Tx,
  companyId: string,
  ticketHash: string,
): Promise<StepRow | null> {
  const r = await tx
    .selectFrom("qbwc_requests as r")
    .select(STEP_COLUMNS)
    .where("r.company_id", "=", companyId)
    .where("r.ticket_hash", "=", ticketHash)
    .where("r.status", "=", "sent")
    .orderBy("r.sent_at", "desc")
    .limit(1)
    .forUpdate()
    .executeTakeFirst();
  return r ? stepFrom(r) : null;
}

/** Every step of one plan, in order. */
export async function stepsOfPlan(tx: Tx, key: PlanKey): Promise<StepRow[]> {
  const rows = await tx
    .selectFrom("qbwc_requests as r")
    .select(STEP_COLUMNS)
    .where("r.company_id", "=", key.companyId)
    .where("r.submission_id", "=", key.submissionId)
    .where("r.attempt", "=", key.attempt)
    .orderBy("r.seq")
    .execute();
  return rows.map(stepFrom);
}

export function stepKey(s: PlanKey & { seq: number }) {
  return { company_id: s.companyId, submission_id: s.submissionId, attempt: s.attempt, seq: s.seq };
}

/** Finished and total steps of the open plans and of those finished during this session: the progress shown. */
export async function progressOf(
  tx: Tx,
  companyId: string,
  since: Date,
): Promise<{ finished: number; total: number; pending: number }> {
  const r = await tx
    .selectFrom("qbwc_requests as r")
    .innerJoin("qbwc_plans as p", (j) =>
      j
        .onRef("p.company_id", "=", "r.company_id")
        .onRef("p.submission_id", "=", "r.submission_id")
        .onRef("p.attempt", "=", "r.attempt"),
    )
    .select([
      sql<string>`count(*) filter (where r.status in ('done', 'rejected', 'cancelled'))`.as("finished"),
      sql<string>`count(*)`.as("total"),
      sql<string>`count(*) filter (where p.status = 'queued' and r.status in ('queued', 'sent'))`.as(
        "pending",
      ),
    ])
    .where("r.company_id", "=", companyId)
    .where((eb) => eb.or([eb("p.status", "=", "queued"), eb("p.finished_at", ">=", since)]))
    .executeTakeFirstOrThrow();
  return { finished: Number(r.finished), total: Number(r.total), pending: Number(r.pending) };
}
