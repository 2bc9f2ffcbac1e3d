import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { aBudget, aChange, aLine, aSubmission, exported } from "../../test/support/domain.js";
import {
  addLine,
  approveChange,
  type Budget,
  budgetRibbon,
  budgetState,
  budgetTotals,
  createChange,
  deleteDraftChange,
  deleteLine,
  deriveLines,
  isChangeExported,
  isFrozen,
  isLineExported,
  isLockedAfterReject,
  lockBudget,
  matchesLastExport,
  nextChangeNumber,
  sendButton,
  unlockBudget,
  updateDraftChange,
  updateLineOriginal,
  voidChange,
} from "./budget.js";
import { decideTransition, type SubmissionCommand } from "./lifecycle.js";
import { MAX_AMOUNT_MINOR } from "./money.js";
import { evaluateSend, type SendFacts } from "./send-rules.js";
import { hasSomethingNewToSend, type SubmissionSnapshot, takeSnapshot } from "./snapshot.js";

const concrete = aLine("l1", "03-300", "L", 100_000n);
const steel = aLine("l2", "05-100", "M", 50_000n);
const twoLines = aBudget({ lines: [concrete, steel] });
const lockedTwo = aBudget({ lines: [concrete, steel], locked: true });

function errorCode(result: { ok: boolean; error?: { code: string } }): string | undefined {
  return result.ok ? undefined : result.error?.code;
}

describe("derived amounts (docs/product.md §derived-amounts)", () => {
  const budget = aBudget({
    locked: true,
    lines: [concrete, steel],
    changes: [
      aChange("c1", 1, "approved", [
        ["l1", 2_500n],
        ["l2", -1_000n],
      ]),
      aChange("c2", 2, "approved", [["l1", -500n]]),
      aChange("c3", 3, "draft", [["l1", 99_999n]]),
      aChange("c4", 4, "void", [["l2", 77_777n]]),
    ],
  });

  it("budgetChanges sums only approved adjustments; revisedEstimate = original + budgetChanges", () => {
    const [a, b] = deriveLines(budget);
    expect(a).toMatchObject({
      id: "l1",
      original: 100_000n,
      budgetChanges: 2_000n,
      revisedEstimate: 102_000n,
    });
    expect(b).toMatchObject({
      id: "l2",
      original: 50_000n,
      budgetChanges: -1_000n,
      revisedEstimate: 49_000n,
    });
  });

  it("totals add up every column", () => {
    expect(budgetTotals(deriveLines(budget))).toEqual({
      original: 150_000n,
      budgetChanges: 1_000n,
      revisedEstimate: 151_000n,
    });
    expect(budgetTotals([])).toEqual({ original: 0n, budgetChanges: 0n, revisedEstimate: 0n });
  });

  it("a line is `exported` once it appeared in an exported submission", () => {
    const synced = exported(lockedTwo);
    const withNew = addLine(synced, { ...aLine("l3", "09-900", "O", 0n) });
    expect(withNew.ok).toBe(true);
    if (!withNew.ok) return;
    expect(deriveLines(withNew.value.budget).map((l) => [l.id, l.exported])).toEqual([
      ["l1", true],
      ["l2", true],
      ["l3", false],
    ]);
    expect(isLineExported(withNew.value.budget, "l3")).toBe(false);
  });

  it("property: per line and in total, revised = original + changes, whatever the changes", () => {
    const amount = fc.bigInt({ min: -MAX_AMOUNT_MINOR, max: MAX_AMOUNT_MINOR });
    const status = fc.constantFrom("draft", "approved", "void") as fc.Arbitrary<
      "draft" | "approved" | "void"
    >;
    fc.assert(
      fc.property(
        fc.array(fc.bigInt({ min: 0n, max: MAX_AMOUNT_MINOR }), { minLength: 1, maxLength: 6 }),
        fc.array(fc.tuple(status, fc.array(fc.tuple(fc.nat(), amount), { maxLength: 4 })), { maxLength: 6 }),
        (originals, changes) => {
          const lines = originals.map((o, i) => aLine(`l${i}`, `C${i}`, "L", o));
          const budget = aBudget({
            locked: true,
            lines,
            changes: changes.map(([s, adjustments], i) =>
              aChange(
                `c${i}`,
                i + 1,
                s,
                adjustments.map(([n, a]) => [`l${n % lines.length}`, a] as const),
              ),
            ),
          });
          const derived = deriveLines(budget);
          for (const line of derived) expect(line.revisedEstimate).toBe(line.original + line.budgetChanges);
          const totals = budgetTotals(derived);
          expect(totals.revisedEstimate).toBe(totals.original + totals.budgetChanges);
          const approvedSum = budget.changes
            .filter((c) => c.status === "approved")
            .flatMap((c) => c.adjustments)
            .reduce((acc, a) => acc + a.amount, 0n);
          expect(totals.budgetChanges).toBe(approvedSum);
        },
      ),
    );
  });
});

