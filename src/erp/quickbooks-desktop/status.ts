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
  | { kind: "estimate"; refNumber: string }
  | { kind: "vendor"; name: string }
  | { kind: "purchase_order"; refNumber: string };

export type StatusClass =
  | { kind: "rejected"; code: string; message: string; remedy: string }
  | { kind: "retryable"; code: string; message: string };

export const REMEDY_ESTIMATES_OFF =
  "In QuickBooks Desktop, signed in as the Admin user, turn on estimates (Edit › Preferences › Jobs & Estimates › " +
  "Company Preferences › Do you create estimates? Yes), then retry the export.";

export const REMEDY_PURCHASE_ORDERS_OFF =
  "In QuickBooks Desktop, signed in as the Admin user, turn on purchase orders (Edit › Preferences › Items & " +
  "Inventory › Company Preferences › Inventory and purchase orders are active), then retry the export.";

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
    case "vendor":
      return `the vendor "${subject.name}"`;
    case "purchase_order":
      return `the purchase order ${subject.refNumber}`;
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
    case "vendor":
      return `Shorten the vendor's name in Costbridge${limitNote}, or link the vendor to an existing QuickBooks vendor, then retry.`;
    case "purchase_order":
      return `Shorten the commitment's number${limitNote}, then retry.`;
    default:
      return `Correct it in QuickBooks${limitNote}, then retry.`;
  }
}

/** The field a 3070 names (`The string "…" in the field "Name" is too long.`), with its limit in words. */
function tooLongField(statusMessage: string, subject: StatusSubject): { field: string; limit: string } {
  const field = /in the field "([^"]+)"/.exec(statusMessage)?.[1] ?? "";
  switch (field) {
    case "Name":
      return subject.kind === "item"
        ? { field: "the item name", limit: "31 characters for an item name" }
        : subject.kind === "vendor"
          ? { field: "the name", limit: "41 characters for a vendor name" }
          : { field: "the name", limit: "41 characters for a customer or job name" };
    case "FullName":
      return { field: "the full name", limit: "159 characters for a full name (Parent:Job)" };
    case "RefNumber":
      return { field: "the reference number", limit: "11 characters for a reference number" };
    case "Memo":
      return { field: "the memo", limit: "4,095 characters for a memo" };
    case "Desc":
      return { field: "a description", limit: "4,095 characters for a description" };
    default:
      return {
        field: field ? `the field ${field}` : "a field",
        limit: "41 characters for a customer or job name, 31 for an item name, 11 for a reference number",
      };
  }
}

/** The list a 3140 names (`…invalid reference to QuickBooks Item "…"…`) and whether the record is inactive. */
function badReference(statusMessage: string): { list: string; inactive: boolean } {
  const list = /invalid reference to QuickBooks ([A-Za-z ]+?) "/.exec(statusMessage)?.[1] ?? "";
  return { list, inactive: /inactive/i.test(statusMessage) };
}

/** QuickBooks refuses writes dated on or before the company's closing date (a closed period). */
function isClosedPeriod(statusMessage: string): boolean {
  return /closing date|closed period|period is closed/i.test(statusMessage);
}

function referenceRemedy(list: string, inactive: boolean, subject: StatusSubject): string {
  switch (list) {
    case "Item":
      return inactive
        ? `Make the item active again in QuickBooks (Lists › Item List › Include inactive), or map ${subject.kind === "item" ? `cost code ${subject.costCode}` : "the cost code"} to another service item in ERP Integrations, then retry.`
        : "Map the cost code to an existing QuickBooks service item in ERP Integrations (or turn on creating missing items), then retry.";
    case "Customer":
      return inactive
        ? "Make the customer or job active again in QuickBooks (Customer Center › Include inactive), then retry."
        : "Link the project to an existing QuickBooks job (or clear the link so Costbridge adds it), then retry.";
    case "Class":
      return inactive
        ? "Make the class active again in QuickBooks (Lists › Class List), or turn off classes in the ERP settings, then retry."
        : "Add the class in QuickBooks (Lists › Class List) with the category's name, or turn off classes in the ERP settings, then retry.";
    case "Account":
      return "Make an income account active in QuickBooks (Chart of Accounts), then retry.";
    case "Vendor":
      return inactive
        ? "Make the vendor active again in QuickBooks (Vendor Center › Include inactive), then retry."
        : "Link the Costbridge vendor to an existing QuickBooks vendor (or clear the link so Costbridge finds or adds it), then retry.";
    case "Sales Tax Code":
      return 'Make the sales tax code "Non" active in QuickBooks (Lists › Sales Tax Code List), then retry.';
    default:
      return "Make the record active in QuickBooks (or map the cost code to another item), then retry.";
  }
}

