import { AppError } from "../errors.js";

/** An update that names no field is a mistake worth telling, not a silent no-op (or an invalid SQL update). */
export function requireSomeField(input: object) {
  if (!Object.values(input).some((v) => v !== undefined)) {
    throw new AppError("invalid_input", "Send at least one field to change.");
  }
}