describe("budget state and ribbon (docs/product.md §budget-state)", () => {
  it("unlocked: originals editable, no ribbon", () => {
    expect(budgetState(twoLines)).toBe("unlocked");
    expect(budgetRibbon(twoLines)).toBe("none");
  });

  it("unlocked after a rejection: yellow ribbon", () => {
    const rejected = { ...twoLines, lastSubmission: aSubmission("rejected") };
    expect(budgetState(rejected)).toBe("unlocked");
    expect(budgetRibbon(rejected)).toBe("yellow");
  });

  it("locked, never sent: no ribbon", () => {
    expect(budgetState(lockedTwo)).toBe("locked");
    expect(budgetRibbon(lockedTwo)).toBe("none");
  });

  it.each(["retrieved", "rejected"] as const)("locked after the last submission was %s: yellow", (status) => {
    const budget = { ...lockedTwo, lastSubmission: aSubmission(status) };
    expect(budgetState(budget)).toBe("locked");
    expect(budgetRibbon(budget)).toBe("yellow");
  });

  it.each([
    ["ready_to_export", "awaiting_acceptance", "blue"],
    ["exporting", "exporting", "blue"],
    ["failed", "failed", "red"],
  ] as const)("a %s submission shows %s with a %s ribbon", (status, state, ribbon) => {
    const budget = { ...lockedTwo, lastSubmission: aSubmission(status) };
    expect(budgetState(budget)).toBe(state);
    expect(budgetRibbon(budget)).toBe(ribbon);
    expect(isFrozen(budget)).toBe(true);
  });

  it("synced: exported, read back, and nothing changed since — green", () => {
    const synced = exported(lockedTwo);
    expect(budgetState(synced)).toBe("synced");
    expect(budgetRibbon(synced)).toBe("green");
    expect(matchesLastExport(synced)).toBe(true);
  });

  it("a synced budget that gains an approved change is locked again", () => {
    const synced = exported(lockedTwo);
    const withChange = { ...synced, changes: [aChange("c1", 1, "approved", [["l1", 1_000n]])] };
    expect(budgetState(withChange)).toBe("locked");
    expect(budgetRibbon(withChange)).toBe("none");
  });

  it("a synced budget that gains a new line (even at $0) or a $0 approved change is locked again", () => {
    const synced = exported(lockedTwo);
    expect(budgetState({ ...synced, lines: [...synced.lines, aLine("l3", "09-900", "O", 0n)] })).toBe(
      "locked",
    );
    expect(budgetState({ ...synced, changes: [aChange("c1", 1, "approved", [["l1", 0n]])] })).toBe("locked");
  });

  it("a draft change does not take a budget out of synced", () => {
    const synced = exported(lockedTwo);
    expect(budgetState({ ...synced, changes: [aChange("c1", 1, "draft", [["l1", 5n]])] })).toBe("synced");
  });

  it("an unlocked budget reads unlocked even if it matches QuickBooks", () => {
    const synced = exported(lockedTwo);
    expect(budgetState({ ...synced, locked: false })).toBe("unlocked");
  });

  it("a budget handed back whose new change was voided matches QuickBooks again and reads synced", () => {
    const synced = exported(lockedTwo);
    const budget: Budget = {
      ...synced,
      changes: [aChange("c1", 1, "void", [["l1", 1_000n]])],
      lastSubmission: aSubmission("retrieved", "s2"),
    };
    expect(budgetState(budget)).toBe("synced");
  });
});

