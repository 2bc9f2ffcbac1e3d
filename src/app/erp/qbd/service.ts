/**
 * The Web Connector's eight SOAP operations against the queue. Every call that moves the queue runs in one
 * transaction holding the company's connection row, so two sessions (or a retried call) never hand out or record
 * the same step twice, and whatever a call learned is committed before it answers.
 */
import { sql } from "kysely";
import type { Tx } from "../../../db/database.js";
import {
  applyPlanResponse,
  buildPlanStepRequest,
  type PlanContext,
  parseQbxmlResponses,
  phaseAfterLostAnswer,
  planDoneOutcome,
  QbxmlParseError,
  type QbxmlResponse,
  QbxmlRuleError,
  type SoapCall,
  type StepResult,
} from "../../../erp/quickbooks-desktop/index.js";
import {
  answerFromSession,
  isStaleLookup,
  learnedFrom,
  resetAfterStaleLookup,
  stepLookup,
} from "../../../erp/quickbooks-desktop/session-lookups.js";
import { enqueue } from "../../../jobs/catalog.js";
import { newSecretToken, sha256 } from "../../../lib/ids.js";
import { verifyPassword } from "../../../lib/passwords.js";
import { recordAudit } from "../../audit.js";
import type { AppContext } from "../../context.js";
import { QUICKBOOKS_DESKTOP_KIND } from "./definition.js";
import {
  countPendingSteps,
  lastHandedOutStep,
  nextStep,
  type PlanRow,
  progressOf,
  readPlan,
  type StepRow,
  stepForRequestId,
  stepKey,
  stepsOfPlan,
  toJson,
} from "./queue.js";
import { forget, forgetEndedSessions, forgetSession, learn, recall } from "./session-lookups.js";

export const SERVER_VERSION = "Costbridge 1.0 (QuickBooks Web Connector service)";
/** A session unused this long is over; the Web Connector signs in again at its next run. */
export const TICKET_IDLE_MS = 30 * 60 * 1000;
/** Oldest qbXML we write (QuickBooks 2014 and later understand 13.0). */
const MIN_QBXML_MAJOR = 13;
const FAILURE_WINDOW_MS = 60 * 1000;
/**
 * QuickBooks' answer when it cannot read a request (not well-formed, against the schema's order, an element it does
 * not know): the same request would be refused again, so it fails its own submission at once.
 */
export const HRESULT_PARSE_ERROR = "0x80040400";
/** Other hresults for one request (QuickBooks busy, a dialog open): retried, and given up after this many. */
export const MAX_HRESULTS_PER_REQUEST = 3;
const MAX_FAILURES = 10;

const EXPIRED =
  "The Web Connector session is unknown or has expired; the Web Connector signs in again at its next run.";

interface Session {
  companyId: string;
  ticketHash: string;
  createdAt: Date;
  lastError: string | null;
  responsesReceived: number;
}

function ticketParts(ticket: string): { companyId: string; hash: string } | null {
  const dot = ticket.indexOf(".");
  if (dot <= 0) return null;
  return { companyId: ticket.slice(0, dot), hash: sha256(ticket) };
}

async function findSession(
  ctx: AppContext,
  db: Tx | AppContext["db"],
  ticket: string,
  opts: { live: boolean },
): Promise<Session | null> {
  const parts = ticketParts(ticket);
  if (!parts) return null;
  let q = db
    .selectFrom("qbwc_sessions")
    .select(["company_id", "ticket_hash", "created_at", "last_error", "responses_received"])
    .where("company_id", "=", parts.companyId)
    .where("ticket_hash", "=", parts.hash);
  if (opts.live) q = q.where("closed_at", "is", null).where("expires_at", ">", ctx.now());
  const r = await q.executeTakeFirst();
  return r
    ? {
        companyId: r.company_id,
        ticketHash: r.ticket_hash,
        createdAt: r.created_at,
        lastError: r.last_error,
        responsesReceived: r.responses_received,
      }
    : null;
}

