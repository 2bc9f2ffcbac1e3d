import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import type { ReactNode } from "react";
import { renderToString } from "react-dom/server";
import { describe, expect, it } from "vitest";
import {
  type Budget,
  type CompanyMembership,
  type Connection,
  keys,
  type Permissions,
  type SubmissionDetail,
  type SubmissionList,
} from "../api.js";
import { StaticRouter } from "../router.js";
import { BudgetView } from "./budget-page.js";
import { BudgetUpdatesContent } from "./budget-updates.js";
import { ErpBudgetsTab } from "./erp-budgets.js";
import { ConnectionCard, connectionToStart } from "./erp-connection.js";
import { ErpPage } from "./erp-page.js";

const basePermissions: Permissions = {
  erpIntegrations: "none",
  directory: "none",
  budget: "none",
  lockBudget: false,
  sendAndRetrieveBudget: false,
  canPushToAccounting: false,
  subscribeErpDigest: true,
};

const company = (over: Partial<Permissions>): CompanyMembership => ({
  id: "acme",
  name: "Acme Builders",
  timeZone: "America/New_York",
  permissions: { ...basePermissions, ...over },
});

const approver = company({ erpIntegrations: "standard", canPushToAccounting: true });
const viewer = company({ erpIntegrations: "standard", canPushToAccounting: false });

function render(ui: ReactNode, url: string, seed: (client: QueryClient) => void = () => {}): string {
  const client = new QueryClient({
    defaultOptions: { queries: { retry: false, staleTime: Number.POSITIVE_INFINITY } },
  });
  seed(client);
  return renderToString(
    <QueryClientProvider client={client}>
      <StaticRouter url={url}>{ui}</StaticRouter>
    </QueryClientProvider>,
  );
}

