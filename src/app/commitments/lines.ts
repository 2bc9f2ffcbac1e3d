import { AppError } from "../errors.js";
import type { CommitmentsContext } from "./load.js";

/** An active cost code and a known category of the company, or a 400 naming the field at fault. */
export function requireCodes(
  c: Pick<CommitmentsContext, "costCodes" | "categories">,
  input: { costCode: string; category: string },
  at = "",
) {
  const code = c.costCodes.get(input.costCode);
  if (!code?.active) {
    throw new AppError("unknown_cost_code", `The company has no active cost code ${input.costCode}.`, {
      field: `${at}costCode`,
    });
  }
  const category = c.categories.get(input.category);
  if (!category) {
    throw new AppError("unknown_category", `The company has no category ${input.category}.`, {
      field: `${at}category`,
    });
  }
  return { code, category };
}
