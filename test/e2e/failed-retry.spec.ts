import { expect, test } from "@playwright/test";
import { qboEstimates, qboFault, rowOf, sentBudget, signIn, snap } from "./support.js";

const CLOSED_PERIOD = {
  Fault: {
    Error: [
      {
        Message: "A business validation error has occurred while processing your request",
        Detail: "Business Validation Error: You can't add a transaction dated in a closed period.",
        code: "6210",
      },
    ],
    type: "ValidationFault",
  },
  time: "2026-01-05T10:00:00.000-08:00",
};

test("an export QuickBooks refuses lands in Failed to Export with a remedy; Retry brings it to Synced", async ({
  page,
  request,
}, info) => {
  const project = await sentBudget(request, "Retry Depot");
  // QuickBooks refuses the next estimate: the books are closed for its date.
  await qboFault(request, {
    method: "POST",
    path: "/estimate(\\?|$)",
    status: 400,
    body: CLOSED_PERIOD,
    count: 1,
  });

  await signIn(page, "approver@acme.test");
  const row = rowOf(page, project);
  await row.getByRole("radio", { name: "Accept" }).check();
  await page.getByRole("button", { name: "Export", exact: true }).click();
  const result = page.getByRole("region", { name: "Results" }).getByRole("listitem").filter({
    hasText: project.name,
  });
  await expect(result).toContainText("Failed to Export", { timeout: 20_000 });
  await expect(result).toContainText("closed period");

  // Failed to Export is one click away in the side pane, with its count.
  const failedCount = page.getByRole("link", { name: /Failed to Export/ });
  await expect(failedCount).toContainText(/[1-9]/);
  await page.getByLabel("Filter Estimates By").selectOption({ label: "Failed to Export" });
  await expect(page).toHaveURL(/filter=failed/);
  const failedRow = rowOf(page, project);
  await expect(failedRow).toContainText("closed period");
  await expect(failedRow).toContainText("Close the books");
  await snap(page, info, "failed to export", { mobile: true });

  await failedRow.getByRole("button", { name: "Details" }).click();
  const dialog = page.getByRole("dialog", { name: "Budget Updates" });
  await expect(dialog.getByRole("heading", { name: "Last export error" })).toBeVisible();
  await expect(dialog).toContainText("What to do:");
  await snap(page, info, "failed details");
  await dialog.getByRole("button", { name: "Close" }).click();

  // The books are open again: Retry.
  await failedRow.getByRole("button", { name: "Retry" }).click();
  const retried = page.getByRole("region", { name: "Results" }).getByRole("listitem").filter({
    hasText: project.name,
  });
  await expect(retried).toContainText("Synced", { timeout: 20_000 });
  await expect(rowOf(page, project)).toHaveCount(0);
  await snap(page, info, "retried and synced");

  const estimates = (await qboEstimates(request)).filter((e) => e.DocNumber === `CB-${project.number}`);
  expect(estimates).toHaveLength(1);
  expect(estimates[0]?.TotalAmt).toBe(91750.5);
});
