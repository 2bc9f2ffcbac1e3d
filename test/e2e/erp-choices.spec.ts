import { fileURLToPath } from "node:url";
import { expect, test } from "@playwright/test";
import { Api, projectByNumber, rowOf, signIn, snap } from "./support.js";

// The README's picture of ERP Integrations; refreshed by `E2E_README_SCREENSHOT=1 npm run test:e2e -- erp-choices`
// on a fresh product, so that only the demo data shows.
const README_SHOT = fileURLToPath(new URL("../../docs/screenshots/erp-integrations.png", import.meta.url));

test("the approver's per-row choices colour the rows, Export sums them up, and Clear choices undoes them", async ({
  page,
  request,
}, info) => {
  const approver = await Api.as(request, "approver@acme.test");
  const harbor = await projectByNumber(approver, "1002");
  const maple = await projectByNumber(approver, "1003");

  await signIn(page, "approver@acme.test");
  await expect(page.getByRole("heading", { name: "Budgets Ready to Be Exported" })).toBeVisible();
  const counts = page.getByRole("complementary", { name: "Budgets by status" });
  await expect(counts.getByRole("link", { name: /Ready to Export/ })).toContainText(/\d/);

  await rowOf(page, maple).getByRole("radio", { name: "Accept" }).check();
  await rowOf(page, harbor).getByRole("radio", { name: "Reject" }).check();
  await expect(rowOf(page, maple)).toHaveClass(/row-accept/);
  await expect(rowOf(page, harbor)).toHaveClass(/row-reject/);
  const exportButton = page.getByRole("button", { name: "Export", exact: true });
  await expect(exportButton).toBeEnabled();
  await expect(exportButton).toHaveAccessibleDescription("1 budget to accept, 1 budget to reject.");
  await page.mouse.move(0, 0);
  await snap(page, info, "choices made", { mobile: true });
  if (process.env.E2E_README_SCREENSHOT === "1") {
    await page.screenshot({ path: README_SHOT, animations: "disabled" });
  }

  await page.getByRole("button", { name: "Clear choices" }).click();
  await expect(page.getByRole("radio", { checked: true })).toHaveCount(0);
  await expect(exportButton).toBeDisabled();
  await expect(exportButton).toHaveAccessibleDescription(/Choose Accept or Reject/);
});
