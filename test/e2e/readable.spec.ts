import { expect, type Locator, type Page, test } from "@playwright/test";
import {
  Api,
  budgetPath,
  DESKTOP,
  erpUrl,
  MOBILE,
  type Project,
  qboFault,
  rowOf,
  sentBudget,
  signIn,
  snap,
  unique,
} from "./support.js";

// The company zones of the demo: Acme Builders keeps New York time, Zenith Construction Chicago time.
const NEW_YORK = /(EST|EDT)/;

interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

function overlaps(a: Box, b: Box): boolean {
  return a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
}

async function box(locator: Locator): Promise<Box> {
  const found = await locator.boundingBox();
  if (!found) throw new Error("element is not laid out");
  return found;
}

/** How far the page scrolls sideways: 0 when nothing is wider than the screen. */
async function sideways(page: Page): Promise<number> {
  return page.evaluate(() => {
    const root = (
      globalThis as unknown as { document: { documentElement: { scrollWidth: number; clientWidth: number } } }
    ).document.documentElement;
    return root.scrollWidth - root.clientWidth;
  });
}

const label = (p: Project) => `${p.number} ${p.name}`;

interface Detail {
  status: string;
}

async function waitForStatus(api: Api, submissionId: string, status: string) {
  await expect
    .poll(
      async () =>
        (await api.call<Detail>("GET", `/erp/budget-submissions/${encodeURIComponent(submissionId)}`)).status,
      { timeout: 30_000 },
    )
    .toBe(status);
}

async function pendingSubmission(api: Api, project: Project): Promise<string> {
  const budget = await api.call<{ pendingSubmissionId: string | null }>("GET", budgetPath(project));
  if (!budget.pendingSubmissionId) throw new Error(`${project.number} has no pending submission`);
  return budget.pendingSubmissionId;
}

test("accepting on QuickBooks Desktop says the budget waits for the Web Connector, not that it was sent", async ({
  page,
  request,
}) => {
  const admin = await Api.as(request, "admin@zenith.test", "Zenith Construction");
  const id = unique();
  const project = await admin.call<Project>("POST", "/projects", {
    number: `Z${id}`,
    name: `Desktop Toast ${id}`,
  });
  await admin.call("POST", `${budgetPath(project)}/lines`, {
    costCode: "02-200",
    category: "L",
    originalBudget: "1800.00",
  });
  await admin.call("POST", `${budgetPath(project)}/lock`);
  await admin.call("POST", `${budgetPath(project)}/send-to-erp`);

  await signIn(page, "approver@zenith.test");
  await page.goto(erpUrl(admin.companyId, "ready_to_export"));
  await rowOf(page, project).getByRole("radio", { name: "Accept" }).check();
  await page.getByRole("button", { name: "Export", exact: true }).click();
  const toast = page.getByRole("status").filter({ hasText: "accepted" });
  await expect(toast).toContainText("waiting for the Web Connector to write it to QuickBooks Desktop");
  await expect(toast).not.toContainText("sent to QuickBooks");
});

test("a used invitation link says so once", async ({ page, request }) => {
  const admin = await Api.as(request, "admin@acme.test");
  const email = `reused-${unique().toLowerCase()}@acme.test`;
  await admin.call("POST", "/directory", { email, name: "Reused Link", permissions: {} });
  // A Directory Admin's Mailbox hides invitation tokens; the operator's view of the mail catcher holds the link.
  const operatorToken = process.env.OPERATOR_TOKEN;
  if (!operatorToken) throw new Error("OPERATOR_TOKEN is not set: run the journeys with `npm run test:e2e`");
  let link = "";
  await expect
    .poll(
      async () => {
        const res = await request.get("/api/v1/operator/demo/mailbox", {
          headers: { authorization: `Bearer ${operatorToken}` },
        });
        const { items } = (await res.json()) as { items: { to: string[]; text: string | null }[] };
        const mail = items.find((m) => m.to.some((to) => to.toLowerCase().includes(email)));
        link = /\/invitations\/[A-Za-z0-9_-]+/.exec(mail?.text ?? "")?.[0] ?? "";
        return link;
      },
      { timeout: 20_000 },
    )
    .not.toBe("");
  const accepted = await request.post(`/api/v1${link}/accept`, {
    data: { password: "a long enough password 1" },
  });
  expect(accepted.ok(), await accepted.text()).toBe(true);

  await page.goto(link);
  await page.getByLabel("New password").fill("another long password 2");
  await page.getByLabel("Repeat the password").fill("another long password 2");
  await page.getByRole("button", { name: "Set password" }).click();
  const alert = page.getByRole("alert");
  await expect(alert).toHaveCount(1);
  const message = ((await alert.locator("p").first().textContent()) ?? "").trim();
  expect(message.length).toBeGreaterThan(0);
  await expect(page.getByText(message, { exact: true })).toHaveCount(1);
});

