/**
 * QuickBooks Desktop statusCodes sorted into what the export does next: rejected (a person must change something,
 * told what) or retryable (try again at the next Web Connector run). Codes below 1000 are informational or
 * warnings; 1 and 500 on a query mean "nothing found" and are handled by the step that asked.
 */

export type StatusSubject =
  | { kind: "parent_customer"; name: string }
  | { kind: "job"; name: string }
  | { kind: "item"; name: string; costCode: string }
  | { kind: "account" }
  | { kind: "estimate"; refNumber: string };

export type StatusClass =
  | { kind: "rejected"; code: string; message: string; remedy: string }
  | { kind: "retryable"; code: string; message: string };

export const REMEDY_ESTIMATES_OFF =
  "In QuickBooks Desktop, signed in as the Admin user, turn on estimates (Edit › Preferences › Jobs & Estimates › " +
  "Company Preferences › Do you create estimates? Yes), then retry the export.";

export const REMEDY_CHANGED_IN_QUICKBOOKS =
  "Someone edited the estimate in QuickBooks after Costbridge last wrote it. Retry the export to overwrite their " +
  "edits with the budget, or Reject the budget to hand it back.";

function what(subject: StatusSubject): string {
  switch (subject.kind) {
    case "parent_customer":
      return `the parent customer "${subject.name}"`;
    case "job":
      return `the job "${subject.name}"`;
    case "item":
      return `the item "${subject.name}" (cost code ${subject.costCode})`;
    case "account":
      return "the income account";
    case "estimate":
      return `the estimate ${subject.refNumber}`;
  }
}

function nameRemedy(subject: StatusSubject, limitNote: string): string {
  switch (subject.kind) {
    case "parent_customer":
      return `Choose a shorter parent customer for the project, or shorten the company's default parent customer in the ERP settings${limitNote}, then retry.`;
    case "job":
      return `Rename the project${limitNote} or link it to an existing QuickBooks job, then retry.`;
    case "item":
      return `Map cost code ${subject.costCode} to an existing QuickBooks service item${limitNote}, then retry.`;
    default:
      return `Correct it in QuickBooks${limitNote}, then retry.`;
  }
}

export function classifyStatus(code: string, statusMessage: string, subject: StatusSubject): StatusClass {
  const qb = `QuickBooks Desktop: ${statusMessage} (statusCode ${code})`;
  switch (code) {
    case "3070":
      return {
        kind: "rejected",
        code: "name_too_long",
        message: `A name or text is too long for QuickBooks Desktop while writing ${what(subject)}. ${qb}`,
        remedy: nameRemedy(
          subject,
          " (QuickBooks Desktop allows 41 characters for a customer or job, 31 for an item, 11 for a reference number)",
        ),
      };
    case "3100":
      return {
        kind: "rejected",
        code: "name_in_use",
        message: `QuickBooks Desktop already uses the name of ${what(subject)} for another list element (a vendor, employee, other name or an item of another type). ${qb}`,
        remedy:
          subject.kind === "item"
            ? `Rename the other QuickBooks item, or map cost code ${subject.costCode} to an existing service item in Costbridge, then retry.`
            : "Rename the other QuickBooks record (names are shared by customers, vendors, employees and other names), or link the project to an existing job, then retry.",
      };
    case "3140":
      return {
        kind: "rejected",
        code: "invalid_reference",
        message: `QuickBooks Desktop refused a reference while writing ${what(subject)}: a customer, job, item, class or account is missing or inactive. ${qb}`,
        remedy:
          "Make the named record active in QuickBooks (or map the cost code to another item, or add the missing class), then retry.",
      };
    case "3200":
      return {
        kind: "rejected",
        code: "changed_in_quickbooks",
        message: `${what(subject)} kept changing in QuickBooks while Costbridge wrote it. ${qb}`,
        remedy: REMEDY_CHANGED_IN_QUICKBOOKS,
      };
    case "3250":
      return {
        kind: "rejected",
        code: "estimates_disabled",
        message: `Estimates are turned off in this QuickBooks Desktop company file. ${qb}`,
        remedy: REMEDY_ESTIMATES_OFF,
      };
    case "3260":
      return {
        kind: "rejected",
        code: "insufficient_permission",
        message: `The QuickBooks user the Web Connector runs as may not write ${what(subject)}. ${qb}`,
        remedy:
          "Run the Web Connector while QuickBooks is signed in as the Admin user (restricted users cannot add customers, items or estimates), then retry.",
      };
    case "3120":
    case "3000":
      return {
        kind: "rejected",
        code: "not_found_in_quickbooks",
        message: `QuickBooks Desktop no longer has ${what(subject)}. ${qb}`,
        remedy: "Retry the export to write it again, or Reject the budget to hand it back.",
      };
    case "3170":
    case "3175":
    case "3176":
    case "3180":
    case "3231":
      // Locked by another user, or a save that failed for the moment: nothing is wrong with the request.
      return {
        kind: "retryable",
        code: "quickbooks_busy",
        message: `QuickBooks Desktop could not save ${what(subject)} just now (another user may be editing it). ${qb}`,
      };
    default:
      return {
        kind: "rejected",
        code: "quickbooks_error",
        message: `QuickBooks Desktop refused ${what(subject)}. ${qb}`,
        remedy:
          "Correct what the QuickBooks message names, in QuickBooks or in Costbridge, then retry the export.",
      };
  }
}