async function touchSession(
  ctx: AppContext,
  tx: Tx,
  s: Session,
  set: { sent?: boolean; received?: boolean; error?: string | null },
) {
  const now = ctx.now();
  await tx
    .updateTable("qbwc_sessions")
    .set({
      last_seen_at: now,
      expires_at: new Date(now.getTime() + TICKET_IDLE_MS),
      ...(set.sent ? { requests_sent: sql`requests_sent + 1` } : {}),
      ...(set.received ? { responses_received: sql`responses_received + 1` } : {}),
      ...(set.error !== undefined ? { last_error: set.error } : {}),
    })
    .where("company_id", "=", s.companyId)
    .where("ticket_hash", "=", s.ticketHash)
    .execute();
}

/** Serialises every queue-moving call of one company. */
async function lockConnection(tx: Tx, companyId: string) {
  await tx
    .selectFrom("erp_connections")
    .select("company_id")
    .where("company_id", "=", companyId)
    .forUpdate()
    .execute();
}

async function setConnectionError(ctx: AppContext, tx: Tx, companyId: string, message: string | null) {
  await tx
    .updateTable("erp_connections")
    .set({ last_error: message, updated_at: ctx.now() })
    .where("company_id", "=", companyId)
    .where("type", "=", QUICKBOOKS_DESKTOP_KIND)
    .execute();
}

// ---- authenticate ----------------------------------------------------------------------------------------------

/**
 * `[ticket, status]`: "nvu" for a wrong user name or password (also once too many failures came from the caller's
 * address in a minute), "none" when nothing waits (the Web Connector closes the session), "" to use the company file
 * open in QuickBooks.
 *
 * Failures are counted per client address, not per user name: user names are predictable and the password is long
 * and random, so counting per user name would only let a stranger keep the real Web Connector out. A guesser is
 * slowed down at their own address while the Web Connector signs in from its own.
 */
export async function authenticate(
  ctx: AppContext,
  username: string,
  password: string,
  clientAddress: string,
): Promise<string[]> {
  const now = ctx.now();
  const failureKey = `qbwc-address:${clientAddress}`;
  const since = new Date(now.getTime() - FAILURE_WINDOW_MS);
  // Checks from one address run one at a time (a lock held for the check), so a burst of concurrent guesses
  // cannot all get past the failure count before any of them is recorded.
  const companyId = await ctx.db.transaction().execute(async (tx) => {
    await sql`select pg_advisory_xact_lock(hashtextextended(${failureKey}, 0))`.execute(tx);
    const failures = await tx
      .selectFrom("sign_in_failures")
      .select((eb) => eb.fn.countAll<string>().as("n"))
      .where("key", "=", failureKey)
      .where("at", ">", since)
      .executeTakeFirstOrThrow();
    if (Number(failures.n) >= MAX_FAILURES) return null;
    const row = await tx
      .selectFrom("erp_connections")
      .select(["company_id", "type", "status", "qbwc_password_hash"])
      .where("qbwc_username", "=", username)
      .executeTakeFirst();
    const usable = row?.type === QUICKBOOKS_DESKTOP_KIND && row.status !== "disconnected";
    // The hash runs for an unknown user name too, so the answer takes as long either way.
    const matches = await verifyPassword(password, usable ? row.qbwc_password_hash : null);
    if (!matches || !row) {
      await tx.insertInto("sign_in_failures").values({ key: failureKey, at: now }).execute();
      await tx.deleteFrom("sign_in_failures").where("key", "=", failureKey).where("at", "<", since).execute();
      return null;
    }
    return row.company_id;
  });
  if (!companyId) return ["", "nvu"];
  const ticket = `${companyId}.${newSecretToken(24)}`;
  const pending = await countPendingSteps(ctx.db, companyId);
  await ctx.db.transaction().execute(async (tx) => {
    await tx
      .insertInto("qbwc_sessions")
      .values({
        company_id: companyId,
        ticket_hash: sha256(ticket),
        created_at: now,
        last_seen_at: now,
        expires_at: new Date(now.getTime() + TICKET_IDLE_MS),
      })
      .execute();
    await tx
      .updateTable("erp_connections")
      .set({ qbwc_last_poll_at: now, updated_at: now })
      .where("company_id", "=", companyId)
      .execute();
    await forgetEndedSessions(tx, companyId, now);
  });
  return [ticket, pending > 0 ? "" : "none"];
}

// ---- sendRequestXML ---------------------------------------------------------------------------------------------

function requestIdFor(step: StepRow, handedOut: number): string {
  const plan = sha256(`${step.companyId}\u0000${step.submissionId}\u0000${step.attempt}`).slice(0, 10);
  return `cb${plan}-${step.seq}-${handedOut}`;
}

