import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import type { ReactNode } from "react";
import { renderToString } from "react-dom/server";
import { describe, expect, it } from "vitest";
import {
  type Commitment,
  type CompanyMembership,
  keys,
  type Permissions,
  type SubmissionDetail,
  type SubmissionList,
} from "../api.js";
import { resolveRoute } from "../app.js";
import { StaticRouter } from "../router.js";
import {
  COMMITMENT_DOCUMENTS,
  commitmentRibbon,
  parseFilter,
  statusMoves,
  submissionLabel,
} from "../rules.js";
import { BudgetUpdatesContent } from "./budget-updates.js";
import { CommitmentView } from "./commitment-view.js";
import { ErpSubmissionsTab } from "./erp-budgets.js";

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

const approver = company({ erpIntegrations: "standard", canPushToAccounting: true, budget: "read_only" });
const pm = company({ budget: "standard", erpIntegrations: "read_only" });

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

const allowed = { allowed: true, reasons: [] };

const approvedCommitment: Commitment = {
  id: "cm1",
  number: "SC-001",
  kind: "subcontract",
  title: "Drywall",
  vendor: { id: "v1", name: "Acme Drywall" },
  status: "approved",
  locked: false,
  erpState: "not_sent",
  totals: { original: "10000.00", approvedChanges: "0.00", revised: "10000.00", pendingChanges: "1500.00" },
  lastSubmission: null,
  pendingSubmissionId: null,
  lines: [
    {
      id: "l1",
      costCode: "09-250",
      costCodeDescription: "Drywall",
      category: "S",
      description: "Hang and finish",
      original: "10000.00",
      approvedChanges: "0.00",
      revised: "10000.00",
      exported: null,
    },
  ],
  changeOrders: [
    {
      id: "co1",
      number: 1,
      title: "Extra level 5 finish",
      status: "pending",
      lines: [{ costCode: "09-250", category: "S", description: "", amount: "1500.00" }],
      total: "1500.00",
      createdAt: "2026-12-01T15:00:00Z",
      createdBy: { id: "u1", name: "Paula Martinez" },
      decidedAt: null,
      decidedBy: null,
    },
  ],
  actions: {
    edit: allowed,
    changeStatus: allowed,
    addChangeOrder: allowed,
    send: allowed,
    retrieve: {
      allowed: false,
      reasons: [{ code: "nothing_pending", message: "Nothing is waiting in ERP." }],
    },
  },
  version: 3,
  createdBy: { id: "u1", name: "Paula Martinez" },
  createdAt: "2026-11-30T15:00:00Z",
};

const commitmentList: SubmissionList = {
  items: [
    {
      id: "cs1",
      status: "ready_to_export",
      project: { id: "p1", number: "2024-01", name: "Harbor Lofts" },
      commitment: { id: "cm1", number: "SC-001", title: "Drywall", kind: "subcontract" },
      vendor: { id: "v1", name: "Acme Drywall" },
      submittedBy: { id: "u1", name: "Paula Martinez", email: "pm@acme.test" },
      submittedAt: "2026-12-01T15:00:00Z",
      lineCount: 1,
      totals: { revised: "11500.00", delta: "1500.00" },
    },
  ],
  nextCursor: null,
  counts: { ready_to_export: 1, exporting: 0, exported: 4, failed: 2, rejected: 1, retrieved: 0 },
};

