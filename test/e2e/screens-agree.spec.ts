import { expect, type Page, test } from "@playwright/test";
import {
  Api,
  budgetPath,
  budgetUrl,
  newProject,
  type Project,
  rowOf,
  SAMPLE_LINES,
  sentBudget,
  signedInPage,
  signIn,
} from "./support.js";

interface BudgetBody {
  state: string;
  pendingSubmissionId: string | null;
  lines: { id: string; costCode: string; category: string }[];
}

const budgetOf = (api: Api, project: Project) => api.call<BudgetBody>("GET", budgetPath(project));

async function pendingId(api: Api, project: Project): Promise<string> {
  const budget = await budgetOf(api, project);
  if (!budget.pendingSubmissionId) throw new Error(`${project.name} has nothing pending`);
  return budget.pendingSubmissionId;
}

/** A budget sent, accepted and written to QuickBooks. */
async function syncedBudget(request: Parameters<typeof sentBudget>[0], label: string) {
  const project = await sentBudget(request, label);
  const pm = await Api.as(request, "pm@acme.test");
  const approver = await Api.as(request, "approver@acme.test");
  const id = await pendingId(pm, project);
  await approver.call("POST", `/erp/budget-submissions/${id}/accept`);
  await expect.poll(async () => (await budgetOf(pm, project)).state, { timeout: 20_000 }).toBe("synced");
  return { project, pm, approver };
}

/** The badge the Projects list shows for the project. */
async function listBadge(page: Page, companyId: string, project: Project) {
  await page.goto(`/companies/${companyId}/projects`);
  return rowOf(page, project).locator(".pill");
}

test("a rejected budget reads Rejected in the Projects list, as its page says", async ({ page, request }) => {
  const project = await sentBudget(request, "Rejected Row");
  const pm = await Api.as(request, "pm@acme.test");
  const approver = await Api.as(request, "approver@acme.test");
  await approver.call("POST", `/erp/budget-submissions/${await pendingId(pm, project)}/reject`, {
    reason: "Split the concrete line.",
  });

  await signIn(page, "pm@acme.test");
  await expect(await listBadge(page, pm.companyId, project)).toHaveText("Rejected");
  await rowOf(page, project).getByRole("link", { name: project.name }).click();
  await expect(page.getByRole("region", { name: "Budget status" })).toContainText("Rejected by accounting");
});

test("a synced budget with an unsent change says so in the list and on the page; only unchanged lines read In QuickBooks", async ({
  page,
  request,
}) => {
  const { project, pm } = await syncedBudget(request, "Changed Since");
  const budget = await budgetOf(pm, project);
  const concrete = budget.lines.find((l) => l.costCode === "03-300");
  if (!concrete) throw new Error("no 03-300 line");
  const change = await pm.call<{ id: string }>("POST", `${budgetPath(project)}/changes`, {
    description: "More concrete",
    adjustments: [{ lineId: concrete.id, amount: "1000.00" }],
  });
  await pm.call("POST", `${budgetPath(project)}/changes/${change.id}/approve`);

  await signIn(page, "pm@acme.test");
  await expect(await listBadge(page, pm.companyId, project)).toHaveText("Changed since sync");
  await page.goto(budgetUrl(pm.companyId, project));
  await expect(page.getByRole("region", { name: "Budget status" })).toContainText("Changed since sync");
  const lines = page.getByRole("table", { name: "Budget lines with their amounts" });
  const row = (code: string) => lines.getByRole("row").filter({ hasText: code });
  await expect(row("03-300")).toContainText("Changed since export");
  await expect(row("03-300")).not.toContainText("In QuickBooks");
  await expect(row("01-100")).toContainText("In QuickBooks");
  await expect(row("26-100")).toContainText("In QuickBooks");
});

