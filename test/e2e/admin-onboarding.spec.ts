import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { type APIRequestContext, type Browser, expect, type Page, test } from "@playwright/test";
import { QBO, snap, unique } from "./support.js";

// The product prints its operator token at start; run-e2e keeps that output in test-results/product.log. The log
// must be this run's (another run started meanwhile would have rewritten it with its own address and token).
function operatorToken(baseURL: string): string {
  if (process.env.OPERATOR_TOKEN) return process.env.OPERATOR_TOKEN;
  const log = fileURLToPath(new URL("../../test-results/product.log", import.meta.url));
  const text = existsSync(log) ? readFileSync(log, "utf8") : "";
  const runningAt = /Costbridge is running at (\S+)/.exec(text)?.[1];
  const token = /Operator token: (\S+)/.exec(text)?.[1];
  if (!token || !runningAt || new URL(runningAt).port !== new URL(baseURL).port) {
    throw new Error("no operator token for this run: set OPERATOR_TOKEN, or run the journeys alone");
  }
  return token;
}

async function operator(
  request: APIRequestContext,
  method: "POST" | "PATCH" | "PUT",
  path: string,
  data: unknown,
) {
  const res = await request.fetch(`/api/v1/operator${path}`, {
    method,
    headers: { authorization: `Bearer ${operatorToken(test.info().project.use.baseURL ?? "")}` },
    data,
  });
  expect(res.ok(), `${method} ${path}: ${await res.text()}`).toBe(true);
  return res.json();
}

/**
 * The newest invitation link sent to `email`, read from the demo mail catcher (what the person's inbox shows) with
 * the operator token: the invitee cannot sign in yet, and people read only their own company's mail there.
 */
async function invitationLink(request: APIRequestContext, email: string): Promise<string> {
  const token = operatorToken(test.info().project.use.baseURL ?? "");
  let link: string | undefined;
  await expect
    .poll(
      async () => {
        const res = await request.get("/api/v1/operator/demo/mailbox", {
          headers: { authorization: `Bearer ${token}` },
        });
        const { items } = (await res.json()) as { items: { to: string[]; subject: string; text: string }[] };
        const mail = items.find((m) => m.to.some((to) => to.toLowerCase().includes(email.toLowerCase())));
        link = mail ? /https?:\/\/\S+\/invitations\/[A-Za-z0-9_-]+/.exec(mail.text)?.[0] : undefined;
        return Boolean(link);
      },
      { timeout: 20_000 },
    )
    .toBe(true);
  return new URL(link as string).pathname;
}

async function acceptInvitation(
  browser: Browser,
  request: APIRequestContext,
  email: string,
  password: string,
) {
  const page = await (await browser.newContext()).newPage();
  await page.goto(await invitationLink(request, email));
  await expect(page.getByRole("heading", { name: "Accept your invitation" })).toBeVisible();
  await page.getByLabel("New password").fill("password123");
  await page.getByLabel("Repeat the password").fill("password123");
  await page.getByRole("button", { name: "Set password" }).click();
  await expect(page.getByText("That password is too common.")).toBeVisible();
  await page.getByLabel("New password").fill(password);
  await page.getByLabel("Repeat the password").fill(password);
  await page.getByRole("button", { name: "Set password" }).click();
  await expect(page).toHaveURL(/\/signin\?invited=1/);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  await expect(page.getByRole("button", { name: "Sign out" })).toBeVisible();
  return page;
}

const sections = (page: Page) => page.getByRole("navigation", { name: "Company sections" });

async function inviteFromDirectory(
  page: Page,
  who: { name: string; email: string; erp?: string; budget?: string; send?: boolean },
) {
  await page.getByRole("button", { name: "Invite user" }).click();
  const dialog = page.getByRole("dialog", { name: "Invite user" });
  await dialog.getByLabel("Name").fill(who.name);
  await dialog.getByLabel("Email address").fill(who.email);
  if (who.erp) await dialog.getByLabel("ERP Integrations").selectOption({ label: who.erp });
  if (who.budget) await dialog.getByLabel("Budget (all projects)").selectOption({ label: who.budget });
  if (who.send) await dialog.getByLabel("Send and Retrieve Budgets from ERP").check();
  await dialog.getByRole("button", { name: "Send invitation" }).click();
  await expect(dialog).toBeHidden();
  await expect(page.getByRole("row").filter({ hasText: who.email })).toContainText("Invited");
}

