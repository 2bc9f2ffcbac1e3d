import { describe, expect, it } from "vitest";
import { viewBudget } from "./budget-view.js";
import type { SendFacts } from "./send-rules.js";
import { aBudget, aChange, aLine, aSubmission, exported, rights } from "./test-fixtures.js";

const budget = aBudget({
  locked: true,
  lines: [aLine("l1", "03-300", "L", 100_000n), aLine("l2", "05-100", "M", 50_000n)],
  changes: [aChange("c1", 1, "approved", [["l1", 2_500n]])],
});

function facts(b = budget, extra: Partial<SendFacts> = {}): SendFacts {
  return {
    budget: b,
    project: {
      name: "Smith Residence",
      budgetToolActive: true,
      erpJobLinked: true,
      parentCustomerChosen: false,
    },
    erp: { type: "quickbooks_online", createMissingItems: true, hasDefaultParentCustomer: false },
    mappedCostCodes: new Set(),
    ...extra,
  };
}

describe("the budget page / GET view", () => {
  it("a locked budget ready to go: state, lines, totals, Send to ERP enabled", () => {
    const view = viewBudget(facts());
    expect(view).toMatchObject({
      locked: true,
      state: "locked",
      ribbon: "none",
      lastSubmission: null,
      pendingSubmissionId: null,
      totals: { original: 150_000n, budgetChanges: 2_500n, revisedEstimate: 152_500n },
      sendButton: { label: "Send to ERP", command: "send" },
    });
    expect(view.lines.map((l) => [l.id, l.revisedEstimate, l.exported])).toEqual([
      ["l1", 102_500n, false],
      ["l2", 50_000n, false],
    ]);
    expect(view.actions.send.allowed).toBe(true);
    // Approved changes exist, so Unlock Budget is disabled and says why.
    expect(view.actions.unlock.reasons.map((r) => r.code)).toEqual(["approved_changes_exist"]);
  });

  it("awaiting acceptance: blue, Retrieve from ERP, pending submission id, send disabled", () => {
    const view = viewBudget(facts({ ...budget, lastSubmission: aSubmission("ready_to_export", "s9") }));
    expect(view).toMatchObject({
      state: "awaiting_acceptance",
      ribbon: "blue",
      pendingSubmissionId: "s9",
      sendButton: { label: "Retrieve from ERP", command: "retrieve" },
    });
    expect(view.actions.retrieve.allowed).toBe(true);
    expect(view.actions.send.reasons.map((r) => r.code)).toEqual(["submission_pending"]);
  });

  it("synced: green, Re-send to ERP disabled with 'nothing new to send'", () => {
    const view = viewBudget(facts(exported(budget)));
    expect(view).toMatchObject({ state: "synced", ribbon: "green", sendButton: { label: "Re-send to ERP" } });
    expect(view.lines.every((l) => l.exported)).toBe(true);
    expect(view.actions.send.reasons.map((r) => r.code)).toEqual(["nothing_new_to_send"]);
  });

  it("actions reflect the viewer's rights when given", () => {
    const view = viewBudget(facts(budget, { rights: rights({ budget: "read_only" }) }));
    expect(view.actions.send.reasons[0]?.code).toBe("forbidden");
    expect(view.actions.lock.reasons[0]?.code).toBe("forbidden");
  });
});
