import { describe, expect, it } from "vitest";
import type { Budget, BudgetStatusKey, Me, Permissions } from "./api.js";
import { resolveRoute } from "./app.js";
import { matchPath, safeNextPath } from "./router.js";
import {
  budgetRibbon,
  buildDecisions,
  canDecide,
  FILTERS,
  filterCount,
  humanizeKey,
  isSettled,
  landingPath,
  lineMark,
  parseFilter,
  sendLabel,
  submissionStatusLabel,
  waitingText,
} from "./rules.js";

const perms = (over: Partial<Permissions>): Permissions => ({
  erpIntegrations: "none",
  directory: "none",
  budget: "none",
  lockBudget: false,
  sendAndRetrieveBudget: false,
  canPushToAccounting: false,
  subscribeErpDigest: true,
  ...over,
});

const gate = { allowed: true, reasons: [] };
const budget = (over: Partial<Budget>): Budget => ({
  projectId: "p1",
  locked: true,
  state: "locked",
  status: { key: "locked", label: "Locked" },
  lastSubmission: null,
  lines: [],
  totals: { originalBudget: "0.00", budgetChanges: "0.00", revisedEstimate: "0.00" },
  pendingSubmissionId: null,
  actions: { lock: gate, unlock: gate, send: gate, retrieve: gate },
  ...over,
});

describe("who may do what", () => {
  it("lets only standard or admin ERP users holding the privilege decide", () => {
    expect(canDecide(perms({ erpIntegrations: "standard", canPushToAccounting: true }))).toBe(true);
    expect(canDecide(perms({ erpIntegrations: "admin", canPushToAccounting: true }))).toBe(true);
    expect(canDecide(perms({ erpIntegrations: "standard", canPushToAccounting: false }))).toBe(false);
    expect(canDecide(perms({ erpIntegrations: "read_only", canPushToAccounting: true }))).toBe(false);
  });

  it("lands accounting people on ERP Integrations and project managers on their projects", () => {
    const me = (p: Permissions): Me => ({
      user: { id: "u", email: "u@x.test", name: "U" },
      companies: [{ id: "acme", name: "Acme", timeZone: "America/New_York", permissions: p }],
    });
    expect(landingPath(me(perms({ erpIntegrations: "standard" })))).toBe("/companies/acme/erp");
    expect(landingPath(me(perms({ erpIntegrations: "admin" })))).toBe("/companies/acme/erp");
    expect(landingPath(me(perms({ erpIntegrations: "read_only", budget: "admin" })))).toBe(
      "/companies/acme/projects",
    );
    expect(landingPath(me(perms({ budget: "admin" })))).toBe("/companies/acme/projects");
    expect(landingPath({ user: { id: "u", email: "e", name: "n" }, companies: [] })).toBe("/no-company");
  });
});

describe("budget page wording", () => {
  it("says Re-send once anything reached QuickBooks", () => {
    const line = {
      id: "l1",
      costCode: "03-300",
      category: "L",
      originalBudget: "1.00",
      budgetChanges: "0.00",
      revisedEstimate: "1.00",
      exported: false,
      inQuickBooks: false,
      actions: { delete: true },
    };
    expect(sendLabel(budget({ lines: [line] }))).toBe("Send to ERP");
    expect(sendLabel(budget({ lines: [{ ...line, exported: true }] }))).toBe("Re-send to ERP");
    // The server's own label wins over anything inferred.
    expect(
      sendLabel(budget({ lines: [line], sendButton: { label: "Re-send to ERP", command: "send" } })),
    ).toBe("Re-send to ERP");
    const exported = {
      id: "s",
      status: "exported" as const,
      project: { id: "p", number: "1", name: "P" },
      submittedBy: { id: "u", name: "U", email: "u" },
      submittedAt: "2025-01-01T00:00:00Z",
      lineCount: 1,
      totals: { revisedEstimate: "1.00", delta: "1.00" },
    };
    expect(sendLabel(budget({ lines: [line] }), [exported])).toBe("Re-send to ERP");
  });

  it("colours the ribbon by the server's status of the budget", () => {
    const of = (key: BudgetStatusKey) => budgetRibbon(budget({ status: { key, label: key } }));
    expect(of("awaiting_acceptance").tone).toBe("blue");
    expect(of("exporting").tone).toBe("blue");
    expect(of("synced").tone).toBe("green");
    expect(of("failed").tone).toBe("red");
    expect(of("rejected")).toMatchObject({ tone: "yellow", title: "Rejected by accounting" });
    expect(of("retrieved")).toMatchObject({ tone: "yellow", title: "Retrieved from ERP" });
    expect(of("changed_since_sync")).toMatchObject({ tone: "none", title: "Changed since sync" });
    expect(of("locked").tone).toBe("none");
    expect(of("unlocked").title).toBe("Unlocked");
  });

  it("marks a line In QuickBooks only while QuickBooks holds its amount", () => {
    expect(lineMark({ exported: true, inQuickBooks: true })?.label).toBe("In QuickBooks");
    expect(lineMark({ exported: true, inQuickBooks: false })?.label).toBe("Changed since export");
    expect(lineMark({ exported: false, inQuickBooks: false })).toBeNull();
  });
});

