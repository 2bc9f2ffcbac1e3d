import { sql } from "kysely";
import type { Tx } from "../../db/database.js";
import * as D from "../../domain/index.js";
import { recordAudit } from "../audit.js";
import { projectRights } from "../budget/load.js";
import type { AppContext } from "../context.js";
import { fromDomain } from "../domain-errors.js";
import { type Actor, requireMembership } from "../membership.js";
import { type CommitmentRecord, type CommitmentsContext, loadCommitments } from "./load.js";

export interface ProjectScope {
  companyId: string;
  projectId: string;
}

export interface CommitmentScope extends ProjectScope {
  commitmentId: string;
}

export interface CommitmentCommand {
  c: CommitmentsContext;
  record: CommitmentRecord;
  tx: Tx;
  rights: D.EffectiveRights;
}

/**
 * Runs one command on one commitment: in a transaction, with the commitment row locked, the caller's rights on the
 * project checked for `action`, then the command; moves the commitment's version on so readers see it changed.
 * A commitment of another project or company is not found.
 */
export async function withCommitment<T>(
  ctx: AppContext,
  actor: Actor,
  scope: CommitmentScope,
  action: D.Action,
  fn: (command: CommitmentCommand) => Promise<T>,
): Promise<T> {
  return ctx.db.transaction().execute(async (tx) => {
    const m = await requireMembership(tx, actor.userId, scope.companyId);
    const c = await loadCommitments(tx, scope.companyId, scope.projectId, {
      commitmentId: scope.commitmentId,
      forUpdate: true,
    });
    const rights = await projectRights(tx, m, scope.projectId);
    const verdict = D.can(rights, action, { actorId: actor.userId });
    if (!verdict.ok) throw fromDomain(verdict.error);
    const result = await fn({ c, record: c.records[0]!, tx, rights });
    await tx
      .updateTable("commitments")
      .set({ version: sql`version + 1`, updated_at: ctx.now() })
      .where("company_id", "=", scope.companyId)
      .where("id", "=", scope.commitmentId)
      .execute();
    return result;
  });
}

/** An audit row for a commitment command, naming its project and commitment. */
export function auditCommitment(
  tx: Tx,
  ctx: AppContext,
  actor: Actor,
  scope: CommitmentScope,
  action: string,
  entity: { type: "commitment" | "commitment_change_order" | "submission"; id: string },
  data: Record<string, unknown> = {},
) {
  return recordAudit(tx, {
    companyId: scope.companyId,
    actor: { kind: "user", userId: actor.userId },
    action,
    entityType: entity.type,
    entityId: entity.id,
    data: { projectId: scope.projectId, commitmentId: scope.commitmentId, ...data },
    at: ctx.now(),
  });
}
