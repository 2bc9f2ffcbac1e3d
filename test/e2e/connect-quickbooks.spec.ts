import { expect, test } from "@playwright/test";
import { signIn, snap } from "./support.js";

// Other journeys send budgets, which needs QuickBooks connected: whatever happened above, leave it connected.
test.afterEach(async ({ page }) => {
  const connect = page.getByRole("button", { name: "Connect to QuickBooks" });
  if (!/\/erp\/connection/.test(page.url()) || !(await connect.isVisible())) return;
  await connect.click();
  await page.waitForURL(/connected=1/);
});

test("an admin disconnects QuickBooks Online through its dialog and connects it again with OAuth", async ({
  page,
}, info) => {
  await signIn(page, "admin@acme.test");
  await page.getByRole("link", { name: "ERP Integrations" }).click();
  await page.getByRole("link", { name: "Connection" }).click();
  await expect(page).toHaveURL(/\/erp\/connection$/);
  const card = page.getByRole("region", { name: "QuickBooks Online" });
  await expect(card).toContainText("Connected");
  await expect(card).toContainText("Acme Builders (QuickBooks Online)");
  await snap(page, info, "connected", { mobile: true });

  await page.getByRole("button", { name: "Disconnect" }).click();
  const dialog = page.getByRole("dialog");
  await expect(dialog).toBeVisible();
  await expect(dialog.getByRole("button", { name: "Cancel" })).toBeFocused();
  await snap(page, info, "disconnect dialog");
  await dialog.getByRole("button", { name: "Disconnect" }).click();
  await expect(dialog).toBeHidden();
  await expect(page.getByRole("region", { name: /QuickBooks|No accounting system/ })).toContainText(
    "Not connected",
  );
  await snap(page, info, "disconnected");

  // QuickBooks' consent page (the emulator's) sends the browser back to this tab.
  await page.getByRole("button", { name: "Connect to QuickBooks" }).click();
  await expect(page).toHaveURL(/\/erp\/connection\?connected=1/);
  await expect(page.getByText("QuickBooks Online is connected.")).toBeVisible();
  await expect(page.getByRole("region", { name: "QuickBooks Online" })).toContainText("Connected");
  await expect(page.getByRole("link", { name: "Connection" })).toHaveAttribute("aria-current", "page");
  await expect(page.getByRole("button", { name: "Connect to QuickBooks" })).toHaveCount(0);
  await snap(page, info, "reconnected");
});