describe("rule 2: the ERP button", () => {
  it("reads Send to ERP the first time", () => {
    expect(sendButton(lockedTwo)).toEqual({ label: "Send to ERP", command: "send" });
    expect(sendButton({ ...lockedTwo, lastSubmission: aSubmission("rejected") }).label).toBe("Send to ERP");
    expect(sendButton({ ...lockedTwo, lastSubmission: aSubmission("exporting") }).label).toBe("Send to ERP");
  });

  it("reads Re-send to ERP after an export", () => {
    const synced = exported(lockedTwo);
    expect(sendButton(synced)).toEqual({ label: "Re-send to ERP", command: "send" });
    expect(sendButton({ ...synced, lastSubmission: aSubmission("rejected", "s2") }).label).toBe(
      "Re-send to ERP",
    );
  });

  it("reads Retrieve from ERP while a submission awaits acceptance", () => {
    expect(sendButton({ ...lockedTwo, lastSubmission: aSubmission("ready_to_export") })).toEqual({
      label: "Retrieve from ERP",
      command: "retrieve",
    });
    expect(
      sendButton({ ...exported(lockedTwo), lastSubmission: aSubmission("ready_to_export", "s2") }).label,
    ).toBe("Retrieve from ERP");
  });
});

describe("rule 4: where a rejected budget lands", () => {
  it("never exported and no approved changes: unlocked", () => {
    expect(isLockedAfterReject(lockedTwo)).toBe(false);
    expect(isLockedAfterReject({ ...lockedTwo, changes: [aChange("c1", 1, "draft", [["l1", 5n]])] })).toBe(
      false,
    );
    expect(isLockedAfterReject({ ...lockedTwo, changes: [aChange("c1", 1, "void", [["l1", 5n]])] })).toBe(
      false,
    );
  });

  it("with approved changes: stays locked", () => {
    expect(isLockedAfterReject({ ...lockedTwo, changes: [aChange("c1", 1, "approved", [["l1", 5n]])] })).toBe(
      true,
    );
  });

  it("exported before: stays locked", () => {
    expect(isLockedAfterReject(exported(lockedTwo))).toBe(true);
  });
});

