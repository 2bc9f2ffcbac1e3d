import { type DomainError, domainError } from "./errors.js";
import type { Action } from "./permissions.js";
import { assertNever, err, ok, type Result } from "./result.js";

export const SUBMISSION_STATUSES = [
  "ready_to_export",
  "retrieved",
  "exporting",
  "rejected",
  "exported",
  "failed",
] as const;
export type SubmissionStatus = (typeof SUBMISSION_STATUSES)[number];

export const SUBMISSION_COMMANDS = [
  "send",
  "retrieve",
  "accept",
  "reject",
  "export_succeeded",
  "export_failed",
  "retry",
] as const;
export type SubmissionCommand = (typeof SUBMISSION_COMMANDS)[number];

/** Who issues a command: a PM with the send right, an accounting approver, or the export machinery. */
export type TransitionActor = "sender" | "approver" | "system";

/** What the caller must do in the same transaction as the status change. */
export type TransitionEffect =
  /** Store the snapshot of every line with the new submission. */
  | "take_snapshot"
  /** Email approvers now, when the company turned on immediate notices. */
  | "notify_approvers_if_enabled"
  /** Start a new export attempt (new idempotency keys) and queue its job. */
  | "queue_export"
  /**
   * Hand the document back to its team: a budget is unlocked when it was never exported and has no approved
   * changes (see `isLockedAfterReject`); a commitment, whose lock is its pending submission, is editable again.
   */
  | "return_document"
  /** Email the document's creator and the sender (once if they are the same person). */
  | "notify_rejection"
  /** Record the ERP reference and confirmation; this snapshot becomes the previously-exported baseline. */
  | "record_export"
  /** Record the ERP error code, message and remedy of the failed attempt. */
  | "record_export_error"
  /** Email the sender and the approver who accepted. */
  | "notify_export_failed";

export interface Transition {
  /** `null` for `send`: it creates a new submission. */
  readonly from: SubmissionStatus | null;
  readonly command: SubmissionCommand;
  readonly who: TransitionActor;
  readonly to: SubmissionStatus;
  readonly effects: readonly TransitionEffect[];
}

/** Statuses that freeze the document (budget or commitment) and block a new send (rule 1, rule 3). */
export const PENDING_STATUSES = [
  "ready_to_export",
  "exporting",
  "failed",
] as const satisfies readonly SubmissionStatus[];
export type PendingStatus = (typeof PENDING_STATUSES)[number];

export function isPendingStatus(status: SubmissionStatus): status is PendingStatus {
  switch (status) {
    case "ready_to_export":
    case "exporting":
    case "failed":
      return true;
    case "retrieved":
    case "rejected":
    case "exported":
      return false;
    default:
      return assertNever(status, "submission status");
  }
}

function row(
  from: SubmissionStatus | null,
  command: SubmissionCommand,
  who: TransitionActor,
  to: SubmissionStatus,
  effects: readonly TransitionEffect[],
): Transition {
  return { from, command, who, to, effects };
}

/**
 * THE table of submission transitions (docs/product.md §transitions). Nothing else decides a status change;
 * persistence applies the result with a compare-and-set on the `from` status, so concurrent decisions have
 * exactly one winner.
 */
function lookup(from: SubmissionStatus | null, command: SubmissionCommand): Transition | null {
  switch (command) {
    case "send":
      return from === null
        ? row(null, "send", "sender", "ready_to_export", ["take_snapshot", "notify_approvers_if_enabled"])
        : null;
    case "retrieve":
      return from === "ready_to_export" ? row(from, "retrieve", "sender", "retrieved", []) : null;
    case "accept":
      return from === "ready_to_export"
        ? row(from, "accept", "approver", "exporting", ["queue_export"])
        : null;
    case "reject":
      return from === "ready_to_export" || from === "failed"
        ? row(from, "reject", "approver", "rejected", ["return_document", "notify_rejection"])
        : null;
    case "export_succeeded":
      return from === "exporting"
        ? row(from, "export_succeeded", "system", "exported", ["record_export"])
        : null;
    case "export_failed":
      return from === "exporting"
        ? row(from, "export_failed", "system", "failed", ["record_export_error", "notify_export_failed"])
        : null;
    case "retry":
      return from === "failed" ? row(from, "retry", "approver", "exporting", ["queue_export"]) : null;
    default:
      return assertNever(command, "submission command");
  }
}

const STATUS_WORDS: Record<SubmissionStatus, string> = {
  ready_to_export: "ready to export",
  retrieved: "retrieved",
  exporting: "exporting",
  rejected: "rejected",
  exported: "exported",
  failed: "failed to export",
};

const COMMAND_WORDS: Record<SubmissionCommand, string> = {
  send: "sent",
  retrieve: "retrieved",
  accept: "accepted",
  reject: "rejected",
  export_succeeded: "marked exported",
  export_failed: "marked failed",
  retry: "retried",
};

export function decideTransition(
  from: SubmissionStatus | null,
  command: SubmissionCommand,
): Result<Transition, DomainError<"invalid_transition">> {
  const transition = lookup(from, command);
  if (transition) return ok(transition);
  const message =
    from === null
      ? `A submission that does not exist yet cannot be ${COMMAND_WORDS[command]}.`
      : `A submission that is ${STATUS_WORDS[from]} cannot be ${COMMAND_WORDS[command]}.`;
  return err(domainError("invalid_transition", { message, details: { from, command } }));
}

/** Every allowed transition, enumerated from the table above (for docs, the OpenAPI text and tests). */
export const SUBMISSION_TRANSITIONS: readonly Transition[] = [null, ...SUBMISSION_STATUSES].flatMap((from) =>
  SUBMISSION_COMMANDS.flatMap((command) => {
    const transition = lookup(from, command);
    return transition ? [transition] : [];
  }),
);

/** The permission a person needs to issue a command; `null` when only the system issues it. */
export function permissionForCommand(command: SubmissionCommand): Action | null {
  switch (command) {
    case "send":
      return "send_budget";
    case "retrieve":
      return "retrieve_budget";
    case "accept":
      return "accept_submission";
    case "reject":
      return "reject_submission";
    case "retry":
      return "retry_export";
    case "export_succeeded":
    case "export_failed":
      return null;
    default:
      return assertNever(command, "submission command");
  }
}

export const REJECT_REASON_MAX_CHARS = 2000;

/** Rule 4: a reason that is not blank after trimming, at most 2,000 characters; returns it trimmed. */
export function validateRejectReason(
  reason: unknown,
): Result<string, DomainError<"reason_required" | "reason_too_long">> {
  const trimmed = typeof reason === "string" ? reason.trim() : "";
  if (trimmed.length === 0) return err(domainError("reason_required", { field: "reason" }));
  // Count characters as people do (code points), not UTF-16 units.
  if ([...trimmed].length > REJECT_REASON_MAX_CHARS) {
    return err(domainError("reason_too_long", { field: "reason" }));
  }
  return ok(trimmed);
}

/** The ERP Integrations "Filter Estimates By" options, with exactly the words on screen. */
export const SUBMISSION_FILTERS = [
  { label: "Ready to Export", statuses: ["ready_to_export"] },
  { label: "Exporting", statuses: ["exporting"] },
  { label: "Synced", statuses: ["exported"] },
  { label: "Failed to Export", statuses: ["failed"] },
  { label: "Rejected & Retrieved", statuses: ["rejected", "retrieved"] },
] as const satisfies readonly { label: string; statuses: readonly SubmissionStatus[] }[];
