import { describe, expect, it } from "vitest";
import { aBudget, aChange, aLine, aSubmission, exported, rights } from "../../test/support/domain.js";
import { lockBudget, matchesLastExport, stateOf } from "./budget.js";
import { budgetStatus, viewBudget } from "./budget-view.js";
import type { SendFacts } from "./send-rules.js";

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

describe("one status for every screen", () => {
  it("names how the newest submission ended when nothing is pending", () => {
    expect(budgetStatus("unlocked", "rejected")).toEqual({ key: "rejected", label: "Rejected" });
    expect(budgetStatus("locked", "rejected").key).toBe("rejected");
    expect(budgetStatus("locked", "retrieved")).toEqual({ key: "retrieved", label: "Retrieved" });
    expect(budgetStatus("unlocked", "retrieved").key).toBe("unlocked");
    expect(budgetStatus("locked", "exported")).toEqual({
      key: "changed_since_sync",
      label: "Changed since sync",
    });
    expect(budgetStatus("synced", "exported")).toEqual({ key: "synced", label: "Synced" });
    expect(budgetStatus("awaiting_acceptance", "ready_to_export").label).toBe("Waiting for accounting");
    expect(budgetStatus("locked", null).key).toBe("locked");
  });

  it("the page's view and a list's stored facts give the same state and status", () => {
    const synced = exported(budget);
    const changed = { ...synced, changes: [...synced.changes, aChange("c2", 2, "approved", [["l2", 1n]])] };
    for (const b of [budget, synced, changed, { ...budget, lastSubmission: aSubmission("rejected") }]) {
      const view = viewBudget(facts(b));
      const state = stateOf({
        lastStatus: b.lastSubmission?.status ?? null,
        locked: b.locked,
        matchesExport: matchesLastExport(b),
      });
      expect(state).toBe(view.state);
      expect(budgetStatus(state, b.lastSubmission?.status ?? null)).toEqual(view.status);
    }
    expect(viewBudget(facts(changed)).status.key).toBe("changed_since_sync");
  });

  it("a line is In QuickBooks only while its revised estimate equals what was exported", () => {
    const synced = exported(budget);
    expect(viewBudget(facts(synced)).lines.map((l) => l.inQuickBooks)).toEqual([true, true]);
    const changed = { ...synced, changes: [...synced.changes, aChange("c2", 2, "approved", [["l2", 1n]])] };
    const lines = viewBudget(facts(changed)).lines;
    expect(lines.map((l) => [l.id, l.exported, l.inQuickBooks])).toEqual([
      ["l1", true, true],
      ["l2", true, false],
    ]);
  });

  it("offers Delete on a line exactly when the delete command would take it", () => {
    const unlocked = aBudget({ lines: [aLine("l1", "03-300", "L", 100n), aLine("l2", "05-100", "M", 0n)] });
    expect(viewBudget(facts(unlocked)).lines.map((l) => l.actions.delete)).toEqual([true, true]);
    const locked = { ...unlocked, locked: true };
    expect(viewBudget(facts(locked)).lines.map((l) => l.actions.delete)).toEqual([false, true]);
    expect(viewBudget(facts(exported(locked))).lines.map((l) => l.actions.delete)).toEqual([false, false]);
  });

  it("an empty budget cannot be locked, and says why", () => {
    const view = viewBudget(facts(aBudget({ locked: false, lines: [], changes: [] })));
    expect(view.actions.lock).toMatchObject({ allowed: false, reasons: [{ code: "budget_empty" }] });
    expect(lockBudget(aBudget({ lines: [] }))).toMatchObject({ ok: false, error: { code: "budget_empty" } });
  });
});
