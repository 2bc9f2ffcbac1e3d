import { mkdirSync } from "node:fs";
import { expect, type Page, test } from "@playwright/test";
import { Api, budgetUrl, DESKTOP, MOBILE, sentBudget, signIn } from "./support.js";

/** Where the review screenshots go (outside the repository) when SCREENSHOT_DIR is set. */
const SHOTS = process.env.SCREENSHOT_DIR;
if (SHOTS) mkdirSync(SHOTS, { recursive: true });

async function shoot(page: Page, name: string) {
  if (!SHOTS) return;
  const size = page.viewportSize() ?? MOBILE;
  await page.screenshot({ path: `${SHOTS}/${name}-${size.width}x${size.height}.png`, fullPage: true });
}

/** How far the page scrolls sideways: 0 when nothing is wider than the screen. */
async function sideways(page: Page): Promise<number> {
  return page.evaluate(() => {
    // Runs in the browser; the test project's TypeScript has no DOM types.
    const root = (
      globalThis as unknown as { document: { documentElement: { scrollWidth: number; clientWidth: number } } }
    ).document.documentElement;
    return root.scrollWidth - root.clientWidth;
  });
}

async function settled(page: Page) {
  await expect(
    page
      .getByRole("button", { name: "Sign out" })
      .or(page.getByRole("button", { name: "Menu" }))
      .first(),
  ).toBeAttached();
  await expect(page.locator(".spinner:not(.spinner-inline)")).toHaveCount(0);
}

async function budgetUpdates(page: Page, path: string, projectName: string) {
  await page.goto(path);
  await page
    .getByRole("row")
    .filter({ hasText: projectName })
    .getByRole("button", { name: "Details" })
    .click();
  const dialog = page.getByRole("dialog", { name: "Budget Updates" });
  await expect(dialog.getByRole("table", { name: "Budget lines in this submission" })).toBeVisible();
  await shoot(page, "budget-updates");
  await page.keyboard.press("Escape");
  await expect(dialog).toBeHidden();
}

test("every page fits a 390 px phone: nothing scrolls sideways", async ({ page, request }) => {
  // Sixteen pages, each visited (and, for review, photographed) at two sizes.
  test.setTimeout(240_000);
  const project = await sentBudget(request, "Phone Walk");
  const admin = await Api.as(request, "admin@acme.test");
  const c = `/companies/${admin.companyId}`;
  const pages: [string, string][] = [
    ["projects", `${c}/projects`],
    ["budget", budgetUrl(admin.companyId, project)],
    ["erp-ready", `${c}/erp?filter=ready_to_export`],
    ["erp-synced", `${c}/erp?filter=exported`],
    ["erp-failed", `${c}/erp?filter=failed`],
    ["erp-rejected", `${c}/erp?filter=rejected`],
    ["erp-connection", `${c}/erp/connection`],
    ["company-directory", `${c}/admin/directory`],
    ["company-approvers", `${c}/admin/approvers`],
    ["company-settings", `${c}/admin/settings`],
    ["company-cost-codes", `${c}/admin/cost-codes`],
    ["company-projects", `${c}/admin/projects`],
    ["company-mappings", `${c}/admin/mappings`],
    ["company-audit", `${c}/admin/audit`],
    ["account", `${c}/account`],
    ["mailbox", "/mailbox"],
  ];
  await signIn(page, "admin@acme.test");
  await page.setViewportSize(MOBILE);
  const wide: string[] = [];
  for (const [name, path] of pages) {
    await page.goto(path);
    await settled(page);
    const extra = await sideways(page);
    if (extra > 0) wide.push(`${name} (${path}) is ${extra} px wider than the screen`);
    await shoot(page, name);
  }
  expect(wide).toEqual([]);

  // The header folds into a menu that opens and closes.
  const menu = page.getByRole("button", { name: "Menu" });
  await expect(menu).toBeVisible();
  await expect(page.getByRole("link", { name: "ERP Integrations" })).toBeHidden();
  await menu.click();
  await expect(page.getByRole("link", { name: "ERP Integrations" })).toBeVisible();
  await page.getByRole("link", { name: "ERP Integrations" }).click();
  await expect(page.getByRole("link", { name: "ERP Integrations" })).toBeHidden();

  // Budget Updates (Details) fits the phone too.
  await budgetUpdates(page, `${c}/erp?filter=ready_to_export`, project.name);
  expect(await sideways(page)).toBe(0);

  // The same screens at desktop size, for review.
  if (SHOTS) {
    await page.setViewportSize(DESKTOP);
    for (const [name, path] of pages) {
      await page.goto(path);
      await settled(page);
      await shoot(page, name);
    }
    await budgetUpdates(page, `${c}/erp?filter=ready_to_export`, project.name);
  }
});
