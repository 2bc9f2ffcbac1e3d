/**
 * Commitments: the subcontracts and purchase orders a company signs with its vendors, per project, with lines by
 * cost code × category and change orders (docs/product.md §commitments). Pure rules: the callers load a
 * `Commitment`, ask here whether a command may happen and what it leaves behind, then write it.
 */
import { type DomainError, domainError } from "./errors.js";
import { isPendingStatus, type PendingStatus, type SubmissionStatus } from "./lifecycle.js";
import { type InvalidAmount, invalidAmount, isAmountInRange, type Minor, sumAmounts } from "./money.js";
import { assertNever, err, ok, type Result } from "./result.js";
import { compareCodes, type SnapshotLine, type SubmissionSnapshot, snapshotTotals } from "./snapshot.js";

export const COMMITMENT_KINDS = ["subcontract", "purchase_order"] as const;
export type CommitmentKind = (typeof COMMITMENT_KINDS)[number];

export const COMMITMENT_STATUSES = ["draft", "out_for_signature", "approved", "void"] as const;
export type CommitmentStatus = (typeof COMMITMENT_STATUSES)[number];

export const CHANGE_ORDER_STATUSES = ["pending", "approved", "rejected"] as const;
export type ChangeOrderStatus = (typeof CHANGE_ORDER_STATUSES)[number];

export const COMMITMENT_ERP_STATES = [
  "not_sent",
  "awaiting_acceptance",
  "exporting",
  "failed",
  "synced",
  "changes_to_send",
] as const;
export type CommitmentErpState = (typeof COMMITMENT_ERP_STATES)[number];

export const COMMITMENT_NUMBER_MAX_CHARS = 30;
export const COMMITMENT_TITLE_MAX_CHARS = 200;
export const LINE_DESCRIPTION_MAX_CHARS = 4000;

/** One line per cost code × category; a line a change order introduced starts at 0 and names it. */
export interface CommitmentLine {
  readonly id: string;
  readonly costCode: string;
  readonly costCodeDescription: string;
  readonly category: string;
  readonly description: string;
  readonly original: Minor;
  readonly addedByChangeOrderId: string | null;
}

/** What a change order adds to (or takes from) one cost code × category of its commitment. */
export interface ChangeOrderLine {
  readonly costCode: string;
  readonly category: string;
  readonly description: string;
  readonly amount: Minor;
}

export interface ChangeOrder {
  readonly id: string;
  readonly number: number;
  readonly title: string;
  readonly status: ChangeOrderStatus;
  readonly lines: readonly ChangeOrderLine[];
}

export interface CommitmentSubmission {
  readonly id: string;
  readonly status: SubmissionStatus;
  readonly reason?: string | null;
}

export interface Commitment {
  readonly id: string;
  readonly kind: CommitmentKind;
  readonly number: string;
  readonly title: string;
  readonly status: CommitmentStatus;
  readonly lines: readonly CommitmentLine[];
  readonly changeOrders: readonly ChangeOrder[];
  /** The newest submission of this commitment, whatever its status; null when it was never sent. */
  readonly lastSubmission: CommitmentSubmission | null;
  /** Each line's revised amount in the newest exported submission; null when never exported. */
  readonly lastExported: { readonly lines: readonly { lineId: string; revised: Minor }[] } | null;
}

/** The key of a cost code × category, as lines and purchase-order lines are matched by it. */
export function lineKey(costCode: string, category: string): string {
  return `${costCode}|${category}`;
}

function keyOf(line: { costCode: string; category: string }): string {
  return lineKey(line.costCode, line.category);
}

// ---------------------------------------------------------------------------------------------------------------
// Derived views

export interface DerivedCommitmentLine extends CommitmentLine {
  /** Sum of this line's amounts in approved change orders. */
  readonly approvedChanges: Minor;
  readonly revised: Minor;
  /** Sum of this line's amounts in pending change orders (shown, never sent). */
  readonly pendingChanges: Minor;
  /** The revised amount last exported; null for a line never exported. */
  readonly exported: Minor | null;
}

export interface CommitmentTotals {
  readonly original: Minor;
  readonly approvedChanges: Minor;
  readonly revised: Minor;
  /** Every pending change order's amounts, including lines they would add. */
  readonly pendingChanges: Minor;
}

function sumByKey(commitment: Commitment, status: ChangeOrderStatus): Map<string, Minor> {
  const byKey = new Map<string, Minor>();
  for (const order of commitment.changeOrders) {
    if (order.status !== status) continue;
    for (const line of order.lines) byKey.set(keyOf(line), (byKey.get(keyOf(line)) ?? 0n) + line.amount);
  }
  return byKey;
}