describe("editing lines", () => {
  it("adds a line with its original while unlocked", () => {
    const result = addLine(twoLines, aLine("l3", "09-900", "O", 7_500n));
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.value.line).toEqual(aLine("l3", "09-900", "O", 7_500n));
    expect(result.value.budget.lines).toHaveLength(3);
  });

  it("cost code × category is unique within a budget", () => {
    const result = addLine(twoLines, aLine("l3", "03-300", "L", 1n));
    expect(result).toMatchObject({ ok: false, error: { code: "duplicate_line", details: { lineId: "l1" } } });
    if (!result.ok) expect(result.error.message).toContain("03-300 L");
    expect(addLine(twoLines, aLine("l3", "03-300", "M", 1n)).ok).toBe(true);
  });

  it("a line added after locking has original 0", () => {
    expect(errorCode(addLine(lockedTwo, aLine("l3", "09-900", "O", 1n)))).toBe("budget_locked");
    expect(addLine(lockedTwo, aLine("l3", "09-900", "O", 0n)).ok).toBe(true);
  });

  it("refuses negative or out-of-range originals", () => {
    expect(addLine(twoLines, aLine("l3", "09-900", "O", -1n))).toMatchObject({
      ok: false,
      error: { code: "invalid_amount", field: "originalBudget", details: { reason: "negative" } },
    });
    expect(addLine(twoLines, aLine("l3", "09-900", "O", MAX_AMOUNT_MINOR + 1n))).toMatchObject({
      ok: false,
      error: { code: "invalid_amount", details: { reason: "out_of_range" } },
    });
  });

  it.each(["ready_to_export", "exporting", "failed"] as const)(
    "nothing is added while a submission is %s",
    (status) => {
      const frozen = { ...lockedTwo, lastSubmission: aSubmission(status) };
      expect(errorCode(addLine(frozen, aLine("l3", "09-900", "O", 0n)))).toBe("submission_pending");
      expect(errorCode(updateLineOriginal({ ...frozen, locked: false }, "l1", 5n))).toBe(
        "submission_pending",
      );
      expect(errorCode(deleteLine(frozen, "l1"))).toBe("submission_pending");
    },
  );

  it("originals are editable only while unlocked (docs/product.md §lock-unlock)", () => {
    const edited = updateLineOriginal(twoLines, "l1", 123n);
    expect(edited).toMatchObject({ ok: true, value: { line: { id: "l1", original: 123n } } });
    expect(errorCode(updateLineOriginal(lockedTwo, "l1", 123n))).toBe("budget_locked");
    expect(errorCode(updateLineOriginal(twoLines, "nope", 123n))).toBe("line_not_found");
    expect(errorCode(updateLineOriginal(twoLines, "l1", -5n))).toBe("invalid_amount");
  });

  it("an exported line's original can still be edited after an unlock (it becomes a delta)", () => {
    const unlocked = { ...exported(lockedTwo), locked: false };
    expect(updateLineOriginal(unlocked, "l1", 1n).ok).toBe(true);
  });

  it("deletes a line that was never exported nor used by a change", () => {
    const result = deleteLine(twoLines, "l2");
    expect(result).toMatchObject({ ok: true, value: { line: { id: "l2" } } });
    if (result.ok) expect(result.value.budget.lines.map((l) => l.id)).toEqual(["l1"]);
    expect(errorCode(deleteLine(twoLines, "nope"))).toBe("line_not_found");
  });

  it("rule 10: an exported line cannot be deleted, even at zero and unlocked", () => {
    const zeroed = exported(aBudget({ locked: true, lines: [aLine("l1", "03-300", "L", 0n), steel] }));
    expect(errorCode(deleteLine(zeroed, "l1"))).toBe("line_exported");
    expect(errorCode(deleteLine({ ...zeroed, locked: false }, "l1"))).toBe("line_exported");
  });

  it("a line used by a draft or approved change cannot be deleted; a void one does not count", () => {
    const zeroLine = aLine("l3", "09-900", "O", 0n);
    const base = { ...lockedTwo, lines: [...lockedTwo.lines, zeroLine] };
    const withDraft = { ...base, changes: [aChange("c1", 4, "draft", [["l3", 10n]])] };
    const result = deleteLine(withDraft, "l3");
    expect(result).toMatchObject({ ok: false, error: { code: "line_has_changes" } });
    if (!result.ok) expect(result.error.message).toContain("#4");
    expect(
      errorCode(deleteLine({ ...base, changes: [aChange("c1", 1, "approved", [["l3", 10n]])] }, "l3")),
    ).toBe("line_has_changes");
    expect(deleteLine({ ...base, changes: [aChange("c1", 1, "void", [["l3", 10n]])] }, "l3").ok).toBe(true);
  });

  it("on a locked budget only a $0 line can be deleted (originals are frozen)", () => {
    expect(errorCode(deleteLine(lockedTwo, "l1"))).toBe("budget_locked");
    const withZero = { ...lockedTwo, lines: [...lockedTwo.lines, aLine("l3", "09-900", "O", 0n)] };
    expect(deleteLine(withZero, "l3").ok).toBe(true);
  });
});

