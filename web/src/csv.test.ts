import { describe, expect, it } from "vitest";
import { parseCsvRecords, previewRows } from "./csv.js";

describe("parseCsvRecords", () => {
  it("reads quoted fields with commas, doubled quotes and line breaks, keeping each record's row", () => {
    const text = '\uFEFFa,b\r\n"x, y","say ""hi"""\r\n"two\nlines",z\n\n1,2';
    expect(parseCsvRecords(text)).toEqual([
      { row: 1, fields: ["a", "b"] },
      { row: 2, fields: ["x, y", 'say "hi"'] },
      { row: 3, fields: ["two\nlines", "z"] },
      { row: 6, fields: ["1", "2"] },
    ]);
  });
});

describe("previewRows", () => {
  it("maps columns by their header names in any order", () => {
    const rows = previewRows("original_budget,category,cost_code\n1250.00,L,01-100\n,M,03-300\n");
    expect(rows).toEqual([
      { row: 2, costCode: "01-100", category: "L", originalBudget: "1250.00" },
      { row: 3, costCode: "03-300", category: "M", originalBudget: "" },
    ]);
  });

  it("gives nothing for an empty file", () => {
    expect(previewRows("")).toEqual([]);
  });
});