/** The next qbXML request, or "" (the Web Connector then asks getLastError and closes). */
export async function sendRequestXML(ctx: AppContext, p: Record<string, string>): Promise<string> {
  return ctx.db.transaction().execute(async (tx) => {
    const s = await findSession(ctx, tx, p.ticket ?? "", { live: true });
    if (!s) return "";
    await lockConnection(tx, s.companyId);
    const major = Number.parseInt(p.qbXMLMajorVers ?? "", 10);
    if (Number.isFinite(major) && major > 0 && major < MIN_QBXML_MAJOR) {
      const message = `This QuickBooks understands qbXML ${major}.x; Costbridge needs qbXML ${MIN_QBXML_MAJOR}.0 (QuickBooks Desktop 2014 or newer).`;
      await touchSession(ctx, tx, s, { error: message });
      await setConnectionError(ctx, tx, s.companyId, message);
      return "";
    }
    for (;;) {
      const step = await nextStep(tx, s.companyId);
      if (!step) {
        await touchSession(ctx, tx, s, { error: "Costbridge has nothing more to send." });
        return "";
      }
      const plan = await readPlan(tx, step, { forUpdate: true });
      if (!plan) throw new Error("a step without its plan");
      const phase = step.status === "sent" ? phaseAfterLostAnswer(step) : step.phase;
      // A look-up this session already answered is not asked again (never for a request whose answer was lost).
      if (step.status === "queued" && (await answeredBySession(ctx, tx, s, plan, step))) continue;
      const handedOut = step.handedOut + 1;
      const requestId = requestIdFor(step, handedOut);
      let xml: string;
      try {
        xml = buildPlanStepRequest(
          plan.request,
          plan.context,
          { step: step.step, phase, state: step.state },
          requestId,
        );
      } catch (e) {
        // A plan that cannot be carried on must not block the company's queue: it fails, the next one goes on.
        await finishPlan(
          ctx,
          tx,
          step,
          plan.context,
          e instanceof QbxmlRuleError
            ? { kind: "rejected", ...e.rejection }
            : {
                kind: "rejected",
                code: "internal_error",
                message: `Costbridge could not prepare the QuickBooks request: ${(e as Error).message}`,
                remedy: "Retry the export; if it fails the same way, contact support.",
              },
        );
        continue;
      }
      await tx
        .updateTable("qbwc_requests")
        .set({
          status: "sent",
          phase,
          handed_out: handedOut,
          request_id: requestId,
          request_xml: xml,
          ticket_hash: s.ticketHash,
          sent_at: ctx.now(),
          updated_at: ctx.now(),
        })
        .where((eb) => eb.and(stepKey(step)))
        .execute();
      await touchSession(ctx, tx, s, { sent: true });
      return xml;
    }
  });
}

/**
 * Moves a step along from the session's earlier answer, when it has one the step can go on with; false when the
 * step's request must go to QuickBooks.
 */
async function answeredBySession(
  ctx: AppContext,
  tx: Tx,
  s: Session,
  plan: PlanRow,
  step: StepRow,
): Promise<boolean> {
  const current = { step: step.step, phase: step.phase, state: step.state };
  const lookup = stepLookup(plan.request, plan.context, current);
  if (!lookup) return false;
  const known = await recall(tx, s, lookup);
  if (!known) return false;
  const result = answerFromSession(plan.request, plan.context, current, known);
  if (!result || (result.kind !== "next" && result.kind !== "done")) return false;
  const now = ctx.now();
  await recordStepResult(ctx, tx, step, result, {
    answered_at: now,
    updated_at: now,
    state: toJson({ ...step.state, remembered: true }),
  });
  return true;
}

