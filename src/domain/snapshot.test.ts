import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { aBudget, aChange, aLine, exported } from "../../test/support/domain.js";
import { type Budget, budgetTotals, deriveLines } from "./budget.js";
import { MAX_AMOUNT_MINOR } from "./money.js";
import { changedLines, hasSomethingNewToSend, takeSnapshot } from "./snapshot.js";

const concrete = aLine("l1", "03-300", "L", 100_000n);
const steel = aLine("l2", "05-100", "M", 50_000n);
const locked = aBudget({ locked: true, lines: [steel, concrete] });

describe("taking a submission snapshot (docs/product.md §snapshot, §erp-details)", () => {
  it("first send: every line with previously exported 0 and delta = revised estimate", () => {
    const budget = { ...locked, changes: [aChange("c1", 1, "approved", [["l1", 2_000n]])] };
    const snapshot = takeSnapshot(budget);
    expect(snapshot.lines).toEqual([
      {
        lineId: "l1",
        costCode: "03-300",
        costCodeDescription: "Description of 03-300",
        category: "L",
        original: 100_000n,
        budgetChanges: 2_000n,
        revisedEstimate: 102_000n,
        previouslyExported: 0n,
        delta: 102_000n,
      },
      {
        lineId: "l2",
        costCode: "05-100",
        costCodeDescription: "Description of 05-100",
        category: "M",
        original: 50_000n,
        budgetChanges: 0n,
        revisedEstimate: 50_000n,
        previouslyExported: 0n,
        delta: 50_000n,
      },
    ]);
    expect(snapshot.changeIds).toEqual(["c1"]);
    expect(snapshot.totals).toEqual({
      original: 150_000n,
      budgetChanges: 2_000n,
      revisedEstimate: 152_000n,
      previouslyExported: 0n,
      delta: 152_000n,
    });
  });

  it("re-send: previously exported is the last exported revised estimate; new lines start from 0", () => {
    const synced = exported(locked);
    const budget: Budget = {
      ...synced,
      lines: [...synced.lines, aLine("l3", "09-900", "O", 0n)],
      changes: [
        aChange("c1", 1, "approved", [
          ["l1", -10_000n],
          ["l3", 4_000n],
        ]),
      ],
    };
    const snapshot = takeSnapshot(budget);
    expect(snapshot.lines.map((l) => [l.lineId, l.revisedEstimate, l.previouslyExported, l.delta])).toEqual([
      ["l1", 90_000n, 100_000n, -10_000n],
      ["l2", 50_000n, 50_000n, 0n],
      ["l3", 4_000n, 0n, 4_000n],
    ]);
    expect(snapshot.totals.delta).toBe(-6_000n);
    expect(snapshot.totals.previouslyExported).toBe(150_000n);
    expect(changedLines(snapshot).map((l) => l.lineId)).toEqual(["l1", "l3"]);
  });

  it("orders lines by cost code then category, whatever order they were loaded in", () => {
    const budget = aBudget({
      lines: [
        aLine("a", "10", "M", 1n),
        aLine("b", "02", "S", 1n),
        aLine("c", "10", "E", 1n),
        aLine("d", "02", "L", 1n),
      ],
    });
    expect(takeSnapshot(budget).lines.map((l) => `${l.costCode}${l.category}`)).toEqual([
      "02L",
      "02S",
      "10E",
      "10M",
    ]);
  });

  it("only approved changes are counted and listed", () => {
    const budget = {
      ...locked,
      changes: [
        aChange("d", 1, "draft", [["l1", 1n]]),
        aChange("v", 2, "void", [["l1", 1n]]),
        aChange("a", 3, "approved", [["l2", 1n]]),
      ],
    };
    const snapshot = takeSnapshot(budget);
    expect(snapshot.changeIds).toEqual(["a"]);
    expect(snapshot.totals.budgetChanges).toBe(1n);
  });

  it("an exported line missing from the budget is corrupt data, not a user error", () => {
    const synced = exported(locked);
    expect(() => takeSnapshot({ ...synced, lines: [concrete] })).toThrow(/l2/);
  });
});

