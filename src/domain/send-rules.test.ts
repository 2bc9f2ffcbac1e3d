import { describe, expect, it } from "vitest";
import { aBudget, aChange, aLine, aSubmission, exported, rights } from "../../test/support/domain.js";
import type { Budget } from "./budget.js";
import {
  evaluateBudgetActions,
  evaluateLock,
  evaluateRetrieve,
  evaluateSend,
  evaluateUnlock,
  refusalError,
  type SendFacts,
} from "./send-rules.js";

const ready = aBudget({
  locked: true,
  lines: [aLine("l1", "03-300", "L", 100_000n), aLine("l2", "05-100", "M", 50_000n)],
});

// The ERP comes as data (its registry entry's label and limits); these are QuickBooks Desktop's and Online's.
const DESKTOP = {
  type: "quickbooks_desktop",
  label: "QuickBooks Desktop",
  limits: { jobNameMaxChars: 41, itemNameMaxChars: 31, parentCustomerNameMaxChars: 41 },
};
const ONLINE = {
  type: "quickbooks_online",
  label: "QuickBooks Online",
  limits: { jobNameMaxChars: 100, itemNameMaxChars: 100 },
};

function facts(overrides: Partial<SendFacts> = {}, budget: Budget = ready): SendFacts {
  return {
    budget,
    project: {
      name: "Smith Residence Remodel",
      budgetToolActive: true,
      erpJobLinked: true,
      parentCustomerChosen: false,
    },
    erp: { ...DESKTOP, createMissingItems: false, hasDefaultParentCustomer: false },
    mappedCostCodes: new Set(["03-300", "05-100", "09-900"]),
    ...overrides,
  };
}

function codes(f: SendFacts): string[] {
  return evaluateSend(f).reasons.map((r) => r.code);
}

function message(f: SendFacts, code: string): string {
  const found = evaluateSend(f).reasons.find((r) => r.code === code);
  if (!found) throw new Error(`no ${code} reason`);
  return found.message;
}

