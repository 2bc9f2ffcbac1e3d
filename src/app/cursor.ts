import { openSignedValue, signValue } from "../lib/signed-value.js";
import { AppError } from "./errors.js";

/**
 * Paging cursors for every list that pages: the list's position (the last row's sort key) as JSON, signed with the
 * installation's SECRET_KEY for that list and company. A cursor the list never handed out, an edited one, or one of
 * another list or company is refused with a 400 before it reaches a statement.
 */
export function issueCursor(secretKey: string, list: string, companyId: string, position: unknown[]): string {
  return signValue(secretKey, `cursor:${list}:${companyId}`, JSON.stringify(position));
}

/**
 * The position `issueCursor` signed, checked again by `valid` (a second fence: a leaked key still cannot push a
 * value PostgreSQL would choke on into the statement); anything else is `invalid_input` on `field`.
 */
export function readCursor<T>(
  secretKey: string,
  list: string,
  companyId: string,
  cursor: string,
  field: string,
  valid: (position: unknown[]) => T | null,
): T {
  const text = openSignedValue(secretKey, `cursor:${list}:${companyId}`, cursor);
  let value: T | null = null;
  if (text !== null) {
    try {
      const parsed: unknown = JSON.parse(text);
      if (Array.isArray(parsed)) value = valid(parsed);
    } catch {
      value = null;
    }
  }
  if (value === null) {
    throw new AppError(
      "invalid_input",
      "The cursor is not one this list returned; use nextCursor from the previous page.",
      {
        field,
      },
    );
  }
  return value;
}
