/**
 * The one table from error code to HTTP status. Codes not listed fall back on their class: domain rule
 * conflicts are thrown with an explicit 409, everything else unknown is treated as invalid input.
 */
export const ERROR_STATUS: Readonly<Record<string, number>> = {
  // 400: the request itself is wrong
  invalid_input: 400,
  malformed_json: 400,
  unknown_field: 400,
  invalid_amount: 400,
  unknown_cost_code: 400,
  unknown_category: 400,
  unknown_line: 400,
  duplicate_line: 409,
  reason_required: 400,
  reason_too_long: 400,
  weak_password: 400,
  invalid_time_zone: 400,
  unknown_erp_reference: 400,
  invalid_csv: 400,
  quickbooks_denied: 400,
  name_too_long: 400,
  // 401 / 403 / 404
  unauthenticated: 401,
  invalid_credentials: 401,
  invalid_token: 401,
  csrf_failed: 403,
  forbidden: 403,
  not_found: 404,
  // 409 / 410 / 413 / 415 / 429
  conflict: 409,
  stale: 409,
  duplicate: 409,
  not_connected: 409,
  invitation_used: 410,
  invitation_expired: 410,
  body_too_large: 413,
  unsupported_media_type: 415,
  too_many_attempts: 429,
  rate_limited: 429,
  // 5xx
  database_unavailable: 503,
  erp_unavailable: 503,
  internal_error: 500,
};

export function statusForCode(code: string, explicit?: number): number {
  if (explicit) return explicit;
  return ERROR_STATUS[code] ?? 400;
}
