import { expect, test } from "@playwright/test";
import { Api, budgetUrl, rowOf, sentBudget, signIn, snap } from "./support.js";

test("the PM retrieves a budget from ERP: it leaves Ready to Export and can be changed and sent again", async ({
  page,
  request,
}, info) => {
  const project = await sentBudget(request, "Retrieve Mill");
  const pm = await Api.as(request, "pm@acme.test");

  await signIn(page, "pm@acme.test");
  await expect(page.getByRole("heading", { name: "Projects", level: 1 })).toBeVisible();
  await page.goto(budgetUrl(pm.companyId, project));
  const ribbon = page.getByRole("region", { name: "Budget status" });
  await expect(ribbon).toContainText("Waiting for accounting");
  // Frozen while accounting has it: Send explains why it is off.
  const send = page.getByRole("button", { name: "Send to ERP" });
  await expect(send).toBeDisabled();
  await expect(send).toHaveAccessibleDescription(/waiting|pending|already/i);
  await expect(page.getByRole("button", { name: /^Edit original budget/ })).toHaveCount(0);
  await snap(page, info, "awaiting acceptance", { mobile: true });

  await page.getByRole("button", { name: "Retrieve from ERP" }).click();
  await expect(ribbon).toContainText("Retrieved from ERP");
  await expect(page.getByRole("status").filter({ hasText: "retrieved" }).first()).toBeVisible();
  await expect(page.getByRole("button", { name: "Send to ERP" })).toBeEnabled();
  await expect(page.getByRole("button", { name: "Retrieve from ERP" })).toBeDisabled();
  await expect(page.getByRole("button", { name: "Unlock Budget" })).toBeEnabled();
  await snap(page, info, "retrieved");

  // ERP Integrations (read only for a PM) shows it under Rejected & Retrieved, no longer Ready to Export.
  await page.getByRole("link", { name: "ERP Integrations" }).click();
  await expect(rowOf(page, project)).toHaveCount(0);
  await page.getByLabel("Filter Estimates By").selectOption({ label: "Rejected & Retrieved" });
  await expect(rowOf(page, project)).toContainText("Retrieved");
  await snap(page, info, "rejected and retrieved list");
});