export function deriveCommitmentLines(commitment: Commitment): DerivedCommitmentLine[] {
  const approved = sumByKey(commitment, "approved");
  const pending = sumByKey(commitment, "pending");
  const exported = new Map(commitment.lastExported?.lines.map((l) => [l.lineId, l.revised]) ?? []);
  return commitment.lines.map((line) => {
    const approvedChanges = approved.get(keyOf(line)) ?? 0n;
    return {
      ...line,
      approvedChanges,
      revised: line.original + approvedChanges,
      pendingChanges: pending.get(keyOf(line)) ?? 0n,
      exported: exported.get(line.id) ?? null,
    };
  });
}

export function commitmentTotals(commitment: Commitment): CommitmentTotals {
  const lines = deriveCommitmentLines(commitment);
  const pending = commitment.changeOrders
    .filter((order) => order.status === "pending")
    .flatMap((order) => order.lines.map((line) => line.amount));
  return {
    original: sumAmounts(lines.map((l) => l.original)),
    approvedChanges: sumAmounts(lines.map((l) => l.approvedChanges)),
    revised: sumAmounts(lines.map((l) => l.revised)),
    pendingChanges: sumAmounts(pending),
  };
}

export function changeOrderTotal(order: Pick<ChangeOrder, "lines">): Minor {
  return sumAmounts(order.lines.map((line) => line.amount));
}

export function pendingCommitmentSubmission(
  commitment: Commitment,
): (CommitmentSubmission & { status: PendingStatus }) | null {
  const last = commitment.lastSubmission;
  return last && isPendingStatus(last.status)
    ? (last as CommitmentSubmission & { status: PendingStatus })
    : null;
}

/**
 * Locked while a submission is ready to export, exporting or failed: no status change, no change order and no line
 * edit until the approver accepts (and the export ends), rejects, or the sender retrieves it.
 */
export function isCommitmentLocked(commitment: Commitment): boolean {
  return pendingCommitmentSubmission(commitment) !== null;
}

/** Whether some line's revised amount differs from what was last exported (every line counts on a first send). */
export function hasCommitmentChangesToSend(commitment: Commitment): boolean {
  return deriveCommitmentLines(commitment).some((line) => line.revised !== (line.exported ?? 0n));
}

/** Where the commitment stands with the ERP, as the commitments list shows it. */
export function commitmentErpState(commitment: Commitment): CommitmentErpState {
  const pending = pendingCommitmentSubmission(commitment);
  if (pending) {
    switch (pending.status) {
      case "ready_to_export":
        return "awaiting_acceptance";
      case "exporting":
        return "exporting";
      case "failed":
        return "failed";
      default:
        return assertNever(pending.status, "pending status");
    }
  }
  if (!commitment.lastExported) return "not_sent";
  return hasCommitmentChangesToSend(commitment) ? "changes_to_send" : "synced";
}

/**
 * What a send stores with the submission: every line with its original, approved changes and revised amount, and
 * what was last exported of it (0 for a new line), in cost code × category order.
 */
export function takeCommitmentSnapshot(commitment: Commitment): SubmissionSnapshot {
  const lines: SnapshotLine[] = deriveCommitmentLines(commitment)
    .map((line) => {
      const previouslyExported = line.exported ?? 0n;
      return {
        lineId: line.id,
        costCode: line.costCode,
        costCodeDescription: line.costCodeDescription,
        category: line.category,
        description: line.description,
        original: line.original,
        budgetChanges: line.approvedChanges,
        revisedEstimate: line.revised,
        previouslyExported,
        delta: line.revised - previouslyExported,
      };
    })
    .sort((a, b) => compareCodes(a.costCode, b.costCode) || compareCodes(a.category, b.category));
  const changeIds = commitment.changeOrders.filter((o) => o.status === "approved").map((o) => o.id);
  return { lines, changeIds, totals: snapshotTotals(lines) };
}

// ---------------------------------------------------------------------------------------------------------------
// Status

type Locked = DomainError<"submission_pending">;

function checkNotLocked(commitment: Commitment): Result<true, Locked> {
  const pending = pendingCommitmentSubmission(commitment);
  if (!pending) return ok(true);
  return err(
    domainError("submission_pending", {
      message: "The commitment is locked while its submission is awaiting acceptance, exporting or failed.",
      details: { submissionId: pending.id, status: pending.status },
    }),
  );
}

