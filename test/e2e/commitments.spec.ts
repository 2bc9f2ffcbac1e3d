import { type APIRequestContext, expect, type Page, test } from "@playwright/test";
import { Api, type Project, QBO, signedInPage, signIn, snap } from "./support.js";

interface CommitmentItem {
  id: string;
  number: string;
  title: string;
  kind: "subcontract" | "purchase_order";
  vendor: { id: string; name: string };
  status: string;
  erpState: string;
  totals: { original: string; approvedChanges: string; revised: string; pendingChanges: string };
}

interface CommitmentDetail extends CommitmentItem {
  lines: { id: string; costCode: string; category: string; revised: string }[];
}

interface Found {
  project: Project;
  commitment: CommitmentItem;
}

/** The demo's approved commitments nobody has sent yet, with their projects. */
async function readyDemoCommitments(pm: Api): Promise<Found[]> {
  const projects = await pm.call<{ items: Project[] }>("GET", "/projects?limit=200");
  const found: Found[] = [];
  for (const project of projects.items) {
    const list = await pm.call<{ items: CommitmentItem[] }>("GET", `/projects/${project.id}/commitments`);
    for (const commitment of list.items) {
      if (commitment.status === "approved" && commitment.erpState === "not_sent") {
        found.push({ project, commitment });
      }
    }
  }
  return found;
}

interface QboPurchaseOrder {
  Id: string;
  DocNumber?: string;
  TotalAmt: number;
  VendorRef: { value: string; name?: string };
  Line: { Amount: number; DetailType: string }[];
}

async function qboPurchaseOrders(request: APIRequestContext): Promise<QboPurchaseOrder[]> {
  const response = await request.get(`${QBO}/__emulator/state`);
  expect(response.status()).toBe(200);
  const state = (await response.json()) as {
    realms: Record<string, { PurchaseOrder?: QboPurchaseOrder[] }>;
  };
  return Object.values(state.realms).flatMap((realm) => realm.PurchaseOrder ?? []);
}

const commitmentUrl = (companyId: string, f: Found) =>
  `/companies/${companyId}/projects/${f.project.id}/commitments/${f.commitment.id}`;
const erpCommitmentsUrl = (companyId: string, filter?: string) =>
  `/companies/${companyId}/erp/commitments${filter ? `?filter=${encodeURIComponent(filter)}` : ""}`;

/** The row of an ERP Integrations list that names the commitment. */
const rowOfCommitment = (page: Page, f: Found) =>
  page.getByRole("row").filter({ hasText: f.commitment.number }).filter({ hasText: f.project.name });

function dollars(amount: string): string {
  const [units = "0", cents = "00"] = amount.split(".");
  return `$${units.replace(/\B(?=(\d{3})+(?!\d))/g, ",")}.${cents.padEnd(2, "0")}`;
}

