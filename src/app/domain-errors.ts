import { type DomainError, type ErrorKind, errorKind } from "../domain/errors.js";
import type { Result } from "../domain/result.js";
import { AppError } from "./errors.js";

const STATUS: Record<ErrorKind, number> = { invalid: 400, conflict: 409, forbidden: 403, not_found: 404 };

/** A domain refusal as the client sees it: the domain's code, sentence and field, the status from its kind. */
export function fromDomain(e: DomainError): AppError {
  return new AppError(e.code, e.message, {
    status: STATUS[errorKind(e.code)],
    ...(e.field ? { field: e.field } : {}),
    ...(e.details ? { details: { ...e.details } } : {}),
  });
}

/** Unwraps a domain Result, throwing its refusal as an AppError. */
export function orThrow<T>(result: Result<T, DomainError>): T {
  if (!result.ok) throw fromDomain(result.error);
  return result.value;
}
