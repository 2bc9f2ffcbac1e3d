import type { Tx } from "../../db/database.js";
import * as D from "../../domain/index.js";
import { orThrow } from "../domain-errors.js";
import { requireCodes } from "./lines.js";
import type { CommitmentsContext } from "./load.js";

/** A change order's lines as asked for: the company's codes, exact amounts (negative allowed). */
export interface ChangeOrderLineInput {
  costCode: string;
  category: string;
  description?: string;
  amount: unknown;
}

export function checkLineInputs(
  c: CommitmentsContext,
  lines: readonly ChangeOrderLineInput[],
): D.ChangeOrderLine[] {
  return lines.map((l, index) => {
    const { code, category } = requireCodes(c, l, `lines[${index}].`);
    return {
      costCode: code.code,
      category: category.code,
      description: l.description ?? "",
      amount: orThrow(D.parseAmount(l.amount, `lines[${index}].amount`)),
    };
  });
}

/** Replaces a change order's stored lines with `lines`. */
export async function storeChangeOrderLines(
  tx: Tx,
  companyId: string,
  changeOrderId: string,
  lines: readonly D.ChangeOrderLine[],
) {
  await tx
    .deleteFrom("commitment_change_order_lines")
    .where("company_id", "=", companyId)
    .where("change_order_id", "=", changeOrderId)
    .execute();
  if (lines.length === 0) return;
  await tx
    .insertInto("commitment_change_order_lines")
    .values(
      lines.map((l, position) => ({
        company_id: companyId,
        change_order_id: changeOrderId,
        position,
        cost_code: l.costCode,
        category: l.category,
        description: l.description,
        amount_minor: l.amount,
      })),
    )
    .execute();
}
