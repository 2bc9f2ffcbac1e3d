import type { Insertable, Updateable } from "kysely";
import { sql } from "kysely";
import type { Tx } from "../../db/database.js";
import type { DB } from "../../db/schema.js";
import * as D from "../../domain/index.js";
import type { AppContext } from "../context.js";
import { fromDomain } from "../domain-errors.js";
import { EFFECTS, type EffectFacts, type EffectHandlers } from "./effects.js";

/** The lifecycle table as the applier reads it: the domain's `decideTransition` unless a test hands another. */
export type TransitionTable = typeof D.decideTransition;

type SubmissionRow = DB["submissions"];

export interface TransitionRequest {
  companyId: string;
  submissionId: string;
  command: D.SubmissionCommand;
  /** The status the caller read (under its locks); `null` for send, which creates the submission. */
  from: D.SubmissionStatus | null;
  /** The version read with it, when the compare-and-set should check it too. */
  version?: number;
  /** The person issuing the command; `null` when the export machinery does. */
  userId: string | null;
  now: Date;
  /**
   * Columns written with the status change. For send, the new submission's own columns (everything but its keys
   * and status); for the other commands, what this command records beside the status (who decided, when).
   */
  columns:
    | Omit<Insertable<SubmissionRow>, "company_id" | "id" | "status">
    | Omit<Updateable<SubmissionRow>, "company_id" | "id" | "status" | "version">;
  /** What the table's effects may need: the document, the snapshot, the reason, the export's result or error. */
  facts: EffectFacts;
}

/**
 * The one way a submission changes status. The lifecycle table decides the target status and the effects; this
 * writes the status (a new row for send, otherwise a compare-and-set on the status read, so of concurrent commands
 * exactly one wins and the others get `concurrent_update`), then applies each effect the table lists, in order, in
 * the caller's transaction. Nothing else in the application decides what a transition does.
 */
export async function applyTransition(
  ctx: AppContext,
  tx: Tx,
  req: TransitionRequest,
  deps: { table?: TransitionTable; effects?: EffectHandlers } = {},
): Promise<D.Transition> {
  const decided = (deps.table ?? D.decideTransition)(req.from, req.command);
  if (!decided.ok) throw fromDomain(decided.error);
  const transition = decided.value;
  if (req.from === null) {
    await tx
      .insertInto("submissions")
      .values({
        ...(req.columns as Omit<Insertable<SubmissionRow>, "company_id" | "id" | "status">),
        company_id: req.companyId,
        id: req.submissionId,
        status: transition.to,
        updated_at: req.now,
      })
      .execute();
  } else {
    let update = tx
      .updateTable("submissions")
      .set({ ...req.columns, status: transition.to, version: sql`version + 1`, updated_at: req.now })
      .where("company_id", "=", req.companyId)
      .where("id", "=", req.submissionId)
      .where("status", "=", req.from);
    if (req.version !== undefined) update = update.where("version", "=", req.version);
    const updated = await update.executeTakeFirst();
    if (Number(updated.numUpdatedRows) !== 1) throw fromDomain(D.domainError("concurrent_update"));
  }
  const effects = deps.effects ?? EFFECTS;
  for (const effect of transition.effects) {
    await effects[effect]({
      ctx,
      tx,
      companyId: req.companyId,
      submissionId: req.submissionId,
      command: req.command,
      userId: req.userId,
      now: req.now,
      facts: req.facts,
    });
  }
  return transition;
}

/** Retrieve from ERP: the sender takes the waiting submission back; who did and when is recorded with the status. */
export async function retrieveSubmission(
  ctx: AppContext,
  tx: Tx,
  companyId: string,
  pending: { id: string; status: D.SubmissionStatus },
  userId: string,
  facts: EffectFacts,
): Promise<D.Transition> {
  const now = ctx.now();
  return applyTransition(ctx, tx, {
    companyId,
    submissionId: pending.id,
    command: "retrieve",
    from: pending.status,
    userId,
    now,
    columns: { decided_by: userId, decided_at: now, decision_action: "retrieve" },
    facts,
  });
}

/** The line count, totals and change ids a sent submission records from its snapshot. */
export function snapshotColumns(snapshot: D.SubmissionSnapshot) {
  return {
    line_count: snapshot.lines.length,
    total_original_minor: snapshot.totals.original,
    total_changes_minor: snapshot.totals.budgetChanges,
    total_revised_minor: snapshot.totals.revisedEstimate,
    total_delta_minor: snapshot.totals.delta,
    change_ids: [...snapshot.changeIds],
  };
}
