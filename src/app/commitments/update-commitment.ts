import { isUniqueViolation } from "../../db/errors.js";
import * as D from "../../domain/index.js";
import { requireSomeField } from "../company/require-some-field.js";
import type { AppContext } from "../context.js";
import { orThrow } from "../domain-errors.js";
import type { Actor } from "../membership.js";
import { numberTaken, requireActiveVendor } from "./create-commitment.js";
import { auditCommitment, type CommitmentScope, withCommitment } from "./with-commitment.js";

/** Number, title and vendor change while the commitment is a draft or out for signature. */
export async function updateCommitment(
  ctx: AppContext,
  actor: Actor,
  scope: CommitmentScope,
  patch: { number?: string; title?: string; vendorId?: string },
) {
  requireSomeField(patch);
  const number =
    patch.number === undefined
      ? undefined
      : orThrow(D.checkText(patch.number, "number", D.COMMITMENT_NUMBER_MAX_CHARS));
  const title =
    patch.title === undefined
      ? undefined
      : orThrow(D.checkText(patch.title, "title", D.COMMITMENT_TITLE_MAX_CHARS));
  try {
    await withCommitment(ctx, actor, scope, "edit_budget", async ({ record, tx }) => {
      orThrow(D.checkHeaderEditable(record.commitment));
      const vendor =
        patch.vendorId === undefined
          ? undefined
          : await requireActiveVendor(tx, scope.companyId, patch.vendorId);
      await tx
        .updateTable("commitments")
        .set({
          ...(number !== undefined ? { number } : {}),
          ...(title !== undefined ? { title } : {}),
          ...(vendor ? { vendor_id: vendor.id } : {}),
        })
        .where("company_id", "=", scope.companyId)
        .where("id", "=", scope.commitmentId)
        .execute();
      await auditCommitment(
        tx,
        ctx,
        actor,
        scope,
        "commitment.updated",
        { type: "commitment", id: scope.commitmentId },
        {
          ...(number !== undefined && number !== record.commitment.number
            ? { number: { from: record.commitment.number, to: number } }
            : {}),
          ...(title !== undefined && title !== record.commitment.title
            ? { title: { from: record.commitment.title, to: title } }
            : {}),
          ...(vendor && vendor.id !== record.vendorId ? { vendor: vendor.name } : {}),
        },
      );
    });
  } catch (e) {
    if (isUniqueViolation(e) && number !== undefined) throw numberTaken(number);
    throw e;
  }
}
