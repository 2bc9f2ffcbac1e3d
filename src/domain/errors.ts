/**
 * The closed list of domain error codes. The HTTP layer maps `kind` to a status:
 * invalid → 400, conflict → 409, forbidden → 403, not_found → 404.
 */
export type ErrorKind = "invalid" | "conflict" | "forbidden" | "not_found";

const CATALOG = {
  // Bad input (400)
  invalid_input: { kind: "invalid", message: "The request is not valid." },
  invalid_amount: { kind: "invalid", message: "The amount is not valid." },
  reason_required: { kind: "invalid", message: "A reason is required." },
  reason_too_long: { kind: "invalid", message: "The reason is longer than 2,000 characters." },
  description_required: { kind: "invalid", message: "A description is required." },
  description_too_long: { kind: "invalid", message: "The description is too long." },
  adjustments_required: { kind: "invalid", message: "A budget change needs at least one adjustment." },
  duplicate_adjustment: { kind: "invalid", message: "A budget change adjusts each line at most once." },
  unknown_line: { kind: "invalid", message: "The budget has no such line." },
  unknown_cost_code: { kind: "invalid", message: "The company has no such cost code." },
  unknown_category: { kind: "invalid", message: "The company has no such category." },
  invalid_time_zone: { kind: "invalid", message: "The time zone is not a known IANA time zone." },
  invalid_summary_hour: {
    kind: "invalid",
    message: "The daily summary hour must be a whole hour from 0 to 23.",
  },
  invalid_date: { kind: "invalid", message: "The date must be a calendar date written YYYY-MM-DD." },

  // Not allowed in the current state (409)
  budget_locked: {
    kind: "conflict",
    message: "The budget is locked: original amounts can no longer change.",
  },
  budget_not_locked: { kind: "conflict", message: "The budget must be locked first." },
  budget_empty: {
    kind: "conflict",
    message: "The budget has no lines: add at least one line before locking it.",
  },
  submission_pending: {
    kind: "conflict",
    message: "The budget is frozen while a submission is awaiting acceptance, exporting or failed.",
  },
  approved_changes_exist: {
    kind: "conflict",
    message: "The budget cannot be unlocked because approved budget changes exist.",
  },
  nothing_new_to_send: {
    kind: "conflict",
    message: "Nothing new to send: no line's revised estimate differs from what was last exported.",
  },
  negative_revised_estimate: { kind: "conflict", message: "A line's revised estimate is negative." },
  erp_not_connected: { kind: "conflict", message: "The company is not connected to an ERP." },
  budget_tool_inactive: { kind: "conflict", message: "The Budget tool is not active on this project." },
  project_not_linked: {
    kind: "conflict",
    message: "The project is not linked to a job in the ERP and no parent customer is chosen to create one.",
  },
  cost_code_not_exportable: {
    kind: "conflict",
    message: "A cost code is not mapped to an item in the ERP and creating missing items is off.",
  },
  name_too_long: { kind: "conflict", message: "The project name is too long for the ERP." },
  currency_not_in_quickbooks: {
    kind: "conflict",
    message: "The company's currency is not one the ERP company holds.",
  },
  name_invalid_characters: {
    kind: "conflict",
    message: "A name contains a character the ERP does not accept (colon, tab or line break).",
  },
  cost_code_too_long: { kind: "conflict", message: "A cost code is too long for an item name in the ERP." },
  duplicate_line: {
    kind: "conflict",
    message: "The budget already has a line for this cost code and category.",
  },
  line_exported: {
    kind: "conflict",
    message: "This line was exported and cannot be deleted; bring it to zero with a budget change.",
  },
  line_has_changes: {
    kind: "conflict",
    message: "This line is used by a budget change and cannot be deleted.",
  },
  change_not_draft: {
    kind: "conflict",
    message: "Only a draft budget change can be edited, deleted or approved.",
  },
  change_exported: {
    kind: "conflict",
    message: "This budget change was exported and can no longer be edited or voided.",
  },
  change_already_void: { kind: "conflict", message: "This budget change is already void." },
  not_awaiting_acceptance: {
    kind: "conflict",
    message: "No submission of this budget is awaiting acceptance.",
  },
  invalid_transition: { kind: "conflict", message: "The submission is not in a state that allows this." },
  concurrent_update: { kind: "conflict", message: "Someone else changed this first; reload and try again." },

  // Commitments and vendors (docs/product.md §commitments, §vendors)
  unknown_vendor: { kind: "invalid", message: "The company has no such active vendor." },
  vendor_name_taken: { kind: "conflict", message: "The company already has a vendor with this name." },
  commitment_number_taken: {
    kind: "conflict",
    message: "The project already has a commitment with this number.",
  },
  invalid_status_change: {
    kind: "conflict",
    message: "The commitment cannot move from its current status to the one asked for.",
  },
  commitment_not_draft: {
    kind: "conflict",
    message:
      "Lines change only while the commitment is a draft; an approved one changes through change orders.",
  },
  commitment_not_editable: {
    kind: "conflict",
    message: "Only a draft commitment or one out for signature can be edited.",
  },
  commitment_not_approved: { kind: "conflict", message: "The commitment must be approved first." },
  commitment_empty: { kind: "conflict", message: "The commitment has no lines." },
  change_order_not_pending: {
    kind: "conflict",
    message: "Only a pending change order can be edited, deleted, approved or rejected.",
  },
  change_order_negative_line: {
    kind: "conflict",
    message: "Approving this change order would bring a line below zero.",
  },
  erp_cannot_take_commitments: {
    kind: "conflict",
    message: "The connected ERP cannot take commitments as purchase orders.",
  },
  cost_code_inactive: { kind: "conflict", message: "A line uses a cost code that is no longer active." },
  vendor_inactive: { kind: "conflict", message: "The commitment's vendor is inactive." },

  // Missing right (403)
  forbidden: { kind: "forbidden", message: "You do not have the right to do this." },
  separation_of_duties: {
    kind: "forbidden",
    message: "Separation of duties is on: the person who sent a budget cannot accept it.",
  },

  // Unknown id in the path, or one from another company (404)
  not_found: { kind: "not_found", message: "Not found." },
  company_not_found: { kind: "not_found", message: "Company not found." },
  project_not_found: { kind: "not_found", message: "Project not found." },
  line_not_found: { kind: "not_found", message: "Budget line not found." },
  change_not_found: { kind: "not_found", message: "Budget change not found." },
  submission_not_found: { kind: "not_found", message: "Submission not found." },
  user_not_found: { kind: "not_found", message: "User not found." },
} as const satisfies Record<string, { kind: ErrorKind; message: string }>;

