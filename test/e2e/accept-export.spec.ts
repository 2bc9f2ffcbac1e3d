import { expect, test } from "@playwright/test";
import { Api, budgetUrl, qboEstimates, qboFault, rowOf, sentBudget, signIn, snap } from "./support.js";

test("approver opens Details (Budget Updates), accepts via Export and sees Synced without reloading", async ({
  page,
  request,
}, info) => {
  const project = await sentBudget(request, "Accept Tower");
  const approver = await Api.as(request, "approver@acme.test");
  // Slow QuickBooks' answer to the estimate a little, so the export is seen in progress and then finishing.
  await qboFault(request, {
    method: "POST",
    path: "/estimate(\\?|$)",
    mode: "delay",
    delayMs: 1500,
    count: 1,
  });

  await signIn(page, "approver@acme.test");
  await page.getByRole("link", { name: "ERP Integrations" }).click();
  await expect(page.getByRole("link", { name: "Budgets" })).toBeVisible();
  await expect(page.getByLabel("Filter Estimates By")).toHaveValue("ready_to_export");
  await expect(page.getByRole("heading", { name: "Budgets Ready to Be Exported" })).toBeVisible();
  const row = rowOf(page, project);
  await expect(row).toContainText("$91,750.50");
  await expect(row).toContainText("Paula Martinez");
  await snap(page, info, "ready to export", { mobile: true });

  // Details: the snapshot that will be exported, in a dialog that takes focus and gives it back.
  const details = row.getByRole("button", { name: "Details" });
  await details.click();
  const dialog = page.getByRole("dialog", { name: "Budget Updates" });
  await expect(dialog).toBeVisible();
  for (const column of ["Cost Code", "Category", "Original Budget", "Budget Changes", "Revised Estimate"]) {
    await expect(dialog.getByRole("columnheader", { name: column, exact: true })).toBeVisible();
  }
  const lines = dialog.getByRole("table", { name: "Budget lines in this submission" });
  await expect(lines.getByRole("row").filter({ hasText: "03-300" })).toContainText("$48,250.50");
  await expect(lines.getByRole("row", { name: /Totals/ })).toContainText("$91,750.50");
  await expect(dialog).toContainText("What will be written to QuickBooks");
  await expect(dialog.locator(":focus")).toHaveCount(1);
  await snap(page, info, "budget updates dialog", { mobile: true });
  await page.keyboard.press("Escape");
  await expect(dialog).toBeHidden();
  await expect(details).toBeFocused();
  await details.click();
  await dialog.getByRole("button", { name: "Close" }).click();
  await expect(dialog).toBeHidden();

  // Export stays off until a choice is made.
  await expect(page.getByRole("button", { name: "Export", exact: true })).toBeDisabled();
  await row.getByRole("radio", { name: "Accept" }).check();
  await page.getByRole("button", { name: "Export", exact: true }).click();

  const results = page.getByRole("region", { name: "Results" });
  const result = results.getByRole("listitem").filter({ hasText: project.name });
  await expect(result).toContainText("Exporting to QuickBooks…");
  await snap(page, info, "exporting");
  await expect(result).toContainText("Synced", { timeout: 20_000 });
  await expect(rowOf(page, project)).toHaveCount(0);
  await snap(page, info, "synced");

  // The Synced filter lists it, and QuickBooks holds one estimate with the budget's total.
  await page.getByLabel("Filter Estimates By").selectOption({ label: "Synced" });
  await expect(page.getByRole("heading", { name: "Budgets Synced with QuickBooks" })).toBeVisible();
  await expect(rowOf(page, project)).toContainText("Synced");
  const estimates = (await qboEstimates(request)).filter((e) => e.DocNumber === `CB-${project.number}`);
  expect(estimates).toHaveLength(1);
  expect(estimates[0]?.TotalAmt).toBe(91750.5);

  // The budget page shows the green ribbon.
  await page.goto(budgetUrl(approver.companyId, project));
  await expect(page.getByRole("region", { name: "Budget status" })).toContainText("Synced");
  await snap(page, info, "budget synced");
});
