import type { Executor } from "../../db/database.js";
import { isUniqueViolation } from "../../db/errors.js";
import * as D from "../../domain/index.js";
import { newId } from "../../lib/ids.js";
import { recordAudit } from "../audit.js";
import { loadProject, projectRights } from "../budget/load.js";
import type { AppContext } from "../context.js";
import { fromDomain, orThrow } from "../domain-errors.js";
import { AppError } from "../errors.js";
import { type Actor, requireMembership } from "../membership.js";
import type { ProjectScope } from "./with-commitment.js";

export interface NewCommitment {
  kind: D.CommitmentKind;
  number: string;
  title: string;
  vendorId: string;
}

/** The vendor a commitment is signed with: one of the company's active vendors, or a 400 naming the field. */
export async function requireActiveVendor(db: Executor, companyId: string, vendorId: string) {
  const vendor = await db
    .selectFrom("vendors")
    .select(["id", "name", "active"])
    .where("company_id", "=", companyId)
    .where("id", "=", vendorId)
    .executeTakeFirst();
  if (!vendor?.active) {
    throw new AppError("unknown_vendor", "The company has no active vendor with this id.", {
      field: "vendorId",
    });
  }
  return vendor;
}

export function numberTaken(number: string): AppError {
  return new AppError("commitment_number_taken", `The project already has a commitment numbered ${number}.`, {
    field: "number",
  });
}

/** A new commitment starts as a draft (docs/product.md §commitments). */
export async function createCommitment(
  ctx: AppContext,
  actor: Actor,
  scope: ProjectScope,
  input: NewCommitment,
) {
  const number = orThrow(D.checkText(input.number, "number", D.COMMITMENT_NUMBER_MAX_CHARS));
  const title = orThrow(D.checkText(input.title, "title", D.COMMITMENT_TITLE_MAX_CHARS));
  const id = newId("cmt");
  try {
    await ctx.db.transaction().execute(async (tx) => {
      const m = await requireMembership(tx, actor.userId, scope.companyId);
      await loadProject(tx, scope.companyId, scope.projectId);
      const verdict = D.can(await projectRights(tx, m, scope.projectId), "edit_budget");
      if (!verdict.ok) throw fromDomain(verdict.error);
      const vendor = await requireActiveVendor(tx, scope.companyId, input.vendorId);
      await tx
        .insertInto("commitments")
        .values({
          company_id: scope.companyId,
          id,
          project_id: scope.projectId,
          kind: input.kind,
          number,
          title,
          vendor_id: vendor.id,
          created_by: actor.userId,
          created_at: ctx.now(),
          updated_at: ctx.now(),
        })
        .execute();
      await recordAudit(tx, {
        companyId: scope.companyId,
        actor: { kind: "user", userId: actor.userId },
        action: "commitment.created",
        entityType: "commitment",
        entityId: id,
        at: ctx.now(),
        data: {
          projectId: scope.projectId,
          commitmentId: id,
          kind: input.kind,
          number,
          title,
          vendor: vendor.name,
        },
      });
    });
  } catch (e) {
    if (isUniqueViolation(e)) throw numberTaken(number);
    throw e;
  }
  return id;
}
