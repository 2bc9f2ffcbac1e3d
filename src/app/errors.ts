import type { ErrorCode } from "./error-catalog.js";

/**
 * An expected failure that reaches the client: a code from the error catalog (which decides the HTTP status), a
 * sentence, and where it applies.
 */
export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly extra: { field?: string; details?: Record<string, unknown> } = {},
  ) {
    super(message);
  }
}

export const notFound = (what: string) => new AppError("not_found", `${what} was not found.`);
export const forbidden = (message: string, details?: Record<string, unknown>) =>
  new AppError("forbidden", message, details ? { details } : {});
export const conflict = (code: ErrorCode, message: string, details?: Record<string, unknown>) =>
  new AppError(code, message, details ? { details } : {});