describe("budget changes", () => {
  const input = {
    id: "c1",
    description: "  Owner upgrade  ",
    adjustments: [{ lineId: "l1", amount: -2_000n }],
  };

  it("are created as drafts, numbered in sequence, with a trimmed description", () => {
    const first = createChange(lockedTwo, input);
    expect(first).toMatchObject({
      ok: true,
      value: { change: { id: "c1", number: 1, status: "draft", description: "Owner upgrade" } },
    });
    if (!first.ok) return;
    const second = createChange(first.value.budget, { ...input, id: "c2" });
    expect(second).toMatchObject({ ok: true, value: { change: { number: 2 } } });
    expect(nextChangeNumber(aBudget({ changes: [aChange("x", 7, "void", [])] }))).toBe(8);
  });

  it("need a locked budget", () => {
    expect(errorCode(createChange(twoLines, input))).toBe("budget_not_locked");
  });

  it.each(["ready_to_export", "exporting", "failed"] as const)(
    "cannot be created while a submission is %s",
    (status) => {
      expect(errorCode(createChange({ ...lockedTwo, lastSubmission: aSubmission(status) }, input))).toBe(
        "submission_pending",
      );
    },
  );

  it.each([
    [{ description: "  " }, "description_required", "description"],
    [{ description: "x".repeat(1001) }, "description_too_long", "description"],
    [{ adjustments: [] }, "adjustments_required", "adjustments"],
    [{ adjustments: [{ lineId: "ghost", amount: 1n }] }, "unknown_line", "adjustments[0].lineId"],
    [
      {
        adjustments: [
          { lineId: "l1", amount: 1n },
          { lineId: "l1", amount: 2n },
        ],
      },
      "duplicate_adjustment",
      "adjustments[1].lineId",
    ],
    [
      { adjustments: [{ lineId: "l1", amount: MAX_AMOUNT_MINOR + 1n }] },
      "invalid_amount",
      "adjustments[0].amount",
    ],
  ])("reject bad input %#: %s", (patch, code, field) => {
    expect(createChange(lockedTwo, { ...input, ...patch })).toMatchObject({
      ok: false,
      error: { code, field },
    });
  });

  it("drafts can be edited and deleted; approved ones cannot", () => {
    const budget = { ...lockedTwo, changes: [aChange("c1", 1, "draft", [["l1", 5n]])] };
    const edited = updateDraftChange(budget, "c1", {
      description: "Revised",
      adjustments: [{ lineId: "l2", amount: 9n }],
    });
    expect(edited).toMatchObject({
      ok: true,
      value: { change: { description: "Revised", adjustments: [{ lineId: "l2", amount: 9n }] } },
    });
    expect(errorCode(updateDraftChange(budget, "c1", { description: "" }))).toBe("description_required");
    expect(deleteDraftChange(budget, "c1")).toMatchObject({ ok: true, value: { budget: { changes: [] } } });
    const approved = { ...lockedTwo, changes: [aChange("c1", 1, "approved", [["l1", 5n]])] };
    expect(errorCode(updateDraftChange(approved, "c1", { description: "x" }))).toBe("change_not_draft");
    expect(errorCode(deleteDraftChange(approved, "c1"))).toBe("change_not_draft");
    expect(errorCode(deleteDraftChange(approved, "zz"))).toBe("change_not_found");
  });

  it("approve turns a draft into an approved change that counts", () => {
    const budget = { ...lockedTwo, changes: [aChange("c1", 1, "draft", [["l1", 5n]])] };
    const result = approveChange(budget, "c1");
    expect(result).toMatchObject({ ok: true, value: { change: { status: "approved" } } });
    if (result.ok) expect(deriveLines(result.value.budget)[0]?.revisedEstimate).toBe(100_005n);
    if (result.ok) expect(errorCode(approveChange(result.value.budget, "c1"))).toBe("change_not_draft");
    expect(errorCode(approveChange({ ...budget, locked: false }, "c1"))).toBe("budget_not_locked");
  });

  it("rule 10: nothing is approved while a submission awaits acceptance", () => {
    const budget = {
      ...lockedTwo,
      changes: [aChange("c1", 1, "draft", [["l1", 5n]])],
      lastSubmission: aSubmission("ready_to_export"),
    };
    expect(errorCode(approveChange(budget, "c1"))).toBe("submission_pending");
  });

  it("void: drafts and unexported approved changes; an exported change can no longer be voided", () => {
    const base = {
      ...lockedTwo,
      changes: [aChange("c1", 1, "draft", [["l1", 5n]]), aChange("c2", 2, "approved", [["l2", 5n]])],
    };
    expect(voidChange(base, "c1")).toMatchObject({ ok: true, value: { change: { status: "void" } } });
    expect(voidChange(base, "c2")).toMatchObject({ ok: true, value: { change: { status: "void" } } });
    const afterExport = exported(base);
    expect(isChangeExported(afterExport, "c2")).toBe(true);
    expect(isChangeExported(afterExport, "c1")).toBe(false);
    expect(errorCode(voidChange(afterExport, "c2"))).toBe("change_exported");
    const voided = { ...lockedTwo, changes: [aChange("c1", 1, "void", [["l1", 5n]])] };
    expect(errorCode(voidChange(voided, "c1"))).toBe("change_already_void");
    expect(errorCode(voidChange(voided, "c9"))).toBe("change_not_found");
    expect(errorCode(voidChange({ ...base, lastSubmission: aSubmission("failed") }, "c1"))).toBe(
      "submission_pending",
    );
  });
});