export function classifyStatus(code: string, statusMessage: string, subject: StatusSubject): StatusClass {
  const qb = `QuickBooks Desktop: ${statusMessage} (statusCode ${code})`;
  if (isClosedPeriod(statusMessage)) {
    return {
      kind: "rejected",
      code: "closed_period",
      message: `QuickBooks Desktop refused ${what(subject)} because its date falls in a closed period. ${qb}`,
      remedy:
        "Ask the QuickBooks Admin to move the closing date (Company › Set Closing Date) or to enter the closing-date password, then retry the export.",
    };
  }
  switch (code) {
    case "3070": {
      const { field, limit } = tooLongField(statusMessage, subject);
      return {
        kind: "rejected",
        code: "name_too_long",
        message: `QuickBooks Desktop found ${field} too long while writing ${what(subject)}. ${qb}`,
        remedy: nameRemedy(subject, ` (QuickBooks Desktop allows ${limit})`),
      };
    }
    case "3100":
      return {
        kind: "rejected",
        code: "name_in_use",
        message: `QuickBooks Desktop already uses the name of ${what(subject)} for another list element (a vendor, employee, other name or an item of another type). ${qb}`,
        remedy:
          subject.kind === "item"
            ? `Rename the other QuickBooks item, or map cost code ${subject.costCode} to an existing service item in Costbridge, then retry.`
            : subject.kind === "vendor"
              ? "Rename the other QuickBooks record (names are shared by customers, vendors, employees and other names), or link the Costbridge vendor to the QuickBooks vendor in ERP Integrations › Mappings, then retry."
              : "Rename the other QuickBooks record (names are shared by customers, vendors, employees and other names), or link the project to an existing job, then retry.",
      };
    case "3140": {
      const { list, inactive } = badReference(statusMessage);
      const named =
        list === "Customer"
          ? "customer or job"
          : list === ""
            ? "customer, job, item, class or account"
            : list.toLowerCase();
      return {
        kind: "rejected",
        code: inactive ? "inactive_in_quickbooks" : "invalid_reference",
        message: `QuickBooks Desktop refused a reference to a${/^[aeiou]/.test(named) ? "n" : ""} ${named} that is ${inactive ? "inactive" : "missing or inactive"} while writing ${what(subject)}. ${qb}`,
        remedy: referenceRemedy(list, inactive, subject),
      };
    }
    case "3200":
      return {
        kind: "rejected",
        code: "changed_in_quickbooks",
        message: `${what(subject)} kept changing in QuickBooks while Costbridge wrote it. ${qb}`,
        remedy: REMEDY_CHANGED_IN_QUICKBOOKS,
      };
    case "3250":
      return subject.kind === "purchase_order" || subject.kind === "vendor"
        ? {
            kind: "rejected",
            code: "purchase_orders_disabled",
            message: `Purchase orders are turned off in this QuickBooks Desktop company file. ${qb}`,
            remedy: REMEDY_PURCHASE_ORDERS_OFF,
          }
        : {
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
        message: `QuickBooks Desktop no longer has a record ${what(subject)} refers to. ${qb}`,
        remedy:
          subject.kind === "item"
            ? `Map cost code ${subject.costCode} to an existing QuickBooks service item in ERP Integrations (or turn on creating missing items), then retry.`
            : subject.kind === "job" || subject.kind === "parent_customer"
              ? "Link the project to an existing QuickBooks job or choose another parent customer, then retry."
              : subject.kind === "purchase_order"
                ? "Retry the export to write the purchase order again, or Reject the commitment to hand it back."
                : subject.kind === "vendor"
                  ? "Link the vendor to an existing QuickBooks vendor (or clear the link so Costbridge finds or adds it), then retry."
                  : "Retry the export to write the estimate again, or Reject the budget to hand it back.",
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
          "Open the record in QuickBooks Desktop and resolve the problem QuickBooks reports, or change the budget in Costbridge, then retry the export.",
      };
  }
}