/** Records a step's move (next phase, or done and maybe the plan with it) and what it added to the plan's context. */
async function recordStepResult(
  ctx: AppContext,
  tx: Tx,
  step: StepRow,
  result: Extract<StepResult, { kind: "next" | "done" }>,
  answered: Record<string, unknown>,
) {
  const now = ctx.now();
  const where = stepKey(step);
  if (result.kind === "next") {
    await tx
      .updateTable("qbwc_requests")
      .set({ ...answered, status: "queued", phase: result.phase, state: toJson(result.state) })
      .where((eb) => eb.and(where))
      .execute();
  } else {
    await tx
      .updateTable("qbwc_requests")
      .set({ ...answered, status: "done" })
      .where((eb) => eb.and(where))
      .execute();
  }
  await savePlanContext(tx, step, result.context, now);
  if (result.kind !== "done") return;
  const left = await tx
    .selectFrom("qbwc_requests")
    .select((eb) => eb.fn.countAll<string>().as("n"))
    .where("company_id", "=", step.companyId)
    .where("submission_id", "=", step.submissionId)
    .where("attempt", "=", step.attempt)
    .where("status", "<>", "done")
    .executeTakeFirstOrThrow();
  if (Number(left.n) === 0) await finishPlan(ctx, tx, step, result.context, { kind: "done" });
}

/**
 * QuickBooks refused a reference the session remembered (gone, inactive): the steps that used the session's answers
 * ask QuickBooks again, within this session, instead of failing the export.
 */
async function resetStaleLookups(
  ctx: AppContext,
  tx: Tx,
  s: Session,
  plan: PlanRow,
  step: StepRow,
  answered: Record<string, unknown>,
) {
  const steps = await stepsOfPlan(tx, step);
  const current = { seq: step.seq, step: step.step, phase: step.phase, state: step.state };
  const r = resetAfterStaleLookup(plan.request, plan.context, steps, current);
  const now = ctx.now();
  for (const one of r.reset) {
    await tx
      .updateTable("qbwc_requests")
      .set({
        ...(one.seq === step.seq ? answered : {}),
        status: "queued",
        phase: one.phase,
        state: "{}",
        updated_at: now,
      })
      .where((eb) => eb.and(stepKey({ ...step, seq: one.seq })))
      .execute();
  }
  await savePlanContext(tx, step, r.context, now);
  await forget(tx, s, r.forget);
}

/** Stores what the plan of this step has learned so far (its context). */
async function savePlanContext(tx: Tx, step: StepRow, context: unknown, now: Date) {
  await tx
    .updateTable("qbwc_plans")
    .set({ context: toJson(context), updated_at: now })
    .where("company_id", "=", step.companyId)
    .where("submission_id", "=", step.submissionId)
    .where("attempt", "=", step.attempt)
    .execute();
}

// ---- receiveResponseXML -----------------------------------------------------------------------------------------

type Finish = { kind: "done" } | { kind: "rejected"; code: string; message: string; remedy: string };

/** Ends a plan (done or rejected), cancels what is left of it, and wakes the export job in the same commit. */
async function finishPlan(ctx: AppContext, tx: Tx, key: StepRow, context: PlanContext, finish: Finish) {
  const now = ctx.now();
  const plan = await readPlan(tx, key, { forUpdate: true });
  if (plan?.status !== "queued") return;
  const outcome =
    finish.kind === "done"
      ? planDoneOutcome(plan.request, context)
      : { kind: "rejected" as const, code: finish.code, message: finish.message, remedy: finish.remedy };
  await tx
    .updateTable("qbwc_plans")
    .set({
      status: finish.kind,
      outcome: toJson(outcome),
      context: toJson(context),
      finished_at: now,
      updated_at: now,
    })
    .where("company_id", "=", key.companyId)
    .where("submission_id", "=", key.submissionId)
    .where("attempt", "=", key.attempt)
    .execute();
  await tx
    .updateTable("qbwc_requests")
    .set({ status: "cancelled", updated_at: now })
    .where("company_id", "=", key.companyId)
    .where("submission_id", "=", key.submissionId)
    .where("attempt", "=", key.attempt)
    .where("status", "in", ["queued", "sent"])
    .execute();
  await enqueue(tx, "export_submission", {
    companyId: key.companyId,
    submissionId: key.submissionId,
    attempt: key.attempt,
  });
  if (finish.kind === "rejected") {
    await recordAudit(tx, {
      companyId: key.companyId,
      actor: { kind: "system" },
      action: "qbwc.plan_rejected",
      entityType: "submission",
      entityId: key.submissionId,
      data: { attempt: key.attempt, code: finish.code },
      at: now,
    });
  }
}

async function progress(tx: Tx, s: Session): Promise<number> {
  const p = await progressOf(tx, s.companyId, s.createdAt);
  if (p.pending === 0) return 100;
  return Math.max(0, Math.min(99, Math.floor((p.finished * 100) / Math.max(1, p.total))));
}