test("a PM sends an approved subcontract, the approver accepts it, a change order is re-sent and accepted", async ({
  page,
  browser,
  request,
}, info) => {
  test.setTimeout(120_000);
  const pmApi = await Api.as(request, "pm@acme.test");
  const ready = await readyDemoCommitments(pmApi);
  expect(ready.length, "the demo has approved commitments ready to send").toBeGreaterThanOrEqual(2);
  const target = ready[0] as Found;
  const companyId = pmApi.companyId;
  const revised = dollars(target.commitment.totals.revised);

  // The project manager finds it beside the budget and sends it.
  await signIn(page, "pm@acme.test", `/companies/${companyId}/projects/${target.project.id}/budget`);
  await page
    .getByRole("navigation", { name: "Project sections" })
    .getByRole("link", { name: "Commitments" })
    .click();
  await expect(
    page.getByRole("heading", { name: `Commitments: ${target.project.number} ${target.project.name}` }),
  ).toBeVisible();
  const listRow = page.getByRole("row").filter({ hasText: target.commitment.title });
  await expect(listRow).toContainText(target.commitment.vendor.name);
  await expect(listRow).toContainText("Not sent");
  await snap(page, info, "project commitments", { mobile: true });
  await listRow.getByRole("link", { name: target.commitment.number }).click();
  await expect(page.getByRole("region", { name: "Commitment status" })).toContainText("Approved");
  await expect(page.getByRole("table", { name: "Commitment lines with their amounts" })).toContainText(
    revised,
  );
  await snap(page, info, "approved commitment", { mobile: true });
  await page.getByRole("button", { name: "Send to ERP" }).click();
  const ribbon = page.getByRole("region", { name: "Commitment status" });
  await expect(ribbon).toContainText("Waiting for accounting");
  await expect(page.getByRole("button", { name: "Retrieve from ERP" })).toBeEnabled();
  await expect(page.getByRole("button", { name: "Out for signature" })).toHaveCount(0);
  await snap(page, info, "sent to erp");

  // The approver: ERP Integrations › Commitments, Details, Accept, Export.
  const approver = await signedInPage(browser, "approver@acme.test");
  await approver.getByRole("link", { name: "ERP Integrations" }).click();
  await approver
    .getByRole("navigation", { name: "ERP Integrations sections" })
    .getByRole("link", { name: "Commitments" })
    .click();
  await expect(approver.getByLabel("Filter Commitments By")).toHaveValue("ready_to_export");
  await expect(approver.getByRole("heading", { name: "Commitments Ready to Be Exported" })).toBeVisible();
  const row = rowOfCommitment(approver, target);
  await expect(row).toContainText(target.commitment.vendor.name);
  await expect(row).toContainText(revised);
  await snap(approver, info, "erp commitments ready", { mobile: true });

  await row.getByRole("button", { name: "Details" }).click();
  const dialog = approver.getByRole("dialog", { name: "Commitment Details" });
  await expect(dialog).toBeVisible();
  for (const column of [
    "Cost Code",
    "Category",
    "Original",
    "Approved Changes",
    "Revised",
    "Previously exported",
  ]) {
    await expect(dialog.getByRole("columnheader", { name: column, exact: true })).toBeVisible();
  }
  await expect(dialog.getByRole("table", { name: "Commitment lines in this submission" })).toContainText(
    revised,
  );
  await expect(dialog).toContainText("What will be written to QuickBooks");
  await snap(approver, info, "commitment details", { mobile: true });
  await dialog.getByRole("button", { name: "Close" }).click();
  await expect(dialog).toBeHidden();

  await row.getByRole("radio", { name: "Accept" }).check();
  await approver.getByRole("button", { name: "Export", exact: true }).click();
  const result = approver
    .getByRole("region", { name: "Results" })
    .getByRole("listitem")
    .filter({ hasText: target.commitment.number });
  await expect(result).toContainText("Synced", { timeout: 30_000 });
  await snap(approver, info, "commitment exported");
  await approver.getByLabel("Filter Commitments By").selectOption({ label: "Synced" });
  await expect(approver.getByRole("heading", { name: "Commitments Synced with QuickBooks" })).toBeVisible();
  await expect(rowOfCommitment(approver, target)).toContainText("Synced");

  // QuickBooks holds exactly one purchase order for it, at the commitment's total.
  const ours = async () =>
    (await qboPurchaseOrders(request)).filter((po) => po.DocNumber === target.commitment.number);
  expect(await ours()).toHaveLength(1);
  expect((await ours())[0]?.TotalAmt).toBeCloseTo(Number(target.commitment.totals.revised), 2);

  // The PM's page turns green by itself.
  await expect(ribbon).toContainText("Synced", { timeout: 15_000 });

  // A change order on the synced commitment: created, approved, re-sent.
  const detail = await pmApi.call<CommitmentDetail>(
    "GET",
    `/projects/${target.project.id}/commitments/${target.commitment.id}`,
  );
  const firstLine = detail.lines[0];
  if (!firstLine) throw new Error("the demo commitment has no lines");
  const pending = await pmApi.call<{ items: { status: string }[] }>(
    "GET",
    `/projects/${target.project.id}/commitments/${target.commitment.id}/change-orders`,
  );
  const coNumber = pending.items.length + 1;
  await page.getByRole("button", { name: "New change order" }).click();
  await page.getByRole("textbox", { name: "Title" }).fill("Added scope on level 2");
  await page
    .getByRole("textbox", { name: `Change for ${firstLine.costCode} ${firstLine.category}` })
    .fill("2500");
  await page.getByRole("button", { name: "Save pending change order" }).click();
  await expect(page.getByRole("table", { name: "Change orders of this commitment" })).toContainText(
    "Added scope on level 2",
  );
  await page.getByRole("button", { name: `Approve change order ${coNumber}` }).click();
  await expect(ribbon).toContainText("Changes to send");
  await snap(page, info, "changes to send", { mobile: true });
  await page.getByRole("button", { name: "Re-send to ERP" }).click();
  await expect(ribbon).toContainText("Waiting for accounting");

  await approver.goto(erpCommitmentsUrl(companyId));
  const resent = rowOfCommitment(approver, target);
  await expect(resent).toContainText("+$2,500.00");
  await resent.getByRole("button", { name: "Details" }).click();
  const again = approver.getByRole("dialog", { name: "Commitment Details" });
  await expect(again.getByRole("table", { name: "Commitment lines in this submission" })).toContainText(
    "+$2,500.00",
  );
  await again.getByRole("button", { name: "Accept and export" }).click();
  await expect(again).toBeHidden();
  await expect(ribbon).toContainText("Synced", { timeout: 30_000 });

  // Still one purchase order, modified in place to the new total.
  await expect
    .poll(async () => (await ours()).map((po) => po.TotalAmt))
    .toEqual([Number(target.commitment.totals.revised) + 2500]);
  await approver.context().close();
});

