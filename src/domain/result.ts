/** Expected failures are values; exceptions are kept for bugs and infrastructure faults. */
export type Result<T, E extends { code: string }> = { ok: true; value: T } | { ok: false; error: E };

export function ok<T>(value: T): { ok: true; value: T } {
  return { ok: true, value };
}

export function err<E extends { code: string }>(error: E): { ok: false; error: E } {
  return { ok: false, error };
}

export function isOk<T, E extends { code: string }>(result: Result<T, E>): result is { ok: true; value: T } {
  return result.ok;
}

export function isErr<T, E extends { code: string }>(
  result: Result<T, E>,
): result is { ok: false; error: E } {
  return !result.ok;
}

export function mapResult<T, U, E extends { code: string }>(
  result: Result<T, E>,
  fn: (value: T) => U,
): Result<U, E> {
  return result.ok ? ok(fn(result.value)) : result;
}

export function andThen<T, U, E extends { code: string }, F extends { code: string }>(
  result: Result<T, E>,
  fn: (value: T) => Result<U, F>,
): Result<U, E | F> {
  return result.ok ? fn(result.value) : result;
}

/** For callers that have already checked the rules and treat a failure as a bug. */
export function unwrap<T, E extends { code: string; message?: string }>(result: Result<T, E>): T {
  if (result.ok) return result.value;
  throw new Error(
    `unexpected ${result.error.code}${result.error.message ? `: ${result.error.message}` : ""}`,
  );
}

/** Makes a `switch` fail to compile when a case is missing, and fail loudly if bad data slips through at run time. */
export function assertNever(value: never, what = "value"): never {
  throw new Error(`unexpected ${what}: ${JSON.stringify(value)}`);
}
