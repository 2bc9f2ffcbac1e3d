/** An expected failure that reaches the client: a code from the status table, a sentence, and where it applies. */
export class AppError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly extra: { field?: string; details?: Record<string, unknown>; status?: number } = {},
  ) {
    super(message);
  }
}

export const notFound = (what: string) => new AppError("not_found", `${what} was not found.`);
export const forbidden = (message: string, details?: Record<string, unknown>) =>
  new AppError("forbidden", message, details ? { details } : {});
export const invalid = (code: string, message: string, field?: string) =>
  new AppError(code, message, field ? { field } : {});
export const conflict = (code: string, message: string, details?: Record<string, unknown>) =>
  new AppError(code, message, { status: 409, ...(details ? { details } : {}) });