/** Visible text with tags removed and entities decoded, for asserting on what a person reads. */
function text(html: string): string {
  return html
    .replace(/<!-- -->/g, "")
    .replace(/<[^>]+>/g, " ")
    .replace(/&amp;/g, "&")
    .replace(/&#x27;/g, "'")
    .replace(/&quot;/g, '"')
    .replace(/\s+/g, " ")
    .trim();
}

function selectLabelled(html: string, label: string): { options: string[]; selected: string | undefined } {
  const labelMatch = new RegExp(`<label for="([^"]+)">${label}</label>`).exec(html);
  expect(labelMatch, `a label "${label}"`).not.toBeNull();
  const id = labelMatch?.[1] as string;
  const select = new RegExp(`<select id="${id.replace(/[^\w]/g, "\\$&")}"[^>]*>([\\s\\S]*?)</select>`).exec(
    html,
  );
  expect(select, `a select with id ${id}`).not.toBeNull();
  const options = [...(select?.[1] ?? "").matchAll(/<option[^>]*>([\s\S]*?)<\/option>/g)].map((m) =>
    text(m[1] ?? ""),
  );
  const selected = /<option[^>]*selected=""[^>]*>([\s\S]*?)<\/option>/.exec(select?.[1] ?? "")?.[1];
  return { options, selected: selected === undefined ? undefined : text(selected) };
}

const submissionList: SubmissionList = {
  items: [
    {
      id: "s1",
      status: "ready_to_export",
      project: { id: "p1", number: "2024-01", name: "Harbor Lofts" },
      submittedBy: { id: "u1", name: "Pat Manager", email: "pm@acme.test" },
      submittedAt: "2025-03-01T15:00:00Z",
      lineCount: 4,
      totals: { revisedEstimate: "1250000.00", delta: "25000.50" },
    },
    {
      id: "s2",
      status: "ready_to_export",
      project: { id: "p2", number: "2024-02", name: "Mill Street Clinic" },
      submittedBy: { id: "u1", name: "Pat Manager", email: "pm@acme.test" },
      submittedAt: "2025-03-02T15:00:00Z",
      lineCount: 2,
      totals: { revisedEstimate: "98000.00", delta: "-2000.00" },
    },
  ],
  nextCursor: "next-1",
  counts: { ready_to_export: 2, exporting: 1, exported: 9, failed: 3, rejected: 1, retrieved: 2 },
};

const seedList = (status: string, list: SubmissionList) => (client: QueryClient) =>
  client.setQueryData(keys.submissionList("acme", status, null), list);

describe("ERP Integrations, Budgets", () => {
  it("shows the classic filter, heading, counts and per-row choices to an approver", () => {
    const html = render(
      <ErpBudgetsTab company={approver} />,
      "/companies/acme/erp?filter=ready_to_export",
      seedList("ready_to_export", submissionList),
    );
    const filter = selectLabelled(html, "Filter Estimates By");
    expect(filter.options).toEqual([
      "Ready to Export",
      "Exporting",
      "Synced",
      "Failed to Export",
      "Rejected & Retrieved",
    ]);
    expect(filter.selected).toBe("Ready to Export");
    expect(html).toMatch(/<h2[^>]*>Budgets Ready to Be Exported<\/h2>/);

    const rows = html.match(/<tr[^>]*>[\s\S]*?<\/tr>/g)?.filter((r) => r.includes("<td")) ?? [];
    expect(rows).toHaveLength(2);
    for (const row of rows) {
      expect(row).toMatch(/<button[^>]*>Details<\/button>/);
      expect(row).toMatch(/<input type="radio"[^>]*value="accept"[^>]*\/>Accept<\/label>/);
      expect(row).toMatch(/<input type="radio"[^>]*value="reject"[^>]*\/>Reject<\/label>/);
    }
    expect(text(rows[0] ?? "")).toContain("$1,250,000.00");
    expect(text(rows[0] ?? "")).toContain("+$25,000.50");
    expect(text(rows[1] ?? "")).toContain("-$2,000.00");
    expect(html).toMatch(/<button[^>]*>Export<\/button>/);
    expect(html).toMatch(/>Accept all</);

    // Counts sit in the side pane, with rejected and retrieved added together.
    expect(text(html)).toContain("Rejected & Retrieved 3");
    expect(text(html)).toContain("Failed to Export 3");
    expect(html).toMatch(/>Next page</);
  });

  it("shows the same list without any way to decide to someone without the privilege", () => {
    const html = render(
      <ErpBudgetsTab company={viewer} />,
      "/companies/acme/erp",
      seedList("ready_to_export", submissionList),
    );
    expect(html).not.toContain('type="radio"');
    expect(html).not.toMatch(/>Export<\/button>/);
    expect(html).toMatch(/<button[^>]*>Details<\/button>/);
    expect(text(html)).toContain("Can Push to Accounting");
  });

  it("honours the filter in the URL and explains an empty list", () => {
    const empty: SubmissionList = { items: [], nextCursor: null, counts: submissionList.counts };
    const html = render(
      <ErpBudgetsTab company={approver} />,
      "/companies/acme/erp?filter=exported",
      seedList("exported", empty),
    );
    expect(selectLabelled(html, "Filter Estimates By").selected).toBe("Synced");
    expect(text(html)).toContain("No budget has been synced yet.");
    expect(html).not.toContain("Budgets Ready to Be Exported");
  });

  it("offers the Connection subtab only to ERP admins", () => {
    const seed = seedList("ready_to_export", submissionList);
    const admin = render(
      <ErpPage company={company({ erpIntegrations: "admin" })} tab="budgets" />,
      "/companies/acme/erp",
      seed,
    );
    expect(admin).toMatch(/<a[^>]*>Connection<\/a>/);
    expect(admin).toMatch(/<a[^>]*aria-current="page"[^>]*>Budgets<\/a>/);
    const standard = render(<ErpPage company={approver} tab="budgets" />, "/companies/acme/erp", seed);
    expect(standard).not.toMatch(/>Connection<\/a>/);
  });
});

const line = (
  id: string,
  costCode: string,
  category: string,
  original: string,
  changes: string,
  revised: string,
) => ({
  id,
  costCode,
  category,
  originalBudget: original,
  budgetChanges: changes,
  revisedEstimate: revised,
  exported: false,
  inQuickBooks: false,
  actions: { delete: true },
});

const budget: Budget = {
  projectId: "p1",
  locked: true,
  state: "locked",
  status: { key: "rejected", label: "Rejected" },
  lastSubmission: { id: "s0", status: "rejected", reason: "Split concrete into labor and material." },
  lines: [
    {
      ...line("l1", "03-300", "L", "125000.00", "5000.00", "130000.00"),
      exported: true,
      inQuickBooks: true,
      actions: { delete: false },
    },
    line("l2", "03-300", "M", "0.00", "0.00", "0.00"),
  ],
  totals: { originalBudget: "125000.00", budgetChanges: "5000.00", revisedEstimate: "130000.00" },
  pendingSubmissionId: null,
  actions: {
    lock: { allowed: false, reasons: [{ code: "already_locked", message: "The budget is already locked." }] },
    unlock: {
      allowed: false,
      reasons: [{ code: "approved_changes", message: "Approved budget changes exist." }],
    },
    send: {
      allowed: false,
      reasons: [{ code: "nothing_new", message: "Nothing changed since the last export." }],
    },
    retrieve: {
      allowed: false,
      reasons: [{ code: "nothing_pending", message: "No submission is waiting." }],
    },
  },
};

describe("Budget page", () => {
  const pm = company({ budget: "admin", erpIntegrations: "read_only" });

  it("lists lines with right-aligned, grouped amounts and a totals row", () => {
    const html = render(
      <BudgetView company={pm} projectId="p1" budget={budget} history={[]} />,
      "/companies/acme/projects/p1/budget",
    );
    for (const column of ["Cost Code", "Category", "Original Budget", "Budget Changes", "Revised Estimate"]) {
      expect(html).toMatch(new RegExp(`<th scope="col"[^>]*>${column}</th>`));
    }
    expect(html).toMatch(/<td [^>]*class="num"><span class="money">\$125,000\.00<\/span><\/td>/);
    expect(text(html)).toMatch(/Totals \$125,000\.00 \$5,000\.00 \$130,000\.00/);
  });

  it("says Re-send once a line is in QuickBooks and explains why actions are unavailable", () => {
    const html = render(
      <BudgetView company={pm} projectId="p1" budget={budget} history={[]} />,
      "/companies/acme/projects/p1/budget",
    );
    const send = /<button[^>]*>Re-send to ERP<\/button>/.exec(html)?.[0] ?? "";
    expect(send).toContain('disabled=""');
    expect(send).toContain('title="Nothing changed since the last export."');
    expect(text(html)).toContain("Nothing changed since the last export.");
    expect(html).toMatch(/<button[^>]*disabled=""[^>]*>Unlock Budget<\/button>/);
    expect(html).not.toContain(">Lock Budget<");
    expect(html).toMatch(/<button[^>]*disabled=""[^>]*>Retrieve from ERP<\/button>/);
    // An exported line cannot be deleted; the $0 line can.
    expect(html).not.toContain('aria-label="Delete line 03-300 L"');
    expect(html).toContain('aria-label="Delete line 03-300 M"');
  });

  it("shows the rejection in a yellow ribbon with the approver's reason", () => {
    const html = render(
      <BudgetView company={pm} projectId="p1" budget={budget} history={[]} />,
      "/companies/acme/projects/p1/budget",
    );
    expect(html).toMatch(/class="ribbon ribbon-yellow"/);
    expect(text(html)).toContain("Reason given: Split concrete into labor and material.");
  });

  it("enables Send to ERP for a first send and hides editing from read-only users", () => {
    const ready: Budget = {
      ...budget,
      lastSubmission: null,
      lines: [line("l1", "03-300", "L", "10.00", "0.00", "10.00")],
      actions: { ...budget.actions, send: { allowed: true, reasons: [] } },
    };
    const html = render(
      <BudgetView company={company({ budget: "read_only" })} projectId="p1" budget={ready} history={[]} />,
      "/companies/acme/projects/p1/budget",
    );
    const send = /<button[^>]*>Send to ERP<\/button>/.exec(html)?.[0] ?? "";
    expect(send).not.toBe("");
    expect(send).not.toContain("disabled");
    expect(html).not.toContain(">Add line<");
    expect(html).not.toContain("Delete line");
  });
});

describe("Budget Updates details", () => {
  const detail: SubmissionDetail = {
    ...(submissionList.items[0] as SubmissionList["items"][number]),
    status: "failed",
    lines: [
      {
        costCode: "03-300",
        costCodeDescription: "Cast-in-place concrete",
        category: "L",
        originalBudget: "100000.00",
        budgetChanges: "2500.25",
        revisedEstimate: "102500.25",
        previouslyExported: "100000.00",
        delta: "2500.25",
      },
      {
        costCode: "05-100",
        category: "M",
        originalBudget: "0.00",
        budgetChanges: "1000.00",
        revisedEstimate: "1000.00",
        previouslyExported: null,
        delta: "1000.00",
      },
    ],
    decision: { by: { name: "Alex Approver" }, at: "2025-03-03T10:00:00Z", action: "accept", reason: null },
    export: {
      attempts: [
        {
          attempt: 1,
          startedAt: "2025-03-03T10:00:00Z",
          finishedAt: "2025-03-03T10:00:02Z",
          outcome: "failed",
          error: null,
        },
        {
          attempt: 2,
          startedAt: "2025-03-03T11:00:00Z",
          finishedAt: "2025-03-03T11:00:02Z",
          outcome: "failed",
          error: null,
        },
      ],
      lastError: {
        code: "changed_in_quickbooks",
        message: "The estimate was changed in QuickBooks.",
        remedy: "Retry to overwrite it, or reject.",
      },
      erpRef: { estimateId: "146", syncToken: "3" },
      confirmedAt: null,
    },
    preview: {
      estimate: { docNumber: "CB-2024-01", customer: "Harbor Lofts" },
      estimateLines: [{ item: "03-300", description: "Labor", amount: "102500.25" }],
      jobsToCreate: [],
      itemsToCreate: ["05-100"],
    },
  };

  it("shows the classic columns plus previously exported and change, with exact totals", () => {
    const html = renderToString(<BudgetUpdatesContent detail={detail} />);
    const headers = [...html.matchAll(/<th scope="col"[^>]*>([^<]+)<\/th>/g)].map((m) => m[1]);
    expect(headers.slice(0, 7)).toEqual([
      "Cost Code",
      "Category",
      "Original Budget",
      "Budget Changes",
      "Revised Estimate",
      "Previously exported",
      "Change",
    ]);
    expect(text(html)).toContain("Totals $100,000.00 $3,500.25 $103,500.25 $100,000.00 +$3,500.25");
    expect(text(html)).toContain("New");
  });

  it("shows the last error with its remedy and the QuickBooks preview", () => {
    const page = text(renderToString(<BudgetUpdatesContent detail={detail} />));
    expect(page).toContain("The estimate was changed in QuickBooks.");
    expect(page).toContain("What to do: Retry to overwrite it, or reject.");
    expect(page).toContain("Attempts 2");
    expect(page).toContain("Estimate lines");
    expect(page).toContain("$102,500.25");
    expect(page).toContain("Items to create 05-100");
    expect(page).toContain("CB-2024-01");
  });
});

describe("Connection", () => {
  const connect = {
    method: "POST" as const,
    path: "/api/v1/companies/c1/erp/connection/quickbooks-online/connect",
  };
  const qbo = (status: string, details: Record<string, unknown>): Connection => ({
    type: "quickbooks_online",
    label: "QuickBooks Online",
    connectionFlow: "oauth",
    connect,
    status,
    details,
  });

  it("offers the connect call the server names when QuickBooks Online is missing or needs reconnecting", () => {
    const start = { label: "QuickBooks Online", connect };
    expect(
      connectionToStart({
        type: null,
        status: "not_connected",
        details: null,
        choices: [
          { kind: "quickbooks_online", label: "QuickBooks Online", connectionFlow: "oauth", connect },
          { kind: "quickbooks_desktop", label: "QuickBooks Desktop", connectionFlow: "agent_credentials" },
        ],
      }),
    ).toEqual(start);
    expect(connectionToStart(qbo("connected", { tokenHealth: "ok" }))).toBeNull();
    expect(connectionToStart(qbo("reconnect_required", {}))).toEqual(start);
    expect(connectionToStart(qbo("connected", { tokenHealth: "revoked" }))).toEqual(start);
    expect(
      connectionToStart({
        type: "quickbooks_desktop",
        label: "QuickBooks Desktop",
        connectionFlow: "agent_credentials",
        status: "connected",
        details: {},
      }),
    ).toBeNull();
  });

  it("offers nothing to start when no ERP choice has a connect call", () => {
    expect(
      connectionToStart({
        type: null,
        status: "not_connected",
        details: null,
        choices: [{ kind: "fake_ledger", label: "Fake Ledger", connectionFlow: "preconfigured" }],
      }),
    ).toBeNull();
  });

  it("shows the Web Connector details of a desktop connection", () => {
    const html = renderToString(
      <ConnectionCard
        connection={{
          type: "quickbooks_desktop",
          label: "QuickBooks Desktop",
          connectionFlow: "agent_credentials",
          status: "connected",
          details: { username: "costbridge-zenith", queuedRequests: 3, defaultParentCustomer: "Zenith Jobs" },
        }}
      />,
    );
    const page = text(html);
    expect(page).toContain("QuickBooks Desktop");
    expect(page).toContain("Web Connector user name costbridge-zenith");
    expect(page).toContain("Queued requests 3");
    expect(page).toContain("Default parent customer for new jobs Zenith Jobs");
  });
});

describe("Changed in QuickBooks", () => {
  const pm = company({ budget: "admin", erpIntegrations: "read_only" });

  it("the budget page says when someone changed the exported estimate's lines or job in QuickBooks", () => {
    const changed = {
      ...budget,
      changedInQuickBooks: { at: "2026-12-06T20:00:05.000Z", estimateId: "101", submissionId: "s1" },
    };
    const html = render(
      <BudgetView company={pm} projectId="p1" budget={changed} history={[]} />,
      "/companies/acme/projects/p1/budget",
    );
    expect(html).toMatch(/class="pill pill-changed-in-erp"[^>]*>Changed in QuickBooks</);
    expect(text(html)).toContain("Someone changed the estimate's lines or job in QuickBooks");
    const plain = render(
      <BudgetView company={pm} projectId="p1" budget={budget} history={[]} />,
      "/companies/acme/projects/p1/budget",
    );
    expect(plain).not.toContain("Changed in QuickBooks");
  });

  it("ERP Integrations marks the exported submission whose estimate was changed in QuickBooks", () => {
    const [first, second] = submissionList.items;
    const list = {
      ...submissionList,
      items: [
        { ...first!, status: "exported" as const, changedInQuickBooksAt: "2026-12-06T20:00:05.000Z" },
        { ...second!, status: "exported" as const },
      ],
    };
    const html = render(
      <ErpBudgetsTab company={approver} />,
      "/companies/acme/erp?filter=exported",
      seedList("exported", list),
    );
    const rows = html.match(/<tr[^>]*>[\s\S]*?<\/tr>/g)?.filter((r) => r.includes("<td")) ?? [];
    expect(rows).toHaveLength(2);
    expect(rows[0]).toMatch(/>Changed in QuickBooks</);
    expect(rows[1]).not.toMatch(/Changed in QuickBooks/);
  });
});