const STATUS_WORDS: Record<CommitmentStatus, string> = {
  draft: "a draft",
  out_for_signature: "out for signature",
  approved: "approved",
  void: "void",
};

/**
 * The allowed moves: draft → out for signature → approved; out for signature → draft; draft or out for
 * signature → void; approved → void only while it was never sent.
 */
export function canMoveTo(commitment: Commitment, to: CommitmentStatus): boolean {
  switch (commitment.status) {
    case "draft":
      return to === "out_for_signature" || to === "void";
    case "out_for_signature":
      return to === "draft" || to === "approved" || to === "void";
    case "approved":
      return to === "void" && commitment.lastSubmission === null;
    case "void":
      return false;
    default:
      return assertNever(commitment.status, "commitment status");
  }
}

export function changeCommitmentStatus(
  commitment: Commitment,
  to: CommitmentStatus,
): Result<Commitment, Locked | DomainError<"invalid_status_change">> {
  const notLocked = checkNotLocked(commitment);
  if (!notLocked.ok) return notLocked;
  if (!canMoveTo(commitment, to)) {
    const sent = commitment.status === "approved" && to === "void" && commitment.lastSubmission !== null;
    return err(
      domainError("invalid_status_change", {
        message: sent
          ? "A commitment that was sent to the ERP cannot be voided."
          : `A commitment that is ${STATUS_WORDS[commitment.status]} cannot become ${STATUS_WORDS[to]}.`,
        field: "status",
        details: { from: commitment.status, to },
      }),
    );
  }
  return ok({ ...commitment, status: to });
}

/** Number, title and vendor change while the commitment is a draft or out for signature. */
export function checkHeaderEditable(
  commitment: Commitment,
): Result<true, Locked | DomainError<"commitment_not_editable">> {
  const notLocked = checkNotLocked(commitment);
  if (!notLocked.ok) return notLocked;
  if (commitment.status !== "draft" && commitment.status !== "out_for_signature") {
    return err(domainError("commitment_not_editable", { details: { status: commitment.status } }));
  }
  return ok(true);
}

export type TextError = DomainError<"invalid_input">;

/** A commitment's number or a title: trimmed, not blank, at most `max` characters. */
export function checkText(value: string, field: string, max: number): Result<string, TextError> {
  const trimmed = value.trim();
  if (trimmed.length === 0) {
    return err(domainError("invalid_input", { message: `The ${field} is required.`, field }));
  }
  if ([...trimmed].length > max) {
    return err(
      domainError("invalid_input", { message: `The ${field} is longer than ${max} characters.`, field }),
    );
  }
  return ok(trimmed);
}

function checkDescription(description: string, field: string): Result<string, TextError> {
  if ([...description].length > LINE_DESCRIPTION_MAX_CHARS) {
    return err(
      domainError("invalid_input", {
        message: `The description is longer than ${LINE_DESCRIPTION_MAX_CHARS} characters.`,
        field,
      }),
    );
  }
  return ok(description);
}

// ---------------------------------------------------------------------------------------------------------------
// Lines (draft only)

type NotDraft = DomainError<"commitment_not_draft">;

function checkDraft(commitment: Commitment): Result<true, Locked | NotDraft> {
  const notLocked = checkNotLocked(commitment);
  if (!notLocked.ok) return notLocked;
  if (commitment.status !== "draft") {
    return err(domainError("commitment_not_draft", { details: { status: commitment.status } }));
  }
  return ok(true);
}

function checkLineAmount(amount: Minor, field: string): Result<true, InvalidAmount> {
  if (!isAmountInRange(amount)) return err(invalidAmount("out_of_range", field));
  if (amount < 0n) return err(invalidAmount("negative", field));
  return ok(true);
}

export type NewCommitmentLine = Omit<CommitmentLine, "addedByChangeOrderId">;

export type CommitmentLineError = Locked | NotDraft | InvalidAmount | TextError;

export function addCommitmentLine(
  commitment: Commitment,
  input: NewCommitmentLine,
): Result<
  { commitment: Commitment; line: CommitmentLine },
  CommitmentLineError | DomainError<"duplicate_line">
> {
  const draft = checkDraft(commitment);
  if (!draft.ok) return draft;
  const amount = checkLineAmount(input.original, "amount");
  if (!amount.ok) return amount;
  const description = checkDescription(input.description, "description");
  if (!description.ok) return description;
  const duplicate = commitment.lines.find((line) => keyOf(line) === keyOf(input));
  if (duplicate) {
    return err(
      domainError("duplicate_line", {
        message: `The commitment already has a line for ${input.costCode} ${input.category}.`,
        details: { lineId: duplicate.id },
      }),
    );
  }
  const line: CommitmentLine = { ...input, addedByChangeOrderId: null };
  return ok({ commitment: { ...commitment, lines: [...commitment.lines, line] }, line });
}

