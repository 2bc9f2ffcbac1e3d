import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import type { ReactNode } from "react";
import { renderToString } from "react-dom/server";
import { describe, expect, it } from "vitest";
import { type CompanyMembership, keys, type Permissions } from "../../api.js";
import { resolveRoute } from "../../app.js";
import { StaticRouter } from "../../router.js";
import { adminKeys, type CostCodeMapping, type DirectoryItem } from "./admin-api.js";
import { AdminPage } from "./admin-page.js";
import { adminNavLinks } from "./admin-routes.js";
import { describeAction, describeEmailProblem, visibleAdminTabs } from "./admin-rules.js";
import { ApproversTab } from "./approvers-tab.js";
import { DirectoryTab } from "./directory-tab.js";
import { MappingsTab } from "./mappings-tab.js";

const none: Permissions = {
  erpIntegrations: "none",
  directory: "none",
  budget: "none",
  lockBudget: false,
  sendAndRetrieveBudget: false,
  canPushToAccounting: false,
  subscribeErpDigest: true,
};
const company = (over: Partial<Permissions>): CompanyMembership => ({
  id: "co1",
  name: "Acme Builders",
  timeZone: "America/New_York",
  permissions: { ...none, ...over },
});

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

const text = (html: string) =>
  html
    .replace(/<!-- -->/g, "")
    .replace(/<[^>]+>/g, " ")
    .replace(/&#x27;/g, "'")
    .replace(/&amp;/g, "&")
    .replace(/\s+/g, " ")
    .trim();

const entry = (id: string, name: string, over: Partial<DirectoryItem> = {}): DirectoryItem => ({
  user: { id, email: `${id}@acme.test`, name },
  permissions: { ...none },
  isAccountingApprover: false,
  status: "active",
  active: true,
  projectOverrides: [],
  ...over,
});

describe("who sees which administration page", () => {
  it("gives each right its pages", () => {
    expect(visibleAdminTabs(none)).toEqual([]);
    expect(visibleAdminTabs({ ...none, directory: "admin" })).toEqual([
      "directory",
      "settings",
      "cost-codes",
      "vendors",
      "projects",
      "audit",
    ]);
    expect(visibleAdminTabs({ ...none, erpIntegrations: "admin" })).toEqual([
      "settings",
      "cost-codes",
      "vendors",
      "projects",
      "mappings",
      "audit",
      "approvers",
    ]);
    expect(visibleAdminTabs({ ...none, erpIntegrations: "standard", canPushToAccounting: true })).toEqual([
      "settings",
      "approvers",
    ]);
  });

  it("links Company only for those with a page there, My account for everyone", () => {
    expect(adminNavLinks(company({})).map((l) => l.label)).toEqual(["My account"]);
    expect(adminNavLinks(company({ directory: "read_only" })).map((l) => l.label)).toEqual([
      "Company",
      "My account",
    ]);
  });

  it("routes the administration paths and leaves the others alone", () => {
    expect(resolveRoute("/companies/co1/admin/directory")).toEqual({
      kind: "admin",
      companyId: "co1",
      tab: "directory",
    });
    expect(resolveRoute("/companies/co1/admin")).toEqual({ kind: "admin", companyId: "co1", tab: null });
    expect(resolveRoute("/companies/co1/account")).toEqual({ kind: "account", companyId: "co1" });
    expect(resolveRoute("/companies/co1/admin/nope")).toEqual({ kind: "not-found" });
    expect(resolveRoute("/companies/co1/erp")).toMatchObject({ kind: "erp" });
  });

  it("words audit actions for people", () => {
    expect(describeAction("directory.permissions_changed")).toBe("Directory: permissions changed");
    expect(describeAction("company.created")).toBe("Company: created");
  });

  it("says so when a page is not for the reader", () => {
    const html = render(
      <AdminPage company={company({ budget: "admin" })} tab="audit" />,
      "/companies/co1/admin/audit",
    );
    expect(text(html)).toContain("You do not have access");
  });
});

describe("Directory page", () => {
  const items = [
    entry("u1", "Ada Admin", { permissions: { ...none, directory: "admin" } }),
    entry("u2", "Abe Approver", {
      permissions: { ...none, erpIntegrations: "standard", canPushToAccounting: true },
      isAccountingApprover: true,
    }),
    entry("u3", "Ivy Invited", { status: "invited", permissions: { ...none, budget: "standard" } }),
  ];
  const seed = (client: QueryClient) => {
    client.setQueryData(adminKeys.directory("co1"), { items });
    client.setQueryData(keys.me, { user: items[0]?.user, companies: [] });
  };

  it("shows levels, status, the approver badge and the admin's own row", () => {
    const html = render(
      <DirectoryTab company={company({ directory: "admin" })} />,
      "/companies/co1/admin/directory",
      seed,
    );
    const t = text(html);
    expect(t).toContain("Invite user");
    expect(t).toContain("Ada Admin (you)");
    expect(t).toMatch(/Abe Approver .*Accounting approver/);
    expect(t).toMatch(/Ivy Invited .*Invited .*Standard/);
    expect(html).toContain('aria-label="Edit Abe Approver"');
  });

  it("is read-only below Directory Admin", () => {
    const html = render(
      <DirectoryTab company={company({ directory: "read_only" })} />,
      "/companies/co1/admin/directory",
      seed,
    );
    expect(text(html)).not.toContain("Invite user");
    expect(html).not.toContain('aria-label="Edit');
  });
});

describe("Approvers report and mappings", () => {
  it("lists the approvers with their badge", () => {
    const html = render(<ApproversTab company={company({ erpIntegrations: "read_only" })} />, "/", (c) =>
      c.setQueryData(adminKeys.approvers("co1"), {
        items: [
          {
            user: { id: "u2", email: "abe@acme.test", name: "Abe" },
            erpIntegrations: "standard",
            subscribeErpDigest: false,
          },
        ],
      }),
    );
    expect(text(html)).toContain("Abe Accounting approver abe@acme.test Standard Not subscribed");
  });

  it("preselects the item with the same name for an unmapped cost code", () => {
    const mapping: CostCodeMapping = {
      costCode: { id: "cc1", code: "03-300", description: "Concrete", active: true },
      item: null,
      itemMissing: false,
      suggestion: { ref: "7", name: "03-300 Cast-in-place concrete" },
    };
    const html = render(<MappingsTab company={company({ erpIntegrations: "admin" })} />, "/", (c) => {
      c.setQueryData(adminKeys.mappings("co1"), {
        items: [mapping],
        quickbooksItems: [
          { ref: "1", name: "Services", type: "Service", sku: null },
          { ref: "7", name: "03-300 Cast-in-place concrete", type: "Service", sku: "03-300" },
        ],
      });
      c.setQueryData(adminKeys.projects("co1"), []);
      c.setQueryData(adminKeys.customers("co1"), { items: [] });
    });
    expect(html).toMatch(/<option value="7" selected="">03-300 Cast-in-place concrete<\/option>/);
    expect(text(html)).toContain("Same name: 03-300 Cast-in-place concrete");
    expect(text(html)).toContain("Match identical names");
  });
});

describe("what a typed email address lacks", () => {
  it("names the problem instead of asking for an address again", () => {
    expect(describeEmailProblem("")).toBe("Enter an email address.");
    expect(describeEmailProblem("pat.example.com")).toContain("has no @");
    expect(describeEmailProblem("pat@example")).toContain("needs a dot");
    expect(describeEmailProblem("@example.com")).toContain("before the @");
    expect(describeEmailProblem("pat doe@example.com")).toContain("spaces");
    expect(describeEmailProblem("pat@@example.com")).toContain("only one @");
    expect(describeEmailProblem(" pat@example.com ")).toBeNull();
  });
});