describe("rule 3: lock and unlock", () => {
  it("locks an unlocked budget, once", () => {
    expect(lockBudget(twoLines)).toMatchObject({ ok: true, value: { locked: true } });
    expect(errorCode(lockBudget(lockedTwo))).toBe("budget_locked");
  });

  it("unlocks a locked budget with no approved changes and nothing pending", () => {
    expect(unlockBudget(lockedTwo)).toMatchObject({ ok: true, value: { locked: false } });
    expect(unlockBudget({ ...lockedTwo, changes: [aChange("c1", 1, "draft", [["l1", 5n]])] }).ok).toBe(true);
    expect(unlockBudget(exported(lockedTwo)).ok).toBe(true);
    expect(errorCode(unlockBudget(twoLines))).toBe("budget_not_locked");
  });

  it.each(["ready_to_export", "exporting", "failed"] as const)(
    "unlock is refused while a submission is %s",
    (status) => {
      expect(errorCode(unlockBudget({ ...lockedTwo, lastSubmission: aSubmission(status) }))).toBe(
        "submission_pending",
      );
    },
  );

  it("unlock is refused when approved budget changes exist", () => {
    expect(
      errorCode(unlockBudget({ ...lockedTwo, changes: [aChange("c1", 1, "approved", [["l1", 5n]])] })),
    ).toBe("approved_changes_exist");
  });
});

