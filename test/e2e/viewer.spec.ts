import { expect, test } from "@playwright/test";
import { rowOf, sentBudget, signIn, snap } from "./support.js";

test("a Standard user without Can Push to Accounting reviews budgets but gets no Accept, Reject or Export", async ({
  page,
  request,
}, info) => {
  const project = await sentBudget(request, "Viewer Court");

  await signIn(page, "viewer@acme.test");
  await expect(page.getByRole("heading", { name: "Budgets Ready to Be Exported" })).toBeVisible();
  const row = rowOf(page, project);
  await expect(row).toContainText("$91,750.50");
  await expect(page.getByRole("radio", { name: "Accept" })).toHaveCount(0);
  await expect(page.getByRole("radio", { name: "Reject" })).toHaveCount(0);
  await expect(page.getByRole("button", { name: "Export", exact: true })).toHaveCount(0);
  await expect(page.getByText("Can Push to Accounting privilege")).toBeVisible();
  await expect(page.getByText("Accounting approver")).toHaveCount(0);
  await snap(page, info, "read only list", { mobile: true });

  // Details are open to read.
  await row.getByRole("button", { name: "Details" }).click();
  const dialog = page.getByRole("dialog", { name: "Budget Updates" });
  await expect(dialog.getByRole("columnheader", { name: "Revised Estimate", exact: true })).toBeVisible();
  await dialog.getByRole("button", { name: "Close" }).click();
  await expect(dialog).toBeHidden();

  // Failed to Export offers no Retry either.
  await page.getByLabel("Filter Estimates By").selectOption({ label: "Failed to Export" });
  await expect(page.getByRole("heading", { name: "Budgets That Could Not Be Exported" })).toBeVisible();
  await expect(page.getByRole("button", { name: "Retry" })).toHaveCount(0);
});