function findLine(
  commitment: Commitment,
  lineId: string,
): Result<CommitmentLine, DomainError<"line_not_found">> {
  const line = commitment.lines.find((candidate) => candidate.id === lineId);
  return line
    ? ok(line)
    : err(domainError("line_not_found", { message: "Commitment line not found.", details: { lineId } }));
}

export function updateCommitmentLine(
  commitment: Commitment,
  lineId: string,
  patch: { readonly original?: Minor; readonly description?: string },
): Result<
  { commitment: Commitment; line: CommitmentLine },
  CommitmentLineError | DomainError<"line_not_found">
> {
  const found = findLine(commitment, lineId);
  if (!found.ok) return found;
  const draft = checkDraft(commitment);
  if (!draft.ok) return draft;
  let line = found.value;
  if (patch.original !== undefined) {
    const amount = checkLineAmount(patch.original, "amount");
    if (!amount.ok) return amount;
    line = { ...line, original: patch.original };
  }
  if (patch.description !== undefined) {
    const description = checkDescription(patch.description, "description");
    if (!description.ok) return description;
    line = { ...line, description: patch.description };
  }
  const lines = commitment.lines.map((l) => (l.id === lineId ? line : l));
  return ok({ commitment: { ...commitment, lines }, line });
}

export function deleteCommitmentLine(
  commitment: Commitment,
  lineId: string,
): Result<
  { commitment: Commitment; line: CommitmentLine },
  Locked | NotDraft | DomainError<"line_not_found">
> {
  const found = findLine(commitment, lineId);
  if (!found.ok) return found;
  const draft = checkDraft(commitment);
  if (!draft.ok) return draft;
  const lines = commitment.lines.filter((l) => l.id !== lineId);
  return ok({ commitment: { ...commitment, lines }, line: found.value });
}

// ---------------------------------------------------------------------------------------------------------------
// Change orders (approved commitments only)

export type ChangeOrderInputError = TextError | InvalidAmount;

/** A change order's lines: at least one, each cost code × category once, amounts in range (negative allowed). */
export function checkChangeOrderLines(
  lines: readonly ChangeOrderLine[],
): Result<readonly ChangeOrderLine[], ChangeOrderInputError> {
  if (lines.length === 0) {
    return err(
      domainError("invalid_input", { message: "A change order needs at least one line.", field: "lines" }),
    );
  }
  const seen = new Set<string>();
  for (const [index, line] of lines.entries()) {
    if (seen.has(keyOf(line))) {
      return err(
        domainError("invalid_input", {
          message: `The change order names ${line.costCode} ${line.category} more than once.`,
          field: `lines[${index}].category`,
        }),
      );
    }
    seen.add(keyOf(line));
    if (!isAmountInRange(line.amount)) return err(invalidAmount("out_of_range", `lines[${index}].amount`));
    const description = checkDescription(line.description, `lines[${index}].description`);
    if (!description.ok) return description;
  }
  return ok(lines.map((l) => ({ ...l })));
}

export function nextChangeOrderNumber(commitment: Commitment): number {
  return commitment.changeOrders.reduce((max, order) => Math.max(max, order.number), 0) + 1;
}

export function createChangeOrder(
  commitment: Commitment,
  input: { readonly id: string; readonly title: string; readonly lines: readonly ChangeOrderLine[] },
): Result<
  { commitment: Commitment; changeOrder: ChangeOrder },
  Locked | DomainError<"commitment_not_approved"> | ChangeOrderInputError
> {
  const notLocked = checkNotLocked(commitment);
  if (!notLocked.ok) return notLocked;
  if (commitment.status !== "approved") {
    return err(
      domainError("commitment_not_approved", {
        message: "Change orders belong to an approved commitment; edit a draft's lines directly.",
        details: { status: commitment.status },
      }),
    );
  }
  const title = checkText(input.title, "title", COMMITMENT_TITLE_MAX_CHARS);
  if (!title.ok) return title;
  const lines = checkChangeOrderLines(input.lines);
  if (!lines.ok) return lines;
  const changeOrder: ChangeOrder = {
    id: input.id,
    number: nextChangeOrderNumber(commitment),
    title: title.value,
    status: "pending",
    lines: lines.value,
  };
  return ok({
    commitment: { ...commitment, changeOrders: [...commitment.changeOrders, changeOrder] },
    changeOrder,
  });
}

