import { expect, test } from "@playwright/test";
import { Api, budgetPath, budgetUrl, newProject, signIn, snap } from "./support.js";

const BAD = [
  "cost_code,category,original_budget",
  "01-100,L,12500.00",
  "99-999,M,4000.00",
  "03-300,M,12.345",
  "26-100,S,31000.00",
].join("\n");

const GOOD = [
  "cost_code,category,original_budget",
  "01-100,L,12500.00",
  '03-300,M,"48250.50"',
  "26-100,S,31000.00",
].join("\r\n");

test("CSV import: a file with bad rows shows each row's problem and writes nothing; a clean file imports", async ({
  page,
  request,
}, info) => {
  const project = await newProject(request, "Import Yard");
  const pm = await Api.as(request, "pm@acme.test");

  await signIn(page, "pm@acme.test");
  await page.goto(budgetUrl(pm.companyId, project));
  const section = page.getByRole("region", { name: "Import from CSV" });
  await section.getByLabel("CSV file").setInputFiles({
    name: "takeoff.csv",
    mimeType: "text/csv",
    buffer: Buffer.from(BAD),
  });
  const preview = section.getByRole("region", { name: "Import preview" });
  await expect(preview.getByRole("alert")).toContainText("2 of 4 rows");
  await expect(preview.getByRole("row").filter({ hasText: "99-999" })).toContainText(/cost code/i);
  await expect(preview.getByRole("row").filter({ hasText: "12.345" })).toBeVisible();
  await expect(preview.getByRole("row").filter({ hasText: "01-100" })).toContainText("OK");
  await expect(preview.getByRole("button", { name: /^Import \d+ lines?$/ })).toBeDisabled();
  await snap(page, info, "preview with errors", { mobile: true });

  // Nothing was written.
  await expect(page.getByText("No lines yet.")).toBeVisible();
  const untouched = await pm.call<{ lines: unknown[] }>("GET", budgetPath(project));
  expect(untouched.lines).toHaveLength(0);

  await section.getByLabel("CSV file").setInputFiles({
    name: "takeoff-fixed.csv",
    mimeType: "text/csv",
    buffer: Buffer.from(GOOD),
  });
  await expect(preview.getByRole("status")).toContainText("All 3 rows of takeoff-fixed.csv can be imported");
  await preview.getByRole("button", { name: "Import 3 lines" }).click();
  await expect(page.getByRole("row", { name: /Totals/ }).first()).toContainText("$91,750.50");
  await expect(preview).toHaveCount(0);
  await snap(page, info, "imported");
  const imported = await pm.call<{ lines: unknown[] }>("GET", budgetPath(project));
  expect(imported.lines).toHaveLength(3);

  // The same lines come back out as CSV.
  const download = page.waitForEvent("download");
  await page.getByRole("link", { name: "Download CSV" }).click();
  const file = await download;
  expect(file.suggestedFilename()).toMatch(/\.csv$/);
});
