import { describe, expect, it } from "vitest";
import * as domain from "./index.js";

describe("the domain's public entry point", () => {
  it("exposes the rules the other layers use", () => {
    for (const name of [
      "parseAmount",
      "formatAmount",
      "sumAmounts",
      "decideTransition",
      "evaluateSend",
      "evaluateLock",
      "evaluateUnlock",
      "evaluateRetrieve",
      "takeSnapshot",
      "budgetState",
      "can",
      "effectiveRights",
      "isAccountingApprover",
      "decideDailySummary",
      "viewBudget",
      "DOMAIN_ERROR_CODES",
      "assertNever",
    ]) {
      expect(domain, name).toHaveProperty(name);
    }
  });

  it("keeps test builders out of the public API", () => {
    expect(domain).not.toHaveProperty("aBudget");
  });

  it("works end to end: parse wire amounts, build a budget, send, accept, export, and see it synced", () => {
    const amount = domain.unwrap(domain.parseAmount("125000.00"));
    let budget: domain.Budget = domain.EMPTY_BUDGET;
    budget = domain.unwrap(
      domain.addLine(budget, {
        id: "l1",
        costCode: "03-300",
        costCodeDescription: "Concrete",
        category: "L",
        original: amount,
      }),
    ).budget;
    budget = domain.unwrap(domain.lockBudget(budget));
    const facts = {
      project: {
        name: "Smith Residence",
        budgetToolActive: true,
        erpJobLinked: true,
        parentCustomerChosen: false,
      },
      erp: { type: "quickbooks_desktop" as const, createMissingItems: true, hasDefaultParentCustomer: false },
      mappedCostCodes: new Set<string>(),
    };
    expect(domain.evaluateSend({ ...facts, budget }).allowed).toBe(true);
    const snapshot = domain.takeSnapshot(budget);
    expect(domain.formatAmount(snapshot.totals.delta)).toBe("125000.00");
    const sent = domain.unwrap(domain.decideTransition(null, "send"));
    const accepted = domain.unwrap(domain.decideTransition(sent.to, "accept"));
    const done = domain.unwrap(domain.decideTransition(accepted.to, "export_succeeded"));
    budget = {
      ...budget,
      lastSubmission: { id: "s1", status: done.to, sentBy: "pm" },
      lastExported: snapshot,
    };
    expect(domain.budgetState(budget)).toBe("synced");
    expect(domain.sendButton(budget).label).toBe("Re-send to ERP");
  });
});