describe("rule 1: Send to ERP prerequisites", () => {
  it("a locked, mapped, linked budget with new amounts can be sent", () => {
    expect(evaluateSend(facts())).toEqual({ allowed: true, reasons: [] });
  });

  it("the Budget tool must be active on the project", () => {
    expect(codes(facts({ project: { ...facts().project, budgetToolActive: false } }))).toEqual([
      "budget_tool_inactive",
    ]);
  });

  it("the company ERP must be connected", () => {
    expect(codes(facts({ erp: { ...facts().erp, type: null } }))).toEqual(["erp_not_connected"]);
  });

  it("the budget must be locked", () => {
    expect(codes(facts({}, { ...ready, locked: false }))).toEqual(["budget_not_locked"]);
  });

  it.each([
    ["ready_to_export", /already waiting for accounting acceptance/],
    ["exporting", /being exported/],
    ["failed", /retry or reject/],
  ] as const)("no other submission may be %s", (status, text) => {
    const f = facts({}, { ...ready, lastSubmission: aSubmission(status) });
    expect(codes(f)).toEqual(["submission_pending"]);
    expect(message(f, "submission_pending")).toMatch(text);
  });

  it("the project must be linked to a job, or have a parent customer (its own or the company default)", () => {
    const unlinked = { ...facts().project, erpJobLinked: false };
    expect(codes(facts({ project: unlinked }))).toEqual(["project_not_linked"]);
    expect(evaluateSend(facts({ project: { ...unlinked, parentCustomerChosen: true } })).allowed).toBe(true);
    expect(
      evaluateSend(facts({ project: unlinked, erp: { ...facts().erp, hasDefaultParentCustomer: true } }))
        .allowed,
    ).toBe(true);
  });

  it("every cost code must be mapped to an item, or creating missing items be on; the message names the codes", () => {
    const f = facts({ mappedCostCodes: new Set(["03-300"]) });
    expect(codes(f)).toEqual(["cost_code_not_exportable"]);
    expect(message(f, "cost_code_not_exportable")).toBe(
      "Cost code 05-100 is not mapped to an item in QuickBooks Desktop and creating missing items is off.",
    );
    expect(message(facts({ mappedCostCodes: new Set() }), "cost_code_not_exportable")).toMatch(
      /^Cost codes 03-300, 05-100 are not mapped/,
    );
    expect(
      evaluateSend(facts({ mappedCostCodes: new Set(), erp: { ...facts().erp, createMissingItems: true } }))
        .allowed,
    ).toBe(true);
  });

  it("QuickBooks Desktop: the project name becomes the job name, at most 41 characters", () => {
    const name41 = "x".repeat(41);
    expect(evaluateSend(facts({ project: { ...facts().project, name: name41 } })).allowed).toBe(true);
    const f = facts({ project: { ...facts().project, name: `${name41}y` } });
    expect(codes(f)).toEqual(["name_too_long"]);
    expect(message(f, "name_too_long")).toBe(
      "The project name has 42 characters; QuickBooks Desktop allows 41 characters for a job name.",
    );
  });

  it("QuickBooks Desktop: a parent customer added by name must fit 41 characters; a linked job needs none", () => {
    const unlinked = { ...facts().project, erpJobLinked: false, parentCustomerChosen: true };
    const parent41 = "p".repeat(41);
    expect(evaluateSend(facts({ project: { ...unlinked, newJobParentName: parent41 } })).allowed).toBe(true);
    const f = facts({ project: { ...unlinked, newJobParentName: `${parent41}q` } });
    expect(codes(f)).toEqual(["name_too_long"]);
    expect(message(f, "name_too_long")).toBe(
      `The parent customer "${parent41}q" has 42 characters; QuickBooks Desktop allows 41 characters for a customer name.`,
    );
    expect(
      evaluateSend(facts({ project: { ...facts().project, newJobParentName: `${parent41}q` } })).allowed,
    ).toBe(true);
  });

  it("QuickBooks Online: DisplayName up to 100 characters", () => {
    const online = { ...facts().erp, ...ONLINE };
    expect(
      evaluateSend(facts({ erp: online, project: { ...facts().project, name: "x".repeat(100) } })).allowed,
    ).toBe(true);
    expect(codes(facts({ erp: online, project: { ...facts().project, name: "x".repeat(101) } }))).toEqual([
      "name_too_long",
    ]);
  });

  it("QuickBooks Online: the company's currency must be one the QuickBooks company holds, once that is known", () => {
    const online = { ...facts().erp, ...ONLINE, currency: "EUR" };
    expect(evaluateSend(facts({ erp: online })).allowed).toBe(true);
    expect(evaluateSend(facts({ erp: { ...online, heldCurrencies: ["EUR", "USD"] } })).allowed).toBe(true);
    const f = facts({ erp: { ...online, heldCurrencies: ["CAD", "USD"] } });
    expect(codes(f)).toEqual(["currency_not_in_quickbooks"]);
    expect(message(f, "currency_not_in_quickbooks")).toMatch(
      /^The company's currency is EUR, which the QuickBooks Online company does not hold \(it holds CAD, USD\)/,
    );
  });

  it("the limits are the connected ERP's, given as data", () => {
    const erp = { ...facts().erp, limits: { jobNameMaxChars: 5, itemNameMaxChars: 5 } };
    expect(codes(facts({ erp }))).toEqual(["name_too_long"]);
  });

  it("items to be created must fit QuickBooks Desktop's 31-character item name; mapped ones are already named", () => {
    const long = "9".repeat(32);
    const budget = { ...ready, lines: [...ready.lines, aLine("l3", long, "O", 5n)] };
    const erp = { ...facts().erp, createMissingItems: true };
    const f = facts({ erp }, budget);
    expect(codes(f)).toEqual(["cost_code_too_long"]);
    expect(message(f, "cost_code_too_long")).toBe(
      `${long}: QuickBooks Desktop allows 31 characters for an item name.`,
    );
    expect(
      evaluateSend(facts({ erp, mappedCostCodes: new Set(["03-300", "05-100", long]) }, budget)).allowed,
    ).toBe(true);
  });

  it("the name of an item to be created can come from the caller's naming rule", () => {
    const erp = { ...facts().erp, createMissingItems: true };
    const f = facts({
      erp,
      mappedCostCodes: new Set(),
      itemNameFor: (l) => `${l.costCode} ${l.costCodeDescription}`,
    });
    // "03-300 Description of 03-300" is 28 characters; "05-100 Description of 05-100" likewise: both fit 31.
    expect(evaluateSend(f).allowed).toBe(true);
    const longer = facts({ ...f, itemNameFor: (l) => `${l.costCode} ${l.costCodeDescription} extra words` });
    expect(codes(longer)).toEqual(["cost_code_too_long"]);
  });

  it("names with a colon, tab or line break are refused (QuickBooks uses ':' between parent and job)", () => {
    const f = facts({ project: { ...facts().project, name: "Acme: Phase 2" } });
    expect(codes(f)).toEqual(["name_invalid_characters"]);
    expect(message(f, "name_invalid_characters")).toContain('"Acme: Phase 2"');
  });

  it("rule 10: a negative revised estimate blocks sending, with the line named", () => {
    const budget = { ...ready, changes: [aChange("c1", 1, "approved", [["l2", -60_000n]])] };
    const f = facts({}, budget);
    expect(codes(f)).toEqual(["negative_revised_estimate"]);
    expect(message(f, "negative_revised_estimate")).toBe(
      "Line 05-100 M (-$100.00) has a negative revised estimate; bring it to zero or above with a budget change.",
    );
  });

  it("several negative lines are all named", () => {
    const budget = {
      ...ready,
      changes: [
        aChange("c1", 1, "approved", [
          ["l1", -100_001n],
          ["l2", -50_001n],
        ]),
      ],
    };
    expect(message(facts({}, budget), "negative_revised_estimate")).toMatch(
      /^Lines 03-300 L \(-\$0\.01\), 05-100 M/,
    );
  });

  it("something new to send: an unchanged synced budget cannot be re-sent", () => {
    const synced = exported(ready);
    const f = facts({}, synced);
    expect(codes(f)).toEqual(["nothing_new_to_send"]);
    expect(message(f, "nothing_new_to_send")).toMatch(/matches what was last exported/);
  });

  it("no $0 change workaround: a $0 approved change does not enable Re-send", () => {
    const synced = exported(ready);
    const f = facts({}, { ...synced, changes: [aChange("c1", 1, "approved", [["l1", 0n]])] });
    expect(codes(f)).toEqual(["nothing_new_to_send"]);
  });

  it("an approved change with an amount enables Re-send", () => {
    const synced = exported(ready);
    expect(
      evaluateSend(facts({}, { ...synced, changes: [aChange("c1", 1, "approved", [["l1", 1n]])] })).allowed,
    ).toBe(true);
  });

  it("a first send of an all-zero budget has nothing to send", () => {
    const zero = aBudget({ locked: true, lines: [aLine("l1", "03-300", "L", 0n)] });
    expect(message(facts({}, zero), "nothing_new_to_send")).toMatch(/every line's revised estimate is 0/);
  });

  it("reports every unmet rule at once, in a stable order", () => {
    const f = facts(
      {
        project: {
          name: "y".repeat(50),
          budgetToolActive: false,
          erpJobLinked: false,
          parentCustomerChosen: false,
        },
        erp: { type: null, createMissingItems: false, hasDefaultParentCustomer: false },
        mappedCostCodes: new Set(),
        rights: rights({ budget: "standard" }),
      },
      aBudget({ lines: [aLine("l1", "03-300", "L", 0n)], lastSubmission: aSubmission("failed") }),
    );
    expect(codes(f)).toEqual([
      "forbidden",
      "budget_tool_inactive",
      "erp_not_connected",
      "budget_not_locked",
      "submission_pending",
      "project_not_linked",
      "cost_code_not_exportable",
      "nothing_new_to_send",
    ]);
  });

  it("a missing send right is reported first and names the right", () => {
    const f = facts({ rights: rights({ budget: "standard" }) });
    expect(evaluateSend(f).reasons).toEqual([
      {
        code: "forbidden",
        message:
          "Needs Budget Admin, or Budget Read Only or Standard with the Send and Retrieve Budgets from ERP permission.",
      },
    ]);
    expect(
      evaluateSend(facts({ rights: rights({ budget: "standard", sendAndRetrieveBudget: true }) })).allowed,
    ).toBe(true);
  });
});

describe("rule 3: lock and unlock actions", () => {
  const unlocked = { ...ready, locked: false };

  it("lock: allowed on an unlocked budget for Budget Admin or Lock Budget", () => {
    expect(evaluateLock({ budget: unlocked })).toEqual({ allowed: true, reasons: [] });
    expect(
      evaluateLock({ budget: unlocked, rights: rights({ budget: "read_only", lockBudget: true }) }).allowed,
    ).toBe(true);
    expect(evaluateLock({ budget: ready }).reasons.map((r) => r.code)).toEqual(["budget_locked"]);
    expect(
      evaluateLock({ budget: unlocked, rights: rights({ budget: "standard" }) }).reasons.map((r) => r.code),
    ).toEqual(["forbidden"]);
  });

  it("unlock: Budget Admin, not while pending, not with approved changes", () => {
    expect(evaluateUnlock({ budget: ready, rights: rights({ budget: "admin" }) })).toEqual({
      allowed: true,
      reasons: [],
    });
    expect(evaluateUnlock({ budget: unlocked }).reasons.map((r) => r.code)).toEqual(["budget_not_locked"]);
    const blocked = {
      ...ready,
      changes: [aChange("c1", 1, "approved", [["l1", 5n]])],
      lastSubmission: aSubmission("ready_to_export"),
    };
    expect(
      evaluateUnlock({
        budget: blocked,
        rights: rights({ budget: "standard", lockBudget: true }),
      }).reasons.map((r) => r.code),
    ).toEqual(["forbidden", "submission_pending", "approved_changes_exist"]);
  });
});

describe("retrieve", () => {
  it("only while a submission awaits acceptance, by someone with the send right", () => {
    const waiting = { ...ready, lastSubmission: aSubmission("ready_to_export") };
    expect(
      evaluateRetrieve({
        budget: waiting,
        rights: rights({ budget: "read_only", sendAndRetrieveBudget: true }),
      }),
    ).toEqual({
      allowed: true,
      reasons: [],
    });
    for (const status of ["exporting", "failed", "exported", "rejected", "retrieved"] as const) {
      expect(
        evaluateRetrieve({ budget: { ...ready, lastSubmission: aSubmission(status) } }).reasons.map(
          (r) => r.code,
        ),
      ).toEqual(["not_awaiting_acceptance"]);
    }
    expect(evaluateRetrieve({ budget: waiting, rights: rights({ budget: "standard" }) }).allowed).toBe(false);
  });
});

describe("the budget GET actions and refusals", () => {
  it("evaluates lock, unlock, send and retrieve together", () => {
    const actions = evaluateBudgetActions(facts());
    expect(actions.send.allowed).toBe(true);
    expect(actions.lock.allowed).toBe(false);
    expect(actions.unlock.allowed).toBe(true);
    expect(actions.retrieve.allowed).toBe(false);
  });

  it("a refusal becomes an error with the first reason's code and every reason in details", () => {
    const evaluation = evaluateSend(
      facts({ erp: { ...facts().erp, type: null } }, { ...ready, locked: false }),
    );
    expect(refusalError(evaluation)).toEqual({
      code: "erp_not_connected",
      message: "The company is not connected to an ERP.",
      details: { reasons: evaluation.reasons },
    });
    expect(refusalError(evaluateSend(facts()))).toBeNull();
  });
});
