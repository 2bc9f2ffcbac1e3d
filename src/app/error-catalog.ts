/**
 * Every error code the API can answer with, in one place: its kind, the HTTP status that kind means, and the
 * shape of its message. Use cases and routes raise a code (an `AppError`, or a domain refusal through
 * `fromDomain`); the HTTP error handler looks the status up here and nowhere else. A code missing from this list
 * does not compile where it is raised, and a test scans the sources for codes written as text.
 *
 * The domain's own codes (src/domain/errors.ts) are part of the catalog as they are: their kind there decides
 * their status here.
 */
import { DOMAIN_ERROR_CODES, type DomainErrorCode, type ErrorKind as DomainKind } from "../domain/errors.js";

/** What went wrong, as the client must react to it; each kind is exactly one HTTP status. */
export type ErrorKind =
  | DomainKind
  | "unauthenticated"
  | "gone"
  | "too_large"
  | "unsupported_media_type"
  | "throttled"
  | "unavailable"
  | "internal";

export const KIND_STATUS: Readonly<Record<ErrorKind, number>> = {
  invalid: 400,
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  gone: 410,
  too_large: 413,
  unsupported_media_type: 415,
  throttled: 429,
  internal: 500,
  unavailable: 503,
};

/**
 * How a code's answer reads: `message` is what its sentence says (the default sentence for domain codes);
 * `field` when the answer names the input at fault; `details` the keys it may carry.
 */
export interface ErrorEntry {
  readonly kind: ErrorKind;
  readonly message: string;
  readonly field?: true;
  readonly details?: readonly string[];
}

/** The codes raised outside the domain: by the HTTP layer, sign-in, administration and the ERP connections. */
const APP_CODES = {
  // 400: the request itself is wrong
  unknown_field: { kind: "invalid", message: "Names the unknown field.", field: true },
  malformed_json: { kind: "invalid", message: "The body is not JSON, or is empty." },
  weak_password: { kind: "invalid", message: "Why the new password is refused.", field: true },
  wrong_password: { kind: "invalid", message: "The current password is not right.", field: true },
  unknown_erp_reference: {
    kind: "invalid",
    message: "Names the QuickBooks record that does not exist or is inactive.",
    field: true,
  },
  invalid_csv: { kind: "invalid", message: "What is wrong with the file.", details: ["rows"] },
  quickbooks_denied: { kind: "invalid", message: "QuickBooks refused to grant access, and its reason." },
  // 401: who is calling is not known
  unauthenticated: { kind: "unauthenticated", message: "Sign in first." },
  invalid_credentials: { kind: "unauthenticated", message: "The email or password is not right." },
  invalid_token: { kind: "unauthenticated", message: "The token is malformed, expired or revoked." },
  // 403
  csrf_failed: { kind: "forbidden", message: "The CSRF header is missing or wrong; reload the page." },
  // 409: not possible in the current state (`details.rule` names the rule when the code is generic)
  conflict: { kind: "conflict", message: "Why this is not possible now.", details: ["rule"] },
  duplicate: { kind: "conflict", message: "Names what already exists.", field: true, details: ["rule"] },
  not_connected: { kind: "conflict", message: "What to connect first.", details: ["rule"] },
  email_not_failed: { kind: "conflict", message: "Only a failed email can be retried.", details: ["status"] },
  // 410: a one-time link that can no longer be used
  invitation_used: { kind: "gone", message: "The invitation was already used; sign in instead." },
  invitation_expired: { kind: "gone", message: "The invitation expired or a newer one was sent." },
  // 413 / 415
  body_too_large: { kind: "too_large", message: "The request body is too large." },
  unsupported_media_type: { kind: "unsupported_media_type", message: "Names the content type to send." },
  // 429: `details.retryAfterSeconds` also becomes the Retry-After header
  too_many_attempts: {
    kind: "throttled",
    message: "Wait before trying again.",
    details: ["retryAfterSeconds"],
  },
  rate_limited: { kind: "throttled", message: "Wait before trying again.", details: ["retryAfterSeconds"] },
  // 5xx
  internal_error: { kind: "internal", message: "Something went wrong on our side." },
  database_unavailable: { kind: "unavailable", message: "The database is unavailable; try again shortly." },
  erp_unavailable: { kind: "unavailable", message: "QuickBooks did not answer; try again in a moment." },
} as const satisfies Record<string, ErrorEntry>;

export type AppErrorCode = keyof typeof APP_CODES;
export type ErrorCode = DomainErrorCode | AppErrorCode;

export const ERROR_CATALOG: Readonly<Record<ErrorCode, ErrorEntry>> = {
  ...(Object.fromEntries(
    DOMAIN_ERROR_CODES.map((e) => [e.code, { kind: e.kind, message: e.message }]),
  ) as Record<DomainErrorCode, ErrorEntry>),
  ...APP_CODES,
};

export function isErrorCode(code: string): code is ErrorCode {
  return Object.hasOwn(ERROR_CATALOG, code);
}

/** The HTTP status of a code: its kind's. */
export function statusOf(code: ErrorCode): number {
  return KIND_STATUS[ERROR_CATALOG[code].kind];
}
