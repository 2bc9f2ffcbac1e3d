import type { DomainError } from "../domain/errors.js";
import type { Result } from "../domain/result.js";
import { AppError } from "./errors.js";

/** A domain refusal as the client sees it: the domain's code, sentence and field (the catalog gives its status). */
export function fromDomain(e: DomainError): AppError {
  return new AppError(e.code, e.message, {
    ...(e.field ? { field: e.field } : {}),
    ...(e.details ? { details: { ...e.details } } : {}),
  });
}

/** Unwraps a domain Result, throwing its refusal as an AppError. */
export function orThrow<T>(result: Result<T, DomainError>): T {
  if (!result.ok) throw fromDomain(result.error);
  return result.value;
}