test("rejecting several budgets names each and takes a reason per budget; the list shows who rejected and when", async ({
  page,
  request,
}, info) => {
  const first = await sentBudget(request, "Reject North");
  const second = await sentBudget(request, "Reject South");
  const approverApi = await Api.as(request, "approver@acme.test");

  // The API: a rejection without a reason is a 400 naming the field; each decision may carry its own reason.
  const missing = await request.post(
    `/api/v1/companies/${approverApi.companyId}/erp/budget-submissions/decisions`,
    {
      headers: { authorization: `Bearer ${await tokenOf(request, "approver@acme.test")}` },
      data: { decisions: [{ submissionId: await pendingSubmission(approverApi, first), action: "reject" }] },
    },
  );
  expect(missing.status()).toBe(400);
  const body = (await missing.json()) as { error: { code: string; field?: string } };
  expect(body.error.code).toBeTruthy();
  expect(body.error.field ?? "").toMatch(/reason/);

  await signIn(page, "approver@acme.test");
  for (const p of [first, second]) await rowOf(page, p).getByRole("radio", { name: "Reject" }).check();
  await page.getByRole("button", { name: "Export", exact: true }).click();
  const dialog = page.getByRole("dialog", { name: "Reject 2 budgets" });
  await expect(dialog.getByRole("list", { name: "Budgets to reject" })).toContainText(label(first));
  await expect(dialog.getByRole("list", { name: "Budgets to reject" })).toContainText(label(second));
  const firstReason = dialog.getByRole("textbox", { name: `Reason for ${label(first)}` });
  const secondReason = dialog.getByRole("textbox", { name: `Reason for ${label(second)}` });
  // The first box of the list takes focus.
  await expect(dialog.getByRole("textbox").first()).toBeFocused();
  await firstReason.fill("North: split the concrete line.");
  // The second is still blank: refused in place, next to that budget's box.
  await dialog.getByRole("button", { name: "Reject", exact: true }).click();
  await expect(dialog.getByRole("alert")).toHaveCount(1);
  await expect(secondReason).toBeFocused();
  await snap(page, info, "reject two budgets", { mobile: true });
  await secondReason.fill("South: the electrical number is last year's.");
  await dialog.getByRole("button", { name: "Reject", exact: true }).click();
  await expect(dialog).toBeHidden();

  await page.goto(erpUrl(approverApi.companyId, "rejected"));
  const northRow = rowOf(page, first);
  const southRow = rowOf(page, second);
  await expect(northRow).toContainText("North: split the concrete line.");
  await expect(southRow).toContainText("South: the electrical number is last year's.");
  await expect(northRow).toContainText("Rejected by Aaron Patel on");
  await expect(northRow).toContainText(NEW_YORK);
});

async function tokenOf(request: Parameters<typeof Api.as>[0], email: string): Promise<string> {
  const auth = await request.post("/api/v1/auth/token", { data: { email, password: "demo" } });
  return ((await auth.json()) as { token: string }).token;
}

test("Budget Updates offers Reject and Accept; its Reject dialog names the budget", async ({
  page,
  request,
}) => {
  const project = await sentBudget(request, "Details Reject");
  await signIn(page, "approver@acme.test");
  await rowOf(page, project).getByRole("button", { name: "Details" }).click();
  const details = page.getByRole("dialog", { name: "Budget Updates" });
  await expect(details.getByRole("button", { name: "Accept and export" })).toBeEnabled();
  await details.getByRole("button", { name: "Reject…" }).click();
  const reject = page.getByRole("dialog", { name: `Reject ${label(project)}` });
  await reject.getByRole("textbox", { name: "Reason" }).fill("Wrong job.");
  await reject.getByRole("button", { name: "Reject", exact: true }).click();
  await expect(reject).toBeHidden();
  await expect(details).toBeHidden();
  await expect(page.getByRole("status").filter({ hasText: label(project) })).toContainText("rejected");
  await expect(rowOf(page, project)).toHaveCount(0);
});

test("Failed to Export shows when the export failed and after how many attempts", async ({
  page,
  request,
}) => {
  const project = await sentBudget(request, "Failed When");
  await qboFault(request, {
    method: "POST",
    path: "/estimate(\\?|$)",
    status: 400,
    body: {
      Fault: {
        Error: [{ Message: "Business Validation Error", Detail: "closed period", code: "6210" }],
        type: "ValidationFault",
      },
    },
    count: 1,
  });
  const approver = await Api.as(request, "approver@acme.test");
  const submissionId = await pendingSubmission(approver, project);
  await approver.call("POST", "/erp/budget-submissions/decisions", {
    decisions: [{ submissionId, action: "accept" }],
  });
  await waitForStatus(approver, submissionId, "failed");

  await signIn(page, "approver@acme.test");
  await page.goto(erpUrl(approver.companyId, "failed"));
  const row = rowOf(page, project);
  await expect(row.getByRole("cell").filter({ hasText: "after 1 attempt" })).toContainText(NEW_YORK);
});

