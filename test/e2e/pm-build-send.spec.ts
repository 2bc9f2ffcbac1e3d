import { expect, type Page, test } from "@playwright/test";
import { Api, budgetPath, projectByNumber, signIn, snap } from "./support.js";

async function addLine(page: Page, costCode: string, category: string, amount: string) {
  const form = page.getByRole("form", { name: "Add a line" });
  await form.getByLabel("Cost code").selectOption({ value: costCode });
  await form.getByLabel("Category").selectOption({ value: category });
  await form.getByLabel("Original amount").fill(amount);
  await form.getByRole("button", { name: "Add line" }).click();
  await expect(page.getByRole("row").filter({ hasText: costCode }).filter({ hasText: category })).toHaveCount(
    1,
  );
}

test("the PM builds the empty Lakeside Apartments budget, locks it and sends it to ERP", async ({
  page,
  request,
}, info) => {
  const pm = await Api.as(request, "pm@acme.test");
  const project = await projectByNumber(pm, "1006");
  const before = await pm.call<{ lines: unknown[]; state: string }>("GET", budgetPath(project));
  expect(before.lines).toHaveLength(0);

  await signIn(page, "pm@acme.test");
  await expect(page.getByRole("heading", { name: "Projects", level: 1 })).toBeVisible();
  await snap(page, info, "projects", { mobile: true });
  await page.getByRole("link", { name: "Lakeside Apartments" }).click();
  await expect(page.getByRole("heading", { name: "Budget: 1006 Lakeside Apartments" })).toBeVisible();
  await expect(page.getByText("No lines yet.")).toBeVisible();
  // Nothing to send yet, and the button says why.
  await expect(page.getByRole("button", { name: "Send to ERP" })).toBeDisabled();
  await snap(page, info, "empty budget", { mobile: true });

  // A bad amount is caught in the form, next to the field.
  const form = page.getByRole("form", { name: "Add a line" });
  await form.getByLabel("Cost code").selectOption({ value: "01-100" });
  await form.getByLabel("Category").selectOption({ value: "L" });
  await form.getByLabel("Original amount").fill("12,5x");
  await form.getByRole("button", { name: "Add line" }).click();
  await expect(form.getByText("Enter an amount")).toBeVisible();

  await addLine(page, "01-100", "L", "12,500");
  await addLine(page, "03-300", "M", "$48,250.50");
  await addLine(page, "26-100", "S", "31000");
  const totals = page.getByRole("row", { name: /Totals/ }).first();
  await expect(totals).toContainText("$91,750.50");
  await snap(page, info, "lines added", { mobile: true });

  await page.getByRole("button", { name: "Lock Budget" }).click();
  const ribbon = page.getByRole("region", { name: "Budget status" });
  await expect(ribbon).toContainText("Locked");
  await expect(page.getByRole("button", { name: "Unlock Budget" })).toBeEnabled();
  await page.getByRole("button", { name: "Send to ERP" }).click();
  await expect(ribbon).toContainText("Waiting for accounting");
  await expect(page.getByRole("button", { name: "Retrieve from ERP" })).toBeEnabled();
  await expect(page.getByRole("button", { name: "Send to ERP" })).toBeDisabled();
  await expect(page.getByRole("region", { name: "Submission history" })).toContainText("Ready to Export");
  await snap(page, info, "sent", { mobile: true });

  const after = await pm.call<{ state: string; totals: { revisedEstimate: string } }>(
    "GET",
    budgetPath(project),
  );
  expect(after.state).toBe("awaiting_acceptance");
  expect(after.totals.revisedEstimate).toBe("91750.50");
});