test("Delete is offered only on lines the server would delete; a refusal closes the dialog and says why", async ({
  page,
  request,
}) => {
  const project = await newProject(request, "Delete Offer");
  const pm = await Api.as(request, "pm@acme.test");
  for (const line of SAMPLE_LINES) await pm.call("POST", `${budgetPath(project)}/lines`, line);
  await pm.call("POST", `${budgetPath(project)}/lock`);
  const zero = await pm.call<{ id: string }>("POST", `${budgetPath(project)}/lines`, {
    costCode: "09-250",
    category: "M",
    originalBudget: "0.00",
  });

  await signIn(page, "pm@acme.test");
  await page.goto(budgetUrl(pm.companyId, project));
  // Locked lines with amounts stay: no Delete to be refused.
  for (const line of SAMPLE_LINES) {
    await expect(
      page.getByRole("button", { name: `Delete line ${line.costCode} ${line.category}` }),
    ).toHaveCount(0);
  }
  const deleteZero = page.getByRole("button", { name: "Delete line 09-250 M" });
  await expect(deleteZero).toBeVisible();

  // Meanwhile a budget change starts using the $0 line: the server now refuses, and the dialog does not linger.
  await deleteZero.click();
  const dialog = page.getByRole("dialog", { name: "Delete this line?" });
  await expect(dialog).toBeVisible();
  await pm.call("POST", `${budgetPath(project)}/changes`, {
    description: "Paint",
    adjustments: [{ lineId: zero.id, amount: "50.00" }],
  });
  await dialog.getByRole("button", { name: "Delete line" }).click();
  await expect(dialog).toBeHidden();
  await expect(page.getByText(/used by budget change #1/)).toBeVisible();
  await expect(deleteZero).toHaveCount(0);
});

test("an empty budget cannot be locked: the button says why and the API answers 409 budget_empty", async ({
  page,
  request,
}) => {
  const project = await newProject(request, "Empty Lock");
  const pm = await Api.as(request, "pm@acme.test");
  const response = await request.post(`/api/v1/companies/${pm.companyId}${budgetPath(project)}/lock`, {
    headers: { authorization: `Bearer ${await tokenOf(request, "pm@acme.test")}` },
  });
  expect(response.status()).toBe(409);
  expect(((await response.json()) as { error: { code: string } }).error.code).toBe("budget_empty");
  expect((await budgetOf(pm, project)).state).toBe("unlocked");

  await signIn(page, "pm@acme.test");
  await page.goto(budgetUrl(pm.companyId, project));
  await expect(page.getByRole("button", { name: "Lock Budget" })).toBeDisabled();
  await expect(page.getByRole("region", { name: "Budget actions" })).toContainText(
    "Add at least one line before locking the budget.",
  );
});

async function tokenOf(request: Parameters<typeof sentBudget>[0], email: string): Promise<string> {
  const auth = await request.post("/api/v1/auth/token", { data: { email, password: "demo" } });
  return ((await auth.json()) as { token: string }).token;
}

test("the Synced list and count hold current exports only; the budget's history marks the overwritten one Replaced", async ({
  page,
  request,
}) => {
  const { project, pm, approver } = await syncedBudget(request, "Twice Synced");
  const budget = await budgetOf(pm, project);
  const change = await pm.call<{ id: string }>("POST", `${budgetPath(project)}/changes`, {
    description: "Extra steel",
    adjustments: [{ lineId: budget.lines[0]?.id, amount: "250.00" }],
  });
  await pm.call("POST", `${budgetPath(project)}/changes/${change.id}/approve`);
  await pm.call("POST", `${budgetPath(project)}/send-to-erp`);
  await approver.call("POST", `/erp/budget-submissions/${await pendingId(pm, project)}/accept`);
  await expect.poll(async () => (await budgetOf(pm, project)).state, { timeout: 20_000 }).toBe("synced");

  await signIn(page, "approver@acme.test");
  await page.goto(`/companies/${approver.companyId}/erp?filter=exported`);
  await expect(page.getByRole("heading", { level: 1 })).toBeVisible();
  await expect(rowOf(page, project)).toHaveCount(1);
  const synced = page.locator(".count-link", { hasText: "Synced" }).locator(".count-value");
  const rows = page.getByRole("table").first().locator("tbody tr");
  await expect(synced).not.toHaveText("…");
  expect(Number(await synced.textContent())).toBe(await rows.count());

  await page.goto(budgetUrl(pm.companyId, project));
  const history = page.getByRole("table").filter({ hasText: "Sent by" });
  await expect(history.locator(".pill", { hasText: "Replaced" })).toHaveCount(1);
  await expect(history.locator(".pill", { hasText: "Synced" })).toHaveCount(1);
});

test("Company › Cost codes and Project setup show the item and job an export mapped and linked", async ({
  page,
  request,
}) => {
  const admin = await Api.as(request, "admin@acme.test");
  const code = `31-${String(Date.now() % 1000).padStart(3, "0")}`;
  const created = await admin.call<{ id: string }>("POST", "/cost-codes", {
    code,
    description: "Earthwork",
  });
  const project = await sentBudget(request, "Mapped By Export", [
    { costCode: code, category: "L", originalBudget: "700.00" },
  ]);
  const pm = await Api.as(request, "pm@acme.test");
  const approver = await Api.as(request, "approver@acme.test");
  await approver.call("POST", `/erp/budget-submissions/${await pendingId(pm, project)}/accept`);
  await expect.poll(async () => (await budgetOf(pm, project)).state, { timeout: 20_000 }).toBe("synced");
  expect(created.id).toBeTruthy();

  await signIn(page, "admin@acme.test");
  await page.goto(`/companies/${admin.companyId}/admin/cost-codes`);
  const codeRow = page.getByRole("row").filter({ hasText: code });
  await expect(codeRow).toBeVisible();
  await expect(codeRow).not.toContainText("Not mapped");
  await page.goto(`/companies/${admin.companyId}/admin/projects`);
  const projectRow = rowOf(page, project);
  await expect(projectRow).toBeVisible();
  await expect(projectRow).not.toContainText("New job under");
  await expect(projectRow).not.toContainText("Not linked");
});

test("after QuickBooks is disconnected, approvers see a banner and cannot choose Accept", async ({
  page,
  browser,
  request,
}) => {
  const project = await sentBudget(request, "Offline Accept");
  const admin = await Api.as(request, "admin@acme.test");
  await admin.call("DELETE", "/erp/connection");
  try {
    await signIn(page, "approver@acme.test");
    await page.goto(`/companies/${admin.companyId}/erp?filter=ready_to_export`);
    await expect(page.getByRole("alert").filter({ hasText: "QuickBooks is not connected" })).toBeVisible();
    const row = rowOf(page, project);
    await expect(row.getByRole("radio", { name: "Accept" })).toBeDisabled();
    await expect(row.getByRole("radio", { name: "Reject" })).toBeEnabled();
    await expect(page.getByRole("button", { name: "Accept all" })).toBeDisabled();
  } finally {
    // Other journeys need QuickBooks connected: connect it again as the admin would.
    const adminPage = await signedInPage(
      browser,
      "admin@acme.test",
      `/companies/${admin.companyId}/erp/connection`,
    );
    await adminPage.getByRole("button", { name: "Connect to QuickBooks" }).click();
    await adminPage.waitForURL(/connected=1/);
    await adminPage.context().close();
  }
  await page.reload();
  await expect(rowOf(page, project).getByRole("radio", { name: "Accept" })).toBeEnabled();
  await expect(page.getByRole("alert").filter({ hasText: "QuickBooks is not connected" })).toHaveCount(0);
});

test("small things: the favicon is served, the breadcrumb names the project, a bad email says what is wrong", async ({
  page,
  request,
}) => {
  const icon = await request.get("/favicon.ico");
  expect(icon.status()).toBe(200);
  expect(icon.headers()["content-type"]).toMatch(/image/);

  const project = await newProject(request, "Crumb Name");
  const admin = await Api.as(request, "admin@acme.test");
  await signIn(page, "admin@acme.test");
  await page.goto(budgetUrl(admin.companyId, project));
  const crumb = page.locator("main .page-kicker").first();
  await expect(crumb).toContainText(`Projects / ${project.name}`);

  await page.goto(`/companies/${admin.companyId}/admin/directory`);
  await page.getByRole("button", { name: "Invite user" }).click();
  const dialog = page.getByRole("dialog");
  await dialog.getByLabel("Name").fill("Pat Doe");
  await dialog.getByLabel("Email").fill("pat.example.com");
  await dialog
    .getByRole("button", { name: /Invite|Send/ })
    .last()
    .click();
  await expect(dialog).toContainText("“pat.example.com” has no @");
});

test("project names in ERP Integrations open the budget", async ({ page, request }) => {
  const project = await sentBudget(request, "Linked Name");
  await signIn(page, "approver@acme.test");
  await rowOf(page, project).getByRole("link", { name: project.name }).click();
  await expect(page).toHaveURL(new RegExp(`/projects/${project.id}/budget$`));
  await expect(page.getByRole("region", { name: "Budget status" })).toContainText("Waiting for accounting");
});
