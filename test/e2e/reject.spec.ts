import { expect, test } from "@playwright/test";
import { budgetUrl, rowOf, sentBudget, signedInPage, signIn, snap } from "./support.js";

test("reject with a Reason: the PM sees the budget editable again and the rejection email in the Mailbox", async ({
  page,
  browser,
  request,
}, info) => {
  const project = await sentBudget(request, "Reject Plaza");
  const reason = `Split 03-300 into labor and material before re-sending (${project.number}).`;

  await signIn(page, "approver@acme.test");
  const row = rowOf(page, project);
  await row.getByRole("radio", { name: "Reject" }).check();
  await expect(row.getByRole("radio", { name: "Reject" })).toBeChecked();
  await page.getByRole("button", { name: "Export", exact: true }).click();

  const dialog = page.getByRole("dialog");
  const reasonBox = dialog.getByRole("textbox", { name: "Reason" });
  await expect(reasonBox).toBeFocused();
  // A blank reason is refused in place.
  await dialog.getByRole("button", { name: "Reject", exact: true }).click();
  await expect(dialog.getByRole("alert")).toContainText("Enter a reason");
  await snap(page, info, "reason required", { mobile: true });
  await reasonBox.fill(reason);
  await dialog.getByRole("button", { name: "Reject", exact: true }).click();
  await expect(dialog).toBeHidden();
  await expect(
    page.getByRole("region", { name: "Results" }).getByRole("listitem").filter({ hasText: project.name }),
  ).toContainText("Rejected");
  await expect(rowOf(page, project)).toHaveCount(0);
  await snap(page, info, "rejected");

  // The project manager: the budget is editable again, with the reason on its yellow ribbon.
  const pm = await signedInPage(browser, "pm@acme.test");
  const companyId = /\/companies\/([^/]+)/.exec(pm.url())?.[1] ?? "";
  await pm.goto(budgetUrl(companyId, project));
  const ribbon = pm.getByRole("region", { name: "Budget status" });
  await expect(ribbon).toContainText("Rejected by accounting");
  await expect(ribbon).toContainText(reason);
  await expect(pm.getByRole("button", { name: "Lock Budget" })).toBeEnabled();
  await expect(pm.getByRole("button", { name: /^Edit original budget of 03-300 M/ })).toBeVisible();
  await expect(pm.getByRole("button", { name: "Add line" })).toBeEnabled();
  await snap(pm, info, "pm budget rejected", { mobile: true });

  await pm.getByRole("link", { name: "Mailbox" }).click();
  const subject = `Budget rejected: ${project.number} ${project.name}`;
  const message = pm.getByRole("button", { name: subject });
  await expect(message).toBeVisible({ timeout: 15_000 });
  await message.click();
  await expect(pm.getByRole("heading", { name: subject })).toBeVisible();
  await expect(pm.frameLocator("iframe.message-frame").locator("body")).toContainText(reason);
  await snap(pm, info, "rejection email", { mobile: true });
  await pm.context().close();
});