type PendingOrderError = Locked | DomainError<"not_found" | "change_order_not_pending">;

function findPending(commitment: Commitment, changeOrderId: string): Result<ChangeOrder, PendingOrderError> {
  const order = commitment.changeOrders.find((candidate) => candidate.id === changeOrderId);
  if (!order) return err(domainError("not_found", { message: "Change order not found." }));
  const notLocked = checkNotLocked(commitment);
  if (!notLocked.ok) return notLocked;
  if (order.status !== "pending") {
    return err(domainError("change_order_not_pending", { details: { changeOrderId, status: order.status } }));
  }
  return ok(order);
}

function replaceOrder(commitment: Commitment, order: ChangeOrder): Commitment {
  return { ...commitment, changeOrders: commitment.changeOrders.map((o) => (o.id === order.id ? order : o)) };
}

export function updateChangeOrder(
  commitment: Commitment,
  changeOrderId: string,
  patch: { readonly title?: string; readonly lines?: readonly ChangeOrderLine[] },
): Result<{ commitment: Commitment; changeOrder: ChangeOrder }, PendingOrderError | ChangeOrderInputError> {
  const found = findPending(commitment, changeOrderId);
  if (!found.ok) return found;
  let order = found.value;
  if (patch.title !== undefined) {
    const title = checkText(patch.title, "title", COMMITMENT_TITLE_MAX_CHARS);
    if (!title.ok) return title;
    order = { ...order, title: title.value };
  }
  if (patch.lines !== undefined) {
    const lines = checkChangeOrderLines(patch.lines);
    if (!lines.ok) return lines;
    order = { ...order, lines: lines.value };
  }
  return ok({ commitment: replaceOrder(commitment, order), changeOrder: order });
}

export function deleteChangeOrder(
  commitment: Commitment,
  changeOrderId: string,
): Result<{ commitment: Commitment; changeOrder: ChangeOrder }, PendingOrderError> {
  const found = findPending(commitment, changeOrderId);
  if (!found.ok) return found;
  const changeOrders = commitment.changeOrders.filter((o) => o.id !== changeOrderId);
  return ok({ commitment: { ...commitment, changeOrders }, changeOrder: found.value });
}

/**
 * Approving adds the change order's amounts to the lines; a cost code × category the commitment lacks becomes a
 * new line at original 0 (its id from `newLineId`). Refused when a line would end up below zero.
 */
export function approveChangeOrder(
  commitment: Commitment,
  changeOrderId: string,
  newLineId: () => string,
  costCodeDescription: (costCode: string) => string,
): Result<
  { commitment: Commitment; changeOrder: ChangeOrder; addedLines: readonly CommitmentLine[] },
  PendingOrderError | DomainError<"change_order_negative_line">
> {
  const found = findPending(commitment, changeOrderId);
  if (!found.ok) return found;
  const order: ChangeOrder = { ...found.value, status: "approved" };
  const existing = new Set(commitment.lines.map(keyOf));
  const addedLines: CommitmentLine[] = order.lines
    .filter((line) => !existing.has(keyOf(line)))
    .map((line) => ({
      id: newLineId(),
      costCode: line.costCode,
      costCodeDescription: costCodeDescription(line.costCode),
      category: line.category,
      description: line.description,
      original: 0n,
      addedByChangeOrderId: order.id,
    }));
  const after: Commitment = {
    ...replaceOrder(commitment, order),
    lines: [...commitment.lines, ...addedLines],
  };
  const negative = deriveCommitmentLines(after).filter((line) => line.revised < 0n);
  if (negative.length > 0) {
    return err(
      domainError("change_order_negative_line", {
        message: `Approving change order #${order.number} would bring ${negative
          .map((l) => `${l.costCode} ${l.category}`)
          .join(", ")} below zero.`,
        details: { lines: negative.map((l) => ({ costCode: l.costCode, category: l.category })) },
      }),
    );
  }
  return ok({ commitment: after, changeOrder: order, addedLines });
}

export function rejectChangeOrder(
  commitment: Commitment,
  changeOrderId: string,
): Result<{ commitment: Commitment; changeOrder: ChangeOrder }, PendingOrderError> {
  const found = findPending(commitment, changeOrderId);
  if (!found.ok) return found;
  const order: ChangeOrder = { ...found.value, status: "rejected" };
  return ok({ commitment: replaceOrder(commitment, order), changeOrder: order });
}