/** What a step writes, for a person: "parent customer", "job", "item of cost code 03-100", "estimate". */
function stepSubject(step: string): string {
  if (step === "parent") return "parent customer";
  if (step === "purchase_order") return "purchase order";
  if (step.startsWith("item:")) return `item of cost code ${step.slice("item:".length)}`;
  return step;
}

/** 0–99: percent done, call sendRequestXML again; 100: finished; negative: an error (see getLastError). */
export async function receiveResponseXML(ctx: AppContext, p: Record<string, string>): Promise<number> {
  return ctx.db.transaction().execute(async (tx) => {
    const s = await findSession(ctx, tx, p.ticket ?? "", { live: true });
    if (!s) return -1;
    await lockConnection(tx, s.companyId);
    const hresult = (p.hresult ?? "").trim();
    if (hresult) {
      const qbMessage = (p.message ?? "").trim() || "no message";
      const message = `QuickBooks could not run the request: ${qbMessage} (${hresult}).`;
      const step = await lastHandedOutStep(tx, s.companyId, s.ticketHash);
      const hresults = (step?.state.hresults ?? 0) + 1;
      if (step && (hresult.toLowerCase() === HRESULT_PARSE_ERROR || hresults >= MAX_HRESULTS_PER_REQUEST)) {
        // A poison request fails alone: its submission ends with a remedy, the session goes on with the others.
        const plan = await readPlan(tx, step, { forUpdate: true });
        const now = ctx.now();
        await tx
          .updateTable("qbwc_requests")
          .set({
            status: "rejected",
            status_code: hresult,
            status_message: qbMessage,
            answered_at: now,
            updated_at: now,
            state: toJson({ ...step.state, hresults }),
          })
          .where((eb) => eb.and(stepKey(step)))
          .execute();
        await finishPlan(ctx, tx, step, plan?.context ?? {}, {
          kind: "rejected",
          ...(hresult.toLowerCase() === HRESULT_PARSE_ERROR
            ? {
                code: "quickbooks_could_not_read_request",
                message: `QuickBooks Desktop could not read Costbridge's request for the ${stepSubject(step.step)} of this export: ${qbMessage} (${hresult}).`,
                remedy:
                  "Retry the export once (it is built afresh); if QuickBooks refuses it again, report it to support with the project number. The company's other exports were not held up.",
              }
            : {
                code: "quickbooks_could_not_run_request",
                message: `QuickBooks Desktop could not run the same request of this export ${hresults} times: ${qbMessage} (${hresult}).`,
                remedy:
                  "Check that QuickBooks is open with the company file and no window waits for an answer on that computer, then retry the export.",
              }),
        });
        await touchSession(ctx, tx, s, { received: true });
        return progress(tx, s);
      }
      // Any other hresult: the step stays handed out (the next session looks before writing) and counts the miss.
      if (step) {
        await tx
          .updateTable("qbwc_requests")
          .set({ state: toJson({ ...step.state, hresults }), updated_at: ctx.now() })
          .where((eb) => eb.and(stepKey(step)))
          .execute();
      }
      await touchSession(ctx, tx, s, { received: true, error: message });
      await setConnectionError(ctx, tx, s.companyId, message);
      return -1;
    }
    let responses: QbxmlResponse[];
    try {
      responses = parseQbxmlResponses(p.response ?? "");
    } catch (e) {
      const message =
        e instanceof QbxmlParseError ? e.message : "QuickBooks sent a response Costbridge cannot read.";
      await touchSession(ctx, tx, s, { received: true, error: message });
      return -1;
    }
    await touchSession(ctx, tx, s, { received: true });
    const rs = responses[0];
    const step = rs?.requestId ? await stepForRequestId(tx, s.companyId, rs.requestId) : null;
    // An answer for a request that is no longer outstanding (a retried call) was recorded already.
    if (!rs || !step) return progress(tx, s);
    const plan = await readPlan(tx, step, { forUpdate: true });
    if (plan?.status !== "queued") return progress(tx, s);
    const now = ctx.now();
    const answered = {
      response_xml: p.response ?? "",
      status_code: rs.statusCode,
      status_message: rs.statusMessage,
      answered_at: now,
      updated_at: now,
    };
    const where = stepKey(step);
    if (isStaleLookup(plan.context, await stepsOfPlan(tx, step), step, rs)) {
      await resetStaleLookups(ctx, tx, s, plan, step, answered);
      await setConnectionError(ctx, tx, s.companyId, null);
      return progress(tx, s);
    }
    const result = applyPlanResponse(plan.request, plan.context, step, rs);
    await learn(tx, s, learnedFrom(plan.request, plan.context, step, rs, result), now);
    switch (result.kind) {
      case "next":
      case "done":
        await recordStepResult(ctx, tx, step, result, answered);
        break;
      case "rejected":
        await tx
          .updateTable("qbwc_requests")
          .set({ ...answered, status: "rejected" })
          .where((eb) => eb.and(where))
          .execute();
        await finishPlan(ctx, tx, step, plan.context, result);
        break;
      case "retryable":
        // Not written (QuickBooks was busy): asked again, unchanged, at the next run; this session stops here.
        await tx
          .updateTable("qbwc_requests")
          .set({ ...answered, status: "queued" })
          .where((eb) => eb.and(where))
          .execute();
        await touchSession(ctx, tx, s, {
          error: `${result.message} Costbridge tries again at the next Web Connector run.`,
        });
        await setConnectionError(ctx, tx, s.companyId, result.message);
        return -1;
    }
    // QuickBooks answered: whatever the connection panel showed as wrong with the Web Connector is over.
    await setConnectionError(ctx, tx, s.companyId, null);
    return progress(tx, s);
  });
}

