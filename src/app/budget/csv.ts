import type { AppContext } from "../context.js";
import { AppError } from "../errors.js";
import type { Actor } from "../membership.js";
import { type ImportRowInput, type ImportRowResult, importLines } from "./import-lines.js";
import { getBudget } from "./queries.js";

/** Columns of an import; an exported file's derived columns are accepted and ignored, so it imports back. */
export const IMPORT_COLUMNS = ["cost_code", "category", "original_budget"] as const;
export const EXPORT_COLUMNS = [
  "cost_code",
  "category",
  "original_budget",
  "budget_changes",
  "revised_estimate",
] as const;
const IGNORED_COLUMNS = new Set(["budget_changes", "revised_estimate"]);
export const MAX_IMPORT_ROWS = 5000;

const FIELD_COLUMN: Record<string, string> = {
  costCode: "cost_code",
  category: "category",
  originalBudget: "original_budget",
};

function invalidCsv(message: string): AppError {
  return new AppError("invalid_csv", message, { field: "body" });
}

/** A field longer than any column of an import can hold (the longest, a cost code, is 100 characters). */
export const MAX_FIELD_LENGTH = 10_000;

/** Far more fields than an import has columns (five at most). */
const MAX_FIELDS = 100;

export class CsvTooLarge extends Error {}

/**
 * RFC 4180 records: comma-separated, fields optionally in double quotes (a quote inside doubled), CRLF or LF line
 * ends, quoted fields may span lines. Returns each record with the spreadsheet row it starts on. Blank lines are
 * skipped without being kept. Bounded: past `maxRecords` records (or a field past `maxField` characters) it stops
 * at once with CsvTooLarge instead of reading on.
 */
export function parseCsv(
  text: string,
  limits: { maxRecords?: number; maxField?: number } = {},
): { row: number; fields: string[] }[] {
  const maxRecords = limits.maxRecords ?? Number.POSITIVE_INFINITY;
  const maxField = limits.maxField ?? Number.POSITIVE_INFINITY;
  const records: { row: number; fields: string[] }[] = [];
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0; // Excel writes a byte-order mark.
  let line = 1;
  let fields: string[] = [];
  let field = "";
  let recordLine = 1;
  let quoted = false;
  let fieldStarted = false;
  let closedQuote = false;
  const endField = () => {
    if (field.length > maxField) {
      throw new CsvTooLarge(`Row ${recordLine} has a field longer than ${maxField} characters.`);
    }
    if (fields.length >= MAX_FIELDS)
      throw new CsvTooLarge(`Row ${recordLine} has more than ${MAX_FIELDS} fields.`);
    fields.push(field);
    field = "";
    fieldStarted = false;
    closedQuote = false;
  };
  const endRecord = () => {
    endField();
    // Blank lines (a trailing newline, an empty line between rows) carry nothing.
    if (!(fields.length === 1 && fields[0] === "")) {
      if (records.length >= maxRecords) throw new CsvTooLarge(`More than ${maxRecords} records.`);
      records.push({ row: recordLine, fields });
    }
    fields = [];
  };
  for (; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i++;
        } else {
          quoted = false;
          closedQuote = true;
        }
      } else {
        if (c === "\n") line++;
        field += c;
      }
      continue;
    }
    if (c === '"') {
      if (fieldStarted || field.length > 0) {
        throw invalidCsv(
          `Row ${recordLine}: a quote may only start a field; double it inside a quoted field.`,
        );
      }
      quoted = true;
      fieldStarted = true;
    } else if (c === ",") {
      endField();
    } else if (c === "\r" && text[i + 1] === "\n") {
      // CRLF: the LF ends the record.
    } else if (c === "\n" || c === "\r") {
      // A blank line ends nothing: skipped without building a record.
      if (fields.length > 0 || field.length > 0 || fieldStarted) endRecord();
      line++;
      recordLine = line;
    } else {
      if (closedQuote) throw invalidCsv(`Row ${recordLine}: text after a closing quote.`);
      field += c;
    }
  }
  if (quoted) throw invalidCsv(`Row ${recordLine}: a quoted field is never closed.`);
  if (field.length > 0 || fields.length > 0 || fieldStarted) endRecord();
  return records;
}