test("a rejected commitment shows the approver's reason on its page", async ({
  page,
  browser,
  request,
}, info) => {
  const pmApi = await Api.as(request, "pm@acme.test");
  const ready = await readyDemoCommitments(pmApi);
  const target = ready[0];
  if (!target) throw new Error("no approved demo commitment left to send");
  const companyId = pmApi.companyId;
  await pmApi.call("POST", `/projects/${target.project.id}/commitments/${target.commitment.id}/send-to-erp`);
  const reason = `Vendor insurance certificate missing (${target.commitment.number}).`;

  await signIn(page, "approver@acme.test", erpCommitmentsUrl(companyId));
  const row = rowOfCommitment(page, target);
  await row.getByRole("radio", { name: "Reject" }).check();
  await page.getByRole("button", { name: "Export", exact: true }).click();
  const dialog = page.getByRole("dialog");
  await dialog.getByRole("textbox", { name: "Reason" }).fill(reason);
  await snap(page, info, "reject reason", { mobile: true });
  await dialog.getByRole("button", { name: "Reject", exact: true }).click();
  await expect(dialog).toBeHidden();
  await expect(
    page
      .getByRole("region", { name: "Results" })
      .getByRole("listitem")
      .filter({ hasText: target.commitment.number }),
  ).toContainText("Rejected");

  const pm = await signedInPage(browser, "pm@acme.test", commitmentUrl(companyId, target));
  const ribbon = pm.getByRole("region", { name: "Commitment status" });
  await expect(ribbon).toContainText("Rejected by accounting");
  await expect(ribbon).toContainText(reason);
  await expect(pm.getByRole("button", { name: "Send to ERP" })).toBeEnabled();
  const history = pm.getByRole("region", { name: "Submission history" });
  await expect(history).toContainText("Rejected");
  await expect(history).toContainText(reason);
  await snap(pm, info, "pm commitment rejected", { mobile: true });
  await pm.context().close();
});

test("an admin adds a vendor, links it to a QuickBooks vendor and sees the Create missing vendors setting", async ({
  page,
}, info) => {
  const name = `Harbor Glazing ${Date.now().toString(36).slice(-5).toUpperCase()}`;
  await signIn(page, "admin@acme.test");
  await page.getByRole("link", { name: "Company", exact: true }).click();
  await page
    .getByRole("navigation", { name: "Company sections" })
    .getByRole("link", { name: "Vendors" })
    .click();
  await page.getByRole("button", { name: "Add vendor" }).click();
  const dialog = page.getByRole("dialog", { name: "Add a vendor" });
  await dialog.getByRole("button", { name: "Add vendor" }).click();
  await expect(dialog.getByRole("alert")).toContainText("Enter the vendor's name.");
  await dialog.getByRole("textbox", { name: "Name", exact: true }).fill(name);
  await dialog.getByRole("textbox", { name: "Contact name" }).fill("Dana Ruiz");
  await dialog.getByRole("textbox", { name: "City" }).fill("Galveston");
  await dialog.getByRole("textbox", { name: "State or region" }).fill("TX");
  await snap(page, info, "add vendor", { mobile: true });
  await dialog.getByRole("button", { name: "Add vendor" }).click();
  await expect(dialog).toBeHidden();
  const row = page.getByRole("row").filter({ hasText: name });
  await expect(row).toContainText("Galveston, TX");
  await expect(row).toContainText("Not linked");
  await row.getByRole("button", { name: `Edit vendor ${name}` }).click();
  await page.getByRole("dialog").getByRole("textbox", { name: "Phone" }).fill("409-555-0199");
  await page.getByRole("dialog").getByRole("button", { name: "Save vendor" }).click();
  await expect(row).toContainText("409-555-0199");
  await snap(page, info, "vendors", { mobile: true });

  // Mappings: the vendor is listed beside the cost codes, with QuickBooks' vendors to pick from.
  await page
    .getByRole("navigation", { name: "Company sections" })
    .getByRole("link", { name: "Mappings" })
    .click();
  const vendors = page.getByRole("region", { name: "Vendors and QuickBooks vendors" });
  const picker = vendors.getByRole("combobox", { name: `QuickBooks vendor for ${name}` });
  await expect(picker).toHaveValue("");
  const choices = await picker.locator("option").allTextContents();
  expect(choices.length).toBeGreaterThan(1);
  await snap(page, info, "vendor mappings");

  await page
    .getByRole("navigation", { name: "Company sections" })
    .getByRole("link", { name: "Settings" })
    .click();
  await expect(page.getByRole("checkbox", { name: "Create missing vendors in QuickBooks" })).toBeChecked();

  // Deactivated, the vendor leaves the list (and the new-commitment picker) until inactive ones are shown.
  await page
    .getByRole("navigation", { name: "Company sections" })
    .getByRole("link", { name: "Vendors" })
    .click();
  await page
    .getByRole("row")
    .filter({ hasText: name })
    .getByRole("button", { name: `Deactivate vendor ${name}` })
    .click();
  await expect(page.getByRole("row").filter({ hasText: name })).toHaveCount(0);
  await page.getByRole("checkbox", { name: "Show inactive vendors" }).check();
  await expect(page.getByRole("row").filter({ hasText: name })).toContainText("Inactive");
});