describe("ERP Integrations, Commitments", () => {
  it("lists commitments with the budget tab's filter keys, their own words, and the vendor", () => {
    const html = render(
      <ErpSubmissionsTab company={approver} docs={COMMITMENT_DOCUMENTS} />,
      "/companies/acme/erp/commitments?filter=ready_to_export",
      (client) =>
        client.setQueryData(
          keys.submissionList("acme", "ready_to_export", null, "commitment"),
          commitmentList,
        ),
    );
    expect(html).toContain("Filter Commitments By");
    expect(html).toMatch(/<h2[^>]*>Commitments Ready to Be Exported<\/h2>/);
    const row = text(html.match(/<tr[^>]*>(?:(?!<\/tr>)[\s\S])*SC-001[\s\S]*?<\/tr>/)?.[0] ?? "");
    expect(row).toContain("Drywall");
    expect(row).toContain("Subcontract · Acme Drywall");
    expect(row).toContain("$11,500.00");
    expect(row).toContain("+$1,500.00");
    expect(html).toContain('href="/companies/acme/projects/p1/commitments/cm1"');
    expect(text(html)).toContain("Failed to Export 2");
    expect(html).toMatch(/>Export<\/button>/);
  });

  it("reads the email links' filters the same way for both tabs", () => {
    expect(parseFilter("failed", COMMITMENT_DOCUMENTS.filters).heading).toBe(
      "Commitments That Could Not Be Exported",
    );
    expect(parseFilter("rejected", COMMITMENT_DOCUMENTS.filters).key).toBe("rejected,retrieved");
    expect(resolveRoute("/companies/acme/erp/commitments")).toEqual({
      kind: "erp",
      companyId: "acme",
      tab: "commitments",
    });
    expect(resolveRoute("/companies/acme/projects/p1/commitments/cm1")).toEqual({
      kind: "commitments",
      companyId: "acme",
      projectId: "p1",
      commitmentId: "cm1",
    });
  });

  it("shows a commitment's lines with their change columns and the purchase order to be written", () => {
    const detail: SubmissionDetail = {
      ...(commitmentList.items[0] as SubmissionDetail),
      lines: [
        {
          costCode: "09-250",
          costCodeDescription: "Drywall",
          category: "S",
          description: "Hang and finish",
          original: "10000.00",
          approvedChanges: "1500.00",
          revised: "11500.00",
          previouslyExported: "10000.00",
          delta: "1500.00",
        },
      ],
      decision: null,
      export: null,
      preview: {
        erp: "QuickBooks Online",
        vendor: { name: "Acme Drywall", ref: "58", action: "linked" },
        customer: { job: "Harbor Lofts", create: false },
        purchaseOrder: { action: "update", docNumber: "SC-001", total: "11500.00" },
        lines: [{ item: "09-250 Drywall", description: "Hang and finish", amount: "11500.00" }],
      },
    };
    const html = text(render(<BudgetUpdatesContent detail={detail} docs={COMMITMENT_DOCUMENTS} />, "/"));
    expect(html).toContain("Original Approved Changes Revised Previously exported Change");
    expect(html).toContain("Hang and finish");
    expect(html).toContain("+$1,500.00");
    expect(html).toContain("Vendor Acme Drywall (linked in Mappings)");
    expect(html).toContain("Updates purchase order SC-001 in place");
    expect(submissionLabel(detail)).toBe("SC-001 Drywall — Acme Drywall");
  });
});

describe("A commitment", () => {
  it("offers the moves its status allows", () => {
    const labels = (c: Parameters<typeof statusMoves>[0]) => statusMoves(c).map((m) => m.label);
    const base = { lastSubmission: null, erpState: "not_sent" as const };
    expect(labels({ ...base, status: "draft" })).toEqual(["Out for signature", "Void"]);
    expect(labels({ ...base, status: "out_for_signature" })).toEqual(["Approve", "Back to draft", "Void"]);
    expect(labels({ ...base, status: "approved" })).toEqual(["Void"]);
    expect(
      labels({
        status: "approved",
        erpState: "synced",
        lastSubmission: { id: "s", status: "exported", reason: null },
      }),
    ).toEqual([]);
    expect(labels({ ...base, status: "void" })).toEqual([]);
  });

  it("says why it was rejected and that changes wait to be sent", () => {
    const rejected = commitmentRibbon({
      status: "approved",
      erpState: "not_sent",
      lastSubmission: { id: "s", status: "rejected", reason: "Wrong vendor" },
    });
    expect(rejected.title).toBe("Rejected by accounting");
    expect(
      commitmentRibbon({ status: "approved", erpState: "changes_to_send", lastSubmission: null }).title,
    ).toBe("Changes to send");
  });

  it("shows an approved commitment's send button, its lines, totals and pending change order", () => {
    const html = render(
      <CommitmentView company={pm} projectId="p1" commitment={approvedCommitment} />,
      "/companies/acme/projects/p1/commitments/cm1",
    );
    const words = text(html);
    expect(html).toMatch(/<button[^>]*>Send to ERP<\/button>/);
    expect(html).toMatch(/<button[^>]*disabled=""[^>]*>Retrieve from ERP<\/button>/);
    expect(words).toContain("Nothing is waiting in ERP.");
    expect(words).toContain("Hang and finish");
    expect(words).toContain("Extra level 5 finish");
    expect(words).toContain("Pending change orders: +$1,500.00");
    // Lines of an approved commitment change only through change orders.
    expect(html).not.toContain("Add a line");
    // A Standard budget user edits a pending change order but does not approve it.
    expect(html).toContain('aria-label="Edit change order 1"');
    expect(html).not.toContain('aria-label="Approve change order 1"');
  });
});