describe("rule 1: something new to send", () => {
  it("a never-exported budget with a non-zero line has something to send", () => {
    expect(hasSomethingNewToSend(locked)).toBe(true);
  });

  it("a never-exported budget whose lines are all $0 has nothing to send", () => {
    expect(hasSomethingNewToSend(aBudget({ lines: [aLine("l1", "03-300", "L", 0n)] }))).toBe(false);
    expect(hasSomethingNewToSend(aBudget())).toBe(false);
  });

  it("right after an export there is nothing new", () => {
    expect(hasSomethingNewToSend(exported(locked))).toBe(false);
  });

  it("no $0 change workaround: a $0 approved change or a new $0 line is not something new", () => {
    const synced = exported(locked);
    expect(hasSomethingNewToSend({ ...synced, changes: [aChange("c1", 1, "approved", [["l1", 0n]])] })).toBe(
      false,
    );
    expect(
      hasSomethingNewToSend({ ...synced, lines: [...synced.lines, aLine("l3", "09-900", "O", 0n)] }),
    ).toBe(false);
  });

  it("changes that cancel out on one line are not something new; on two lines they are", () => {
    const synced = exported(locked);
    const cancelled = [
      aChange("c1", 1, "approved", [["l1", 500n]]),
      aChange("c2", 2, "approved", [["l1", -500n]]),
    ];
    expect(hasSomethingNewToSend({ ...synced, changes: cancelled })).toBe(false);
    const moved = [
      aChange("c1", 1, "approved", [
        ["l1", 500n],
        ["l2", -500n],
      ]),
    ];
    expect(hasSomethingNewToSend({ ...synced, changes: moved })).toBe(true);
  });
});

describe("property: snapshot totals", () => {
  const amount = fc.bigInt({ min: -MAX_AMOUNT_MINOR, max: MAX_AMOUNT_MINOR });

  it("each total is the sum of its column; delta = revised − previously exported; matches the budget totals", () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.bigInt({ min: 0n, max: MAX_AMOUNT_MINOR }), amount, fc.option(amount)), {
          minLength: 0,
          maxLength: 8,
        }),
        (rows) => {
          const lines = rows.map(([original], i) => aLine(`l${i}`, `C${i}`, "L", original));
          const changes = rows.map(([, adjustment], i) =>
            aChange(`c${i}`, i + 1, "approved", [[`l${i}`, adjustment]]),
          );
          const lastExported = {
            lines: rows.flatMap(([, , previous], i) =>
              previous === null ? [] : [{ lineId: `l${i}`, revisedEstimate: previous }],
            ),
            changeIds: [],
          };
          const budget = aBudget({ locked: true, lines, changes, lastExported });
          const snapshot = takeSnapshot(budget);
          const sum = (pick: (l: (typeof snapshot.lines)[number]) => bigint) =>
            snapshot.lines.reduce((acc, l) => acc + pick(l), 0n);
          expect(snapshot.totals.original).toBe(sum((l) => l.original));
          expect(snapshot.totals.budgetChanges).toBe(sum((l) => l.budgetChanges));
          expect(snapshot.totals.revisedEstimate).toBe(sum((l) => l.revisedEstimate));
          expect(snapshot.totals.previouslyExported).toBe(sum((l) => l.previouslyExported));
          expect(snapshot.totals.delta).toBe(
            snapshot.totals.revisedEstimate - snapshot.totals.previouslyExported,
          );
          for (const line of snapshot.lines)
            expect(line.delta).toBe(line.revisedEstimate - line.previouslyExported);
          const budgetSums = budgetTotals(deriveLines(budget));
          expect(snapshot.totals.revisedEstimate).toBe(budgetSums.revisedEstimate);
          expect(hasSomethingNewToSend(budget)).toBe(snapshot.lines.some((l) => l.delta !== 0n));
        },
      ),
    );
  });

  it("exporting a snapshot makes it the baseline: the next snapshot has zero delta everywhere", () => {
    fc.assert(
      fc.property(fc.array(fc.bigInt({ min: 0n, max: MAX_AMOUNT_MINOR }), { maxLength: 8 }), (originals) => {
        const budget = aBudget({
          locked: true,
          lines: originals.map((o, i) => aLine(`l${i}`, `C${i}`, "L", o)),
        });
        const next = takeSnapshot(exported(budget));
        expect(next.totals.delta).toBe(0n);
        expect(next.totals.previouslyExported).toBe(next.totals.revisedEstimate);
        expect(changedLines(next)).toEqual([]);
      }),
    );
  });
});