test("a company created by the operator goes from nothing to its first exported budget through the UI", async ({
  browser,
  page,
  request,
}, info) => {
  test.setTimeout(120_000);
  const id = unique();
  const domain = `onboard-${id.toLowerCase()}.test`;
  const people = {
    admin: { name: "Olga Owner", email: `owner@${domain}`, password: "Quartz-Harbor-Lamp-81" },
    pm: { name: "Pia Planner", email: `pm@${domain}`, password: "Maple-Window-Tide-27" },
    approver: { name: "Arlo Auditor", email: `approver@${domain}`, password: "Copper-Field-Stone-64" },
  };
  const companyName = `Onboard Builders ${id}`;

  // The operator creates the company and invites its first admin (there is no operator UI: it is an API).
  const created = await operator(request, "POST", "/companies", {
    name: companyName,
    timeZone: "America/Chicago",
    adminEmail: people.admin.email,
    adminName: people.admin.name,
  });
  const companyId = created.company.id as string;
  const admin = await acceptInvitation(browser, request, people.admin.email, people.admin.password);
  await expect(admin.getByRole("combobox", { name: "Company" })).toHaveValue(companyId);

  // The admin invites a project manager and an approver from the Directory.
  await admin.getByRole("link", { name: "Company", exact: true }).click();
  await expect(admin.getByRole("heading", { name: "Directory", level: 1 })).toBeVisible();
  await inviteFromDirectory(admin, { ...people.pm, budget: "Admin" });
  await inviteFromDirectory(admin, { ...people.approver, erp: "Standard", budget: "Read Only" });
  await snap(admin, info, "directory with invitations", { mobile: true });
  // Inviting the same address twice is refused in the dialog and changes nothing.
  await admin.getByRole("button", { name: "Invite user" }).click();
  const dup = admin.getByRole("dialog", { name: "Invite user" });
  await dup.getByLabel("Name").fill("Someone Else");
  await dup.getByLabel("Email address").fill(people.pm.email.toUpperCase());
  await dup.getByRole("button", { name: "Send invitation" }).click();
  await expect(dup.getByText(/already in this company's directory/)).toBeVisible();
  await dup.getByRole("button", { name: "Cancel" }).click();

  const pm = await acceptInvitation(browser, request, people.pm.email, people.pm.password);
  const approver = await acceptInvitation(browser, request, people.approver.email, people.approver.password);

  // Permissions: the PM also gets the Lock Budget right; the approver the Can Push to Accounting privilege, which
  // the operator lets this company's admins grant themselves (self-service) once the admin holds it.
  await admin.reload();
  await admin.getByRole("button", { name: `Edit ${people.pm.name}` }).click();
  const editPm = admin.getByRole("dialog", { name: `Edit ${people.pm.name}` });
  await editPm.getByLabel("Lock Budget", { exact: true }).check();
  await editPm.getByRole("button", { name: "Save permissions" }).click();
  await expect(admin.getByText("Permissions saved.")).toBeVisible();
  await editPm.getByRole("button", { name: "Close" }).click();
  await operator(request, "PATCH", `/companies/${companyId}`, { selfServiceApproverGrants: true });
  const adminUserId = created.admin.user.id as string;
  await operator(request, "PUT", `/companies/${companyId}/users/${adminUserId}/can-push-to-accounting`, {
    granted: true,
  });
  await admin.reload();
  await admin.getByRole("button", { name: `Edit ${people.approver.name}` }).click();
  const editApprover = admin.getByRole("dialog", { name: `Edit ${people.approver.name}` });
  await editApprover.getByRole("button", { name: "Grant Can Push to Accounting" }).click();
  await expect(editApprover.getByRole("button", { name: "Withdraw Can Push to Accounting" })).toBeVisible();
  await editApprover.getByRole("button", { name: "Close" }).click();
  await expect(admin.getByRole("row").filter({ hasText: people.approver.email })).toContainText(
    "Accounting approver",
  );
  await snap(admin, info, "directory with permissions");

  // Connect QuickBooks Online (its consent page sends the browser back to the Connection tab).
  await admin.getByRole("link", { name: "ERP Integrations" }).click();
  await admin.getByRole("link", { name: "Connection" }).click();
  await admin.getByRole("button", { name: "Connect to QuickBooks" }).click();
  await expect(admin).toHaveURL(/\/erp\/connection\?connected=1/);
  await expect(admin.getByRole("region", { name: "QuickBooks Online" })).toContainText("Connected");

  // Cost codes, a project, and their QuickBooks mappings.
  await admin.getByRole("link", { name: "Company", exact: true }).click();
  await sections(admin).getByRole("link", { name: "Cost codes" }).click();
  const addCode = admin.getByRole("form", { name: "Add a cost code" });
  await addCode.getByLabel("Code").fill("03-300");
  await addCode.getByLabel("Description").fill("Cast-in-place concrete");
  await addCode.getByRole("button", { name: "Add cost code" }).click();
  await expect(admin.getByRole("row").filter({ hasText: "03-300" })).toContainText("Not mapped");
  await sections(admin).getByRole("link", { name: "Project setup" }).click();
  const projectNumber = `OB-${id}`;
  const projectName = `Harbor Lofts ${id}`;
  await admin.getByLabel("Project number").fill(projectNumber);
  await admin.getByLabel("Project name").fill(projectName);
  await admin.getByRole("button", { name: "Create project" }).click();
  await expect(admin.getByRole("row").filter({ hasText: projectNumber })).toContainText("Not linked");

  await sections(admin).getByRole("link", { name: "Mappings" }).click();
  const itemSelect = admin.getByLabel("QuickBooks item for 03-300");
  await expect(itemSelect.locator("option:checked")).toHaveText("03-300 Cast-in-place concrete");
  await admin.getByRole("button", { name: "Match identical names" }).click();
  await expect(admin.getByText("Mapped 1 cost code(s) to items of the same name.")).toBeVisible();
  const label = `${projectNumber} ${projectName}`;
  await admin
    .getByLabel(`QuickBooks job for ${label}`)
    .selectOption({ label: "New job under Acme Builders Jobs" });
  await admin.getByRole("button", { name: `Save the QuickBooks job of ${label}` }).click();
  await expect(admin.getByText(`Project ${projectNumber} saved.`)).toBeVisible();
  await snap(admin, info, "mappings", { mobile: true });

  // Every change so far is in the audit log.
  await sections(admin).getByRole("link", { name: "Audit log" }).click();
  const log = admin.getByRole("table", { name: `Audit log of ${companyName}` });
  // It reads as sentences naming the people and the project.
  await expect(log).toContainText(`linked ${label} to a QuickBooks job.`);
  await expect(log).toContainText("push budgets to accounting.");
  await expect(log).toContainText("The platform operator created the company.");

  // The PM builds, locks and sends the budget.
  // Both signed in long ago: a reload shows what the admin set up since.
  await pm.getByRole("link", { name: "Projects" }).click();
  await pm.reload();
  await pm.getByRole("link", { name: projectName }).click();
  const form = pm.getByRole("form", { name: "Add a line" });
  await form.getByLabel("Cost code").selectOption({ value: "03-300" });
  await form.getByLabel("Category").selectOption({ value: "M" });
  await form.getByLabel("Original amount").fill("48,250.50");
  await form.getByRole("button", { name: "Add line" }).click();
  await expect(pm.getByRole("row").filter({ hasText: "03-300" })).toHaveCount(1);
  await pm.getByRole("button", { name: "Lock Budget" }).click();
  await pm.getByRole("button", { name: "Send to ERP" }).click();
  await expect(pm.getByRole("region", { name: "Budget status" })).toContainText("Waiting for accounting");

  // The approver accepts it, and QuickBooks holds the estimate.
  await approver.getByRole("link", { name: "ERP Integrations" }).click();
  await approver.reload();
  const row = approver.getByRole("row").filter({ hasText: projectName });
  await row.getByRole("radio", { name: "Accept" }).check();
  await approver.getByRole("button", { name: "Export", exact: true }).click();
  const result = approver
    .getByRole("region", { name: "Results" })
    .getByRole("listitem")
    .filter({ hasText: projectName });
  await expect(result).toContainText("Synced", { timeout: 30_000 });
  await snap(approver, info, "first export synced");

  const state = (await (await request.get(`${QBO}/__emulator/state`)).json()) as {
    realms: Record<string, { Estimate?: { DocNumber?: string; TotalAmt: number }[] }>;
  };
  const estimates = Object.values(state.realms)
    .flatMap((r) => r.Estimate ?? [])
    .filter((e) => e.DocNumber === `CB-${projectNumber}`);
  expect(estimates).toHaveLength(1);
  expect(estimates[0]?.TotalAmt).toBe(48250.5);
  await page.close();
});