describe("ERP Integrations filter", () => {
  it("offers exactly the classic words, in order, each mapped to its status query", () => {
    expect(FILTERS.map((f) => f.label)).toEqual([
      "Ready to Export",
      "Exporting",
      "Synced",
      "Failed to Export",
      "Rejected & Retrieved",
    ]);
    expect(FILTERS.map((f) => f.key)).toEqual([
      "ready_to_export",
      "exporting",
      "exported",
      "failed",
      "rejected,retrieved",
    ]);
  });

  it("reads the filter from the URL, defaulting to Ready to Export", () => {
    expect(parseFilter("ready_to_export").heading).toBe("Budgets Ready to Be Exported");
    expect(parseFilter(null).key).toBe("ready_to_export");
    expect(parseFilter("nonsense").key).toBe("ready_to_export");
    expect(parseFilter("synced").key).toBe("exported");
    expect(parseFilter("rejected").key).toBe("rejected,retrieved");
  });

  it("adds rejected and retrieved into one count", () => {
    const counts = { ready_to_export: 2, exporting: 1, exported: 7, failed: 0, rejected: 3, retrieved: 4 };
    expect(filterCount(parseFilter("rejected,retrieved"), counts)).toBe(7);
    expect(filterCount(parseFilter("ready_to_export"), counts)).toBe(2);
    expect(filterCount(parseFilter("failed"), undefined)).toBe(0);
  });

  it("builds the Export request with one trimmed reason for every rejected row", () => {
    expect(buildDecisions({ a: "accept", b: "reject", c: undefined }, "  Wrong cost codes ")).toEqual([
      { submissionId: "a", action: "accept" },
      { submissionId: "b", action: "reject", reason: "Wrong cost codes" },
    ]);
    expect(buildDecisions({ a: "accept" }, null)).toEqual([{ submissionId: "a", action: "accept" }]);
    expect(() => buildDecisions({ b: "reject" }, "   ")).toThrow();
  });

  it("takes a reason per rejected budget, and refuses a rejection whose own reason is missing", () => {
    expect(
      buildDecisions({ a: "reject", b: "reject", c: "accept" }, { a: " Split concrete ", b: "Wrong job" }),
    ).toEqual([
      { submissionId: "a", action: "reject", reason: "Split concrete" },
      { submissionId: "b", action: "reject", reason: "Wrong job" },
      { submissionId: "c", action: "accept" },
    ]);
    expect(() => buildDecisions({ a: "reject", b: "reject" }, { a: "Split concrete" })).toThrow();
  });
});

describe("routing", () => {
  it("matches paths and decodes parameters", () => {
    expect(matchPath("/companies/:c/projects/:p/budget", "/companies/a%20b/projects/42/budget")).toEqual({
      c: "a b",
      p: "42",
    });
    expect(matchPath("/companies/:c/projects", "/companies/a/projects/1")).toBeNull();
  });

  it("resolves every screen", () => {
    expect(resolveRoute("/companies/c1/erp")).toEqual({ kind: "erp", companyId: "c1", tab: "budgets" });
    expect(resolveRoute("/companies/c1/erp/connection")).toEqual({
      kind: "erp",
      companyId: "c1",
      tab: "connection",
    });
    expect(resolveRoute("/companies/c1/projects/p1/budget/")).toEqual({
      kind: "budget",
      companyId: "c1",
      projectId: "p1",
    });
    expect(resolveRoute("/mailbox")).toEqual({ kind: "mailbox" });
    expect(resolveRoute("/elsewhere")).toEqual({ kind: "not-found" });
  });

  it("only follows same-site paths after signing in", () => {
    expect(safeNextPath("/companies/c1/erp?filter=failed")).toBe("/companies/c1/erp?filter=failed");
    expect(safeNextPath("//evil.example/x")).toBeNull();
    expect(safeNextPath("https://evil.example")).toBeNull();
    expect(safeNextPath("/signin")).toBeNull();
    expect(safeNextPath("/")).toBeNull();
  });

  it("turns unknown keys into readable labels", () => {
    expect(humanizeKey("estimateLines")).toBe("Estimate lines");
    expect(humanizeKey("jobs_to_create")).toBe("Jobs to create");
    expect(humanizeKey("QBOItemRef")).toBe("Qbo item ref");
  });
});

describe("export progress wording", () => {
  it("uses the classic tool's words and says when the Web Connector is awaited", () => {
    expect(submissionStatusLabel({ status: "exported" })).toBe("Synced");
    expect(submissionStatusLabel({ status: "failed" })).toBe("Failed to Export");
    expect(submissionStatusLabel({ status: "exporting" })).toBe("Exporting to QuickBooks…");
    expect(submissionStatusLabel({ status: "exporting", waitingFor: "web_connector" })).toBe(
      "Waiting for the Web Connector",
    );
    expect(submissionStatusLabel({ status: "exporting", waitingFor: "reconnect" })).toBe(
      "Waiting for QuickBooks",
    );
    expect(waitingText(null)).toBeNull();
    expect(waitingText("web_connector")).toMatch(/Web Connector polls/);
  });

  it("keeps the exporting ribbon blue and names the Web Connector when QuickBooks Desktop is awaited", () => {
    const exporting = budget({
      state: "exporting",
      status: { key: "exporting", label: "Exporting to QuickBooks…" },
    });
    expect(budgetRibbon(exporting).title).toBe("Exporting to QuickBooks…");
    const waiting = budgetRibbon(exporting, "web_connector");
    expect(waiting.tone).toBe("blue");
    expect(waiting.title).toBe("Waiting for the Web Connector");
    expect(isSettled("exporting")).toBe(false);
    expect(isSettled("exported")).toBe(true);
    expect(isSettled(undefined)).toBe(false);
  });
});
