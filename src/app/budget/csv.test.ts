import { describe, expect, it } from "vitest";
import { AppError } from "../errors.js";
import { CsvTooLarge, formatBudgetCsv, MAX_IMPORT_ROWS, parseCsv, readImportFile } from "./csv.js";

describe("parseCsv bounds", () => {
  it("skips blank lines without keeping them and stops one record past the cap", () => {
    expect(parseCsv(`a\n${"\n".repeat(100_000)}b\n`, { maxRecords: 2 })).toHaveLength(2);
    expect(() => parseCsv("a\nb\nc\n", { maxRecords: 2 })).toThrow(CsvTooLarge);
  });

  it("refuses an overlong field and a row of too many fields", () => {
    expect(() => parseCsv(`a,${"x".repeat(11)}\n`, { maxField: 10 })).toThrow(/longer than 10/);
    expect(() => parseCsv(`${",".repeat(1000)}\n`)).toThrow(/more than 100 fields/);
  });

  it("tells an import of too many rows without reading past the cap", () => {
    const text = `cost_code,category,original_budget\n${"01-100,L,1\n".repeat(MAX_IMPORT_ROWS + 1)}`;
    expect(() => readImportFile(text)).toThrow(/more than 5000 rows/);
    const exactly = `cost_code,category,original_budget\n${"01-100,L,1\n".repeat(MAX_IMPORT_ROWS)}`;
    expect(readImportFile(exactly).rows).toHaveLength(MAX_IMPORT_ROWS);
  });
});

describe("parseCsv (RFC 4180)", () => {
  it("reads quoted fields with commas, doubled quotes and line breaks, CRLF or LF, and a byte-order mark", () => {
    const text = '\ufeffa,b\r\n"1,5","say ""hi"""\n"two\nlines",x\n\n';
    expect(parseCsv(text)).toEqual([
      { row: 1, fields: ["a", "b"] },
      { row: 2, fields: ["1,5", 'say "hi"'] },
      { row: 3, fields: ["two\nlines", "x"] },
    ]);
  });

  it("numbers rows as the file's lines, skipping blank ones", () => {
    expect(parseCsv("h\n\nx\ny").map((r) => r.row)).toEqual([1, 3, 4]);
  });

  it("keeps empty fields", () => {
    expect(parseCsv("a,,c\n,\n")).toEqual([
      { row: 1, fields: ["a", "", "c"] },
      { row: 2, fields: ["", ""] },
    ]);
  });

  for (const bad of ['a,"b', 'a,"b"c', 'a,b"c"']) {
    it(`refuses ${JSON.stringify(bad)} as invalid_csv`, () => {
      expect(() => parseCsv(bad)).toThrow(AppError);
      try {
        parseCsv(bad);
      } catch (e) {
        expect((e as AppError).code).toBe("invalid_csv");
      }
    });
  }
});

describe("readImportFile", () => {
  it("accepts the columns in any order, trims codes, keeps amounts as written", () => {
    const { rows, malformed } = readImportFile("Original_Budget,category,cost_code\n 10.00 , L ,03-300 \n");
    expect(malformed).toEqual([]);
    expect(rows).toEqual([{ row: 2, costCode: "03-300", category: "L", originalBudget: " 10.00 " }]);
  });

  it("reports a row with the wrong number of fields without stopping", () => {
    const { rows, malformed } = readImportFile("cost_code,category,original_budget\n03-300,L\n03-300,M,1\n");
    expect(rows).toHaveLength(1);
    expect(malformed).toEqual([
      { row: 2, ok: false, error: { code: "invalid_csv", message: expect.stringMatching(/2 fields/) } },
    ]);
  });

  it("refuses unknown and repeated columns", () => {
    expect(() => readImportFile("cost_code,category,original_budget,notes\n")).toThrow(/Unknown column/);
    expect(() => readImportFile("cost_code,cost_code,category,original_budget\n")).toThrow(/twice/);
  });
});

describe("formatBudgetCsv", () => {
  it("quotes what needs quoting and keeps spreadsheet formulas out of text cells", () => {
    const csv = formatBudgetCsv([
      {
        costCode: "=1+1",
        category: 'A,"B"',
        originalBudget: "-5.00",
        budgetChanges: "0.00",
        revisedEstimate: "-5.00",
      },
    ]);
    expect(csv).toBe(
      'cost_code,category,original_budget,budget_changes,revised_estimate\r\n\'=1+1,"A,""B""",-5.00,0.00,-5.00\r\n',
    );
  });
});