// ---- the rest -----------------------------------------------------------------------------------------------------

/** QuickBooks could not open the company file: recorded for the connection panel; "done" ends the session. */
export async function connectionError(ctx: AppContext, p: Record<string, string>): Promise<string> {
  await ctx.db.transaction().execute(async (tx) => {
    const s = await findSession(ctx, tx, p.ticket ?? "", { live: false });
    if (!s) return;
    const message = `The Web Connector could not open the QuickBooks company file: ${(p.message ?? "").trim() || "no message"} (${(p.hresult ?? "").trim() || "no code"}). Open QuickBooks with the company file, signed in as the Admin user.`;
    await touchSession(ctx, tx, s, { error: message });
    await setConnectionError(ctx, tx, s.companyId, message);
  });
  return "done";
}

export async function getLastError(ctx: AppContext, p: Record<string, string>): Promise<string> {
  const s = await findSession(ctx, ctx.db, p.ticket ?? "", { live: false });
  if (!s) return EXPIRED;
  const live = await findSession(ctx, ctx.db, p.ticket ?? "", { live: true });
  if (!live && !s.lastError) return EXPIRED;
  return s.lastError ?? "No error.";
}

export async function closeConnection(ctx: AppContext, p: Record<string, string>): Promise<string> {
  return ctx.db.transaction().execute(async (tx) => {
    const s = await findSession(ctx, tx, p.ticket ?? "", { live: false });
    if (!s) return "OK";
    const now = ctx.now();
    await tx
      .updateTable("qbwc_sessions")
      .set({ closed_at: now, last_seen_at: now })
      .where("company_id", "=", s.companyId)
      .where("ticket_hash", "=", s.ticketHash)
      .where("closed_at", "is", null)
      .execute();
    await forgetSession(tx, s);
    const n = s.responsesReceived;
    return `Costbridge: ${n} request${n === 1 ? "" : "s"} processed.`;
  });
}

/** Routes one parsed SOAP call to its operation; the result goes into `{method}Result`. */
export async function handleQbwcCall(
  ctx: AppContext,
  call: SoapCall,
  from: { clientAddress: string },
): Promise<string | number | string[]> {
  const p = call.params;
  switch (call.method) {
    case "serverVersion":
      return SERVER_VERSION;
    case "clientVersion":
      // Every Web Connector 2.x speaks this contract; nothing to warn about.
      return "";
    case "authenticate":
      return authenticate(ctx, p.strUserName ?? "", p.strPassword ?? "", from.clientAddress);
    case "sendRequestXML":
      return sendRequestXML(ctx, p);
    case "receiveResponseXML":
      return receiveResponseXML(ctx, p);
    case "connectionError":
      return connectionError(ctx, p);
    case "getLastError":
      return getLastError(ctx, p);
    case "closeConnection":
      return closeConnection(ctx, p);
  }
}