/** The header and rows of an import file, or 400 `invalid_csv` when the file itself cannot be read. */
export function readImportFile(text: string | undefined): {
  rows: ImportRowInput[];
  malformed: ImportRowResult[];
} {
  if (!text || text.trim() === "") {
    throw invalidCsv(`The file is empty; send CSV with the header ${IMPORT_COLUMNS.join(",")}.`);
  }
  let parsed: ReturnType<typeof parseCsv>;
  try {
    // The header and the cap's rows; the row after them stops the reading and refuses the file.
    parsed = parseCsv(text, { maxRecords: MAX_IMPORT_ROWS + 1, maxField: MAX_FIELD_LENGTH });
  } catch (e) {
    if (!(e instanceof CsvTooLarge)) throw e;
    throw invalidCsv(
      e.message.startsWith("More than")
        ? `The file has more than ${MAX_IMPORT_ROWS} rows; import at most ${MAX_IMPORT_ROWS} at a time.`
        : e.message,
    );
  }
  const [header, ...records] = parsed;
  if (!header) throw invalidCsv(`The file has no header; the first row must be ${IMPORT_COLUMNS.join(",")}.`);
  const names = header.fields.map((f) => f.trim().toLowerCase());
  const index = new Map<string, number>();
  for (const [i, name] of names.entries()) {
    if (!(IMPORT_COLUMNS as readonly string[]).includes(name) && !IGNORED_COLUMNS.has(name)) {
      throw invalidCsv(`Unknown column "${header.fields[i]}"; the header is ${IMPORT_COLUMNS.join(",")}.`);
    }
    if (index.has(name)) throw invalidCsv(`The column ${name} appears twice in the header.`);
    index.set(name, i);
  }
  const missing = IMPORT_COLUMNS.filter((c) => !index.has(c));
  if (missing.length > 0) {
    throw invalidCsv(`The header lacks ${missing.join(", ")}; it must be ${IMPORT_COLUMNS.join(",")}.`);
  }
  if (records.length === 0) throw invalidCsv("The file has a header but no rows.");
  const rows: ImportRowInput[] = [];
  const malformed: ImportRowResult[] = [];
  for (const r of records) {
    if (r.fields.length !== names.length) {
      malformed.push({
        row: r.row,
        ok: false,
        error: {
          code: "invalid_csv",
          message: `Row ${r.row} has ${r.fields.length} fields; the header has ${names.length}.`,
        },
      });
      continue;
    }
    const at = (c: (typeof IMPORT_COLUMNS)[number]) => r.fields[index.get(c)!]!;
    // Codes are trimmed as people type them; the amount is left exactly as written for the strict parser.
    rows.push({
      row: r.row,
      costCode: at("cost_code").trim(),
      category: at("category").trim(),
      originalBudget: at("original_budget"),
    });
  }
  return { rows, malformed };
}

/** POST …/budget/import: checks every row, and writes them all (one transaction) or nothing. */
export async function importBudgetCsv(
  ctx: AppContext,
  actor: Actor,
  scope: { companyId: string; projectId: string },
  text: string | undefined,
  opts: { dryRun: boolean },
): Promise<{ rows: ImportRowResult[]; applied: number }> {
  const { rows, malformed } = readImportFile(text);
  // With a malformed row nothing is written, but the other rows are still checked so the reply lists them all.
  const result = await importLines(ctx, actor, scope, rows, {
    dryRun: opts.dryRun || malformed.length > 0,
  });
  const all = [...result.rows, ...malformed]
    .map((r) =>
      r.error?.field && FIELD_COLUMN[r.error.field]
        ? { ...r, error: { ...r.error, field: FIELD_COLUMN[r.error.field]! } }
        : r,
    )
    .sort((a, b) => a.row - b.row);
  return { rows: all, applied: result.applied };
}

// A cell starting with one of these is run as a formula by spreadsheets; a leading apostrophe keeps it text.
const FORMULA_START = /^[=+\-@\t\r]/;

function csvField(value: string, isText: boolean): string {
  const safe = isText && FORMULA_START.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

export function formatBudgetCsv(
  lines: readonly {
    costCode: string;
    category: string;
    originalBudget: string;
    budgetChanges: string;
    revisedEstimate: string;
  }[],
): string {
  const out = [EXPORT_COLUMNS.join(",")];
  for (const l of lines) {
    out.push(
      [
        csvField(l.costCode, true),
        csvField(l.category, true),
        csvField(l.originalBudget, false),
        csvField(l.budgetChanges, false),
        csvField(l.revisedEstimate, false),
      ].join(","),
    );
  }
  return `${out.join("\r\n")}\r\n`;
}

/** GET …/budget/export.csv: the lines as the budget page shows them, named after the project. */
export async function exportBudgetCsv(
  ctx: AppContext,
  actor: Actor,
  companyId: string,
  projectId: string,
): Promise<{ filename: string; body: string }> {
  const budget = await getBudget(ctx, actor, companyId, projectId);
  const safeNumber = budget.project.number.replace(/[^A-Za-z0-9._-]+/g, "_");
  return { filename: `budget-${safeNumber}.csv`, body: formatBudgetCsv(budget.lines) };
}