export type DomainErrorCode = keyof typeof CATALOG;

export interface DomainError<C extends DomainErrorCode = DomainErrorCode> {
  readonly code: C;
  readonly message: string;
  /** Path of the offending input field, when one field is to blame. */
  readonly field?: string;
  readonly details?: Readonly<Record<string, unknown>>;
}

/** Every code with its kind and default message, e.g. for the HTTP status table and the OpenAPI document. */
export const DOMAIN_ERROR_CODES: readonly {
  readonly code: DomainErrorCode;
  readonly kind: ErrorKind;
  readonly message: string;
}[] = Object.entries(CATALOG).map(([code, entry]) => ({
  code: code as DomainErrorCode,
  kind: entry.kind,
  message: entry.message,
}));

export function isDomainErrorCode(code: string): code is DomainErrorCode {
  return Object.hasOwn(CATALOG, code);
}

export function errorKind(code: DomainErrorCode): ErrorKind {
  return CATALOG[code].kind;
}

export function defaultMessage(code: DomainErrorCode): string {
  return CATALOG[code].message;
}

export function domainError<C extends DomainErrorCode>(
  code: C,
  options: { message?: string; field?: string; details?: Readonly<Record<string, unknown>> } = {},
): DomainError<C> {
  const error: { code: C; message: string; field?: string; details?: Readonly<Record<string, unknown>> } = {
    code,
    message: options.message ?? CATALOG[code].message,
  };
  if (options.field !== undefined) error.field = options.field;
  if (options.details !== undefined) error.details = options.details;
  return error;
}
