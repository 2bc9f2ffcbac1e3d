import { expect, test } from "@playwright/test";
import { PASSWORD, snap } from "./support.js";

test("sign in: a wrong password is refused in place, the right one lands on ERP Integrations, sign out", async ({
  page,
}, info) => {
  await page.goto("/");
  await expect(page).toHaveURL(/\/signin/);
  await expect(page.getByRole("heading", { name: "Sign in", level: 1 })).toBeVisible();
  await snap(page, info, "sign-in page", { mobile: true });

  await page.getByRole("textbox", { name: "Email" }).fill("approver@acme.test");
  await page.getByLabel("Password").fill("not-the-password");
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  await expect(page.getByRole("alert").filter({ hasText: /password/i })).toBeVisible();
  await expect(page.getByLabel("Password")).toBeFocused();
  await expect(page.getByLabel("Password")).toHaveValue("");
  await snap(page, info, "wrong password");

  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  await expect(page).toHaveURL(/\/companies\/[^/]+\/erp/);
  await expect(page.getByRole("link", { name: "ERP Integrations" })).toBeVisible();
  await expect(page.getByRole("heading", { name: "Budgets Ready to Be Exported" })).toBeVisible();
  await expect(page.getByText("Accounting approver")).toBeVisible();

  // The session survives a reload (cookie), and signing out ends it.
  await page.reload();
  await expect(page.getByRole("heading", { name: "Budgets Ready to Be Exported" })).toBeVisible();
  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page).toHaveURL(/\/signin/);
  await expect(page.getByText("You are signed out.").first()).toBeVisible();
  await page.goto("/mailbox");
  await expect(page).toHaveURL(/\/signin\?next=%2Fmailbox/);
});