// A whole budget's life driven by random operations, with the submission lifecycle applied the way the app does.
describe("property: the rules hold through any sequence of operations", () => {
  type Op =
    | { kind: "add"; code: number; category: number; amount: bigint }
    | { kind: "edit"; line: number; amount: bigint }
    | { kind: "delete"; line: number }
    | { kind: "change"; lines: number[]; amounts: bigint[] }
    | { kind: "approve" | "void" | "deleteDraft"; change: number }
    | { kind: "lock" | "unlock" }
    | { kind: "command"; command: SubmissionCommand };

  const amount = fc.bigInt({ min: -200_000n, max: 200_000n });
  // Weighted so that runs regularly get through lock → send → accept → export and back again.
  const op: fc.Arbitrary<Op> = fc.oneof(
    {
      weight: 4,
      arbitrary: fc.record({
        kind: fc.constant("add" as const),
        code: fc.nat(3),
        category: fc.nat(2),
        amount: fc.bigInt({ min: 0n, max: 200_000n }),
      }),
    },
    {
      weight: 1,
      arbitrary: fc.record({
        kind: fc.constant("edit" as const),
        line: fc.nat(),
        amount: fc.bigInt({ min: 0n, max: 200_000n }),
      }),
    },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant("delete" as const), line: fc.nat() }) },
    {
      weight: 2,
      arbitrary: fc.record({
        kind: fc.constant("change" as const),
        lines: fc.array(fc.nat(), { minLength: 1, maxLength: 3 }),
        amounts: fc.array(amount, { minLength: 3, maxLength: 3 }),
      }),
    },
    {
      weight: 3,
      arbitrary: fc.record({
        kind: fc.constantFrom(
          "approve" as const,
          "approve" as const,
          "void" as const,
          "deleteDraft" as const,
        ),
        change: fc.nat(),
      }),
    },
    {
      weight: 3,
      arbitrary: fc.record({ kind: fc.constantFrom("lock" as const, "lock" as const, "unlock" as const) }),
    },
    {
      weight: 8,
      arbitrary: fc.record({
        kind: fc.constant("command" as const),
        command: fc.constantFrom<SubmissionCommand>(
          "send",
          "send",
          "send",
          "retrieve",
          "accept",
          "accept",
          "reject",
          "export_succeeded",
          "export_succeeded",
          "export_failed",
          "retry",
        ),
      }),
    },
  );

  function facts(budget: Budget): SendFacts {
    return {
      budget,
      project: {
        name: "Smith Residence",
        budgetToolActive: true,
        erpJobLinked: true,
        parentCustomerChosen: false,
      },
      erp: { type: "quickbooks_online", createMissingItems: true, hasDefaultParentCustomer: true },
      mappedCostCodes: new Set(),
    };
  }

  function pick<T>(items: readonly T[], n: number): T | undefined {
    return items.length === 0 ? undefined : items[n % items.length];
  }

  it("uniqueness, exported lines kept, frozen means frozen, locked originals fixed, synced means nothing to send", () => {
    fc.assert(
      fc.property(fc.array(op, { minLength: 10, maxLength: 50, size: "max" }), (ops) => {
        let budget: Budget = aBudget();
        let stored: SubmissionSnapshot | null = null;
        let ids = 0;
        for (const step of ops) {
          const before = budget;
          const frozenBefore = isFrozen(before);
          let result: { ok: boolean; error?: { code: string }; value?: unknown } = { ok: true };
          switch (step.kind) {
            case "add":
              result = addLine(
                budget,
                aLine(`l${ids++}`, ["01", "02", "03", "04"][step.code]!, "LMS"[step.category]!, step.amount),
              );
              break;
            case "edit":
              result = updateLineOriginal(budget, pick(budget.lines, step.line)?.id ?? "none", step.amount);
              break;
            case "delete":
              result = deleteLine(budget, pick(budget.lines, step.line)?.id ?? "none");
              break;
            case "change":
              result = createChange(budget, {
                id: `c${ids++}`,
                description: "change",
                adjustments: [...new Set(step.lines.map((n) => pick(budget.lines, n)?.id ?? "none"))].map(
                  (lineId, i) => ({ lineId, amount: step.amounts[i]! }),
                ),
              });
              break;
            case "approve":
              result = approveChange(budget, pick(budget.changes, step.change)?.id ?? "none");
              break;
            case "void":
              result = voidChange(budget, pick(budget.changes, step.change)?.id ?? "none");
              break;
            case "deleteDraft":
              result = deleteDraftChange(budget, pick(budget.changes, step.change)?.id ?? "none");
              break;
            case "lock":
              result = lockBudget(budget);
              break;
            case "unlock":
              result = unlockBudget(budget);
              break;
            case "command": {
              const from = step.command === "send" ? null : (budget.lastSubmission?.status ?? null);
              if (step.command === "send" && !evaluateSend(facts(budget)).allowed) continue;
              if (step.command !== "send" && from === null) continue;
              const transition = decideTransition(from, step.command);
              if (!transition.ok) continue;
              const last = budget.lastSubmission;
              if (step.command === "send") {
                stored = takeSnapshot(budget);
                budget = { ...budget, lastSubmission: aSubmission("ready_to_export", `s${ids++}`) };
              } else if (last) {
                budget = { ...budget, lastSubmission: { ...last, status: transition.value.to } };
                if (transition.value.effects.includes("record_export") && stored)
                  budget = { ...budget, lastExported: stored };
                if (transition.value.effects.includes("return_document"))
                  budget = { ...budget, locked: isLockedAfterReject(before) };
              }
              break;
            }
          }
          if (step.kind !== "command") {
            if (result.ok) budget = (result.value as { budget?: Budget }).budget ?? (result.value as Budget);
            // Frozen means frozen: while a submission is pending every edit is refused.
            if (frozenBefore) expect(result.ok).toBe(false);
            // Locked originals never move, whatever succeeds.
            if (before.locked && budget.locked) {
              expect(budgetTotals(deriveLines(budget)).original).toBe(
                budgetTotals(deriveLines(before)).original,
              );
            }
          }
          const keys = budget.lines.map((l) => `${l.costCode}/${l.category}`);
          expect(new Set(keys).size).toBe(keys.length);
          for (const line of budget.lastExported?.lines ?? [])
            expect(budget.lines.some((l) => l.id === line.lineId)).toBe(true);
          for (const id of budget.lastExported?.changeIds ?? []) {
            expect(budget.changes.find((c) => c.id === id)?.status).toBe("approved");
          }
          const state = budgetState(budget);
          if (state === "synced") expect(hasSomethingNewToSend(budget)).toBe(false);
          if (evaluateSend(facts(budget)).allowed) expect(state).toBe("locked");
          if (isFrozen(budget)) expect(budget.locked).toBe(true);
        }
      }),
      { numRuns: 300 },
    );
  });
});
