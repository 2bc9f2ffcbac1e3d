/**
 * Reads CSV for the import preview only (the server checks and writes): RFC 4180 fields, optional double quotes
 * with doubled quotes inside, CRLF or LF, a leading byte-order mark. Blank lines are dropped; each record keeps
 * the spreadsheet row it starts on, so the preview lines up with the server's row numbers.
 */
export function parseCsvRecords(text: string): { row: number; fields: string[] }[] {
  const records: { row: number; fields: string[] }[] = [];
  let fields: string[] = [];
  let field = "";
  let quoted = false;
  let line = 1;
  let start = 1;
  const endRecord = () => {
    fields.push(field);
    if (!(fields.length === 1 && fields[0] === "")) records.push({ row: start, fields });
    fields = [];
    field = "";
  };
  for (let i = text.charCodeAt(0) === 0xfeff ? 1 : 0; i < text.length; i++) {
    const c = text[i] as string;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else {
        if (c === "\n") line++;
        field += c;
      }
    } else if (c === '"') quoted = true;
    else if (c === ",") {
      fields.push(field);
      field = "";
    } else if (c === "\r" && text[i + 1] === "\n") {
      // The LF ends the record.
    } else if (c === "\n" || c === "\r") {
      endRecord();
      line++;
      start = line;
    } else field += c;
  }
  if (field !== "" || fields.length > 0) endRecord();
  return records;
}

export interface PreviewRow {
  row: number;
  costCode: string;
  category: string;
  originalBudget: string;
}

/** The rows of an import file by column name (as the header names them), for showing next to the server's verdict. */
export function previewRows(text: string): PreviewRow[] {
  const [header, ...records] = parseCsvRecords(text);
  if (!header) return [];
  const names = header.fields.map((f) => f.trim().toLowerCase());
  const at = (fields: string[], name: string) => {
    const index = names.indexOf(name);
    return index >= 0 ? (fields[index] ?? "").trim() : "";
  };
  return records.map((r) => ({
    row: r.row,
    costCode: at(r.fields, "cost_code"),
    category: at(r.fields, "category"),
    originalBudget: at(r.fields, "original_budget"),
  }));
}