test("the audit log reads as sentences with names, times in the company's zone on one line, and no ids or JSON", async ({
  page,
  request,
}, info) => {
  const project = await sentBudget(request, "Audit Words");
  const approver = await Api.as(request, "approver@acme.test");
  const submissionId = await pendingSubmission(approver, project);
  await approver.call("POST", "/erp/budget-submissions/decisions", {
    decisions: [{ submissionId, action: "reject", reason: "Costs belong to phase two." }],
  });

  await signIn(page, "admin@acme.test");
  await page.goto(`/companies/${approver.companyId}/admin/audit`);
  const row = page
    .getByRole("row")
    .filter({ hasText: `Aaron Patel rejected the budget of ${label(project)}.` });
  await expect(row).toHaveCount(1);
  await expect(row).toContainText("Costs belong to phase two.");
  await expect(row).toContainText("Ready to Export → Rejected");
  const when = row.locator("time");
  await expect(when).toContainText(NEW_YORK);
  // On one line, not wrapped over several.
  expect((await box(when)).height).toBeLessThan(30);
  await expect(
    page.getByRole("row").filter({ hasText: `Paula Martinez sent the budget of ${label(project)}` }),
  ).toHaveCount(1);
  const table = (await page.getByRole("table").textContent()) ?? "";
  expect(table).not.toMatch(/[{}"]/);
  expect(table).not.toContain(project.id);
  expect(table).not.toContain(submissionId);
  await snap(page, info, "audit log", { mobile: true });
});

test("Settings: the time zone is picked from a list, the server refuses an unknown one, and every date follows it", async ({
  page,
  request,
}) => {
  const admin = await Api.as(request, "admin@zenith.test", "Zenith Construction");
  const refused = await request.patch(`/api/v1/companies/${admin.companyId}/settings`, {
    headers: { authorization: `Bearer ${await tokenOf(request, "admin@zenith.test")}` },
    data: { timeZone: "Mars/Olympus_Mons" },
  });
  expect(refused.status()).toBe(400);
  expect(((await refused.json()) as { error: { field?: string } }).error.field).toBe("timeZone");

  await signIn(page, "admin@zenith.test");
  await page.goto(`/companies/${admin.companyId}/admin/settings`);
  const zone = page.getByLabel("Time zone");
  await expect(zone).toHaveJSProperty("tagName", "SELECT");
  await expect(zone).toHaveValue("America/Chicago");
  // Labels sit apart from each other.
  const labels = ["Time zone", "Currency", "Daily summary hour"].map((l) =>
    page.locator("label", { hasText: new RegExp(`^${l}$`) }),
  );
  const boxes = await Promise.all(labels.map(box));
  for (let i = 0; i < boxes.length; i++)
    for (let j = i + 1; j < boxes.length; j++) expect(overlaps(boxes[i] as Box, boxes[j] as Box)).toBe(false);

  try {
    await zone.selectOption("Asia/Tokyo");
    const save = page.getByRole("button", { name: "Save settings" });
    await save.click();
    const toast = page.getByRole("status").filter({ hasText: "Settings saved." });
    await expect(toast).toBeVisible();
    // The notification takes its own place: it covers no button.
    expect(overlaps(await box(toast), await box(save))).toBe(false);
    await page.goto(`/companies/${admin.companyId}/admin/audit`);
    await expect(page.getByText("Times are in the company's time zone, Asia/Tokyo.")).toBeVisible();
    await expect(
      page.getByRole("row").filter({ hasText: "Zack Miller changed the company settings." }).first(),
    ).toContainText(/GMT\+9/);
  } finally {
    await admin.call("PATCH", "/settings", { timeZone: "America/Chicago" });
  }
});

test("notifications leave with the page and never cover a button, link or field", async ({
  page,
  request,
}) => {
  const admin = await Api.as(request, "admin@zenith.test", "Zenith Construction");
  await signIn(page, "admin@zenith.test");
  await page.goto(`/companies/${admin.companyId}/admin/settings`);
  for (const size of [DESKTOP, MOBILE]) {
    await page.setViewportSize(size);
    const save = page.getByRole("button", { name: "Save settings" });
    await save.click();
    const toast = page.getByRole("status").filter({ hasText: "Settings saved." });
    await expect(toast).toBeVisible();
    const toastBox = await box(toast);
    const boxes = await page
      .locator("button:not(.toast-dismiss), a[href], select, input")
      .evaluateAll((buttons) =>
        buttons
          .map((b) => b as unknown as { getBoundingClientRect(): Box; textContent: string })
          .map((b) => ({ text: b.textContent, ...JSON.parse(JSON.stringify(b.getBoundingClientRect())) }))
          .filter((b) => b.width > 0 && b.height > 0),
      );
    expect(boxes.length).toBeGreaterThan(5);
    for (const b of boxes) expect(overlaps(toastBox, b), b.text).toBe(false);
    await page.getByRole("button", { name: "Dismiss notification" }).click();
    await expect(toast).toHaveCount(0);
  }
  await page.setViewportSize(DESKTOP);
  await page.getByRole("button", { name: "Save settings" }).click();
  await expect(page.getByText("Settings saved.")).toBeVisible();
  await page.getByRole("link", { name: "Directory", exact: true }).click();
  await expect(page.getByRole("heading", { name: "Directory", level: 1 })).toBeVisible();
  await expect(page.getByText("Settings saved.")).toHaveCount(0);
});

test("Mailbox on a phone: opening a message brings it into view, whole, with its time in the company's zone", async ({
  page,
  request,
}, info) => {
  const project = await sentBudget(request, "Mail View");
  const approver = await Api.as(request, "approver@acme.test");
  const submissionId = await pendingSubmission(approver, project);
  await approver.call("POST", "/erp/budget-submissions/decisions", {
    decisions: [{ submissionId, action: "reject", reason: "Mailbox check." }],
  });
  await signIn(page, "pm@acme.test");
  await page.setViewportSize(MOBILE);
  await page.goto("/mailbox");
  const subject = page.getByRole("button").filter({ hasText: project.name }).first();
  await expect(subject).toBeVisible({ timeout: 20_000 });
  await expect(page.getByRole("row").filter({ hasText: project.name }).first()).toContainText(NEW_YORK);
  await subject.click();
  const message = page.getByRole("article");
  const heading = message.getByRole("heading", { level: 2 });
  await expect(heading).toContainText(project.name);
  await expect(heading).toBeInViewport();
  await expect(heading).toBeFocused();
  await expect(message).toContainText(NEW_YORK);
  // The frame is as tall as the message: nothing scrolls inside it.
  const frame = message.locator("iframe");
  await expect
    .poll(async () =>
      frame.evaluate((el) => {
        const f = el as unknown as {
          clientHeight: number;
          contentDocument: { documentElement: { scrollHeight: number } } | null;
        };
        return (f.contentDocument?.documentElement.scrollHeight ?? 10_000) - f.clientHeight;
      }),
    )
    .toBeLessThanOrEqual(0);
  await expect(page.frameLocator("iframe").getByText("Mailbox check.")).toBeVisible();
  expect(await sideways(page)).toBe(0);
  await snap(page, info, "mailbox message phone");
});

test("review screenshots: ERP Integrations, Budget Updates, the Company area and the audit log at both sizes", async ({
  page,
  request,
}, info) => {
  test.setTimeout(120_000);
  const project = await sentBudget(request, "Screens");
  const admin = await Api.as(request, "admin@acme.test");
  const c = `/companies/${admin.companyId}`;
  // The ERP screens as the accounting approver sees them (with the decisions), the Company area as its admin.
  await signIn(page, "approver@acme.test");
  await page.goto(erpUrl(admin.companyId, "ready_to_export"));
  await expect(rowOf(page, project)).toBeVisible();
  await snap(page, info, "erp integrations", { mobile: true });
  await page.goto(erpUrl(admin.companyId, "failed"));
  await expect(page.locator(".list-heading")).toBeVisible();
  await expect(page.locator(".spinner:not(.spinner-inline)")).toHaveCount(0);
  await snap(page, info, "erp failed", { mobile: true });
  await page.goto(erpUrl(admin.companyId, "rejected"));
  await expect(page.locator(".list-heading")).toBeVisible();
  await expect(page.locator(".spinner:not(.spinner-inline)")).toHaveCount(0);
  await snap(page, info, "erp rejected", { mobile: true });
  await page.goto(erpUrl(admin.companyId, "ready_to_export"));
  await rowOf(page, project).getByRole("button", { name: "Details" }).click();
  await expect(
    page
      .getByRole("dialog", { name: "Budget Updates" })
      .getByRole("table", { name: "Budget lines in this submission" }),
  ).toBeVisible();
  await snap(page, info, "budget updates", { mobile: true });
  await page.keyboard.press("Escape");
  await page.getByRole("button", { name: "Sign out" }).click();
  await signIn(page, "admin@acme.test");
  for (const tab of ["directory", "approvers", "settings", "cost-codes", "projects", "mappings", "audit"]) {
    await page.goto(`${c}/admin/${tab}`);
    await expect(page.locator(".spinner:not(.spinner-inline)")).toHaveCount(0);
    await snap(page, info, `company ${tab}`, { mobile: true });
  }
});
