import type { AppContext } from "../../src/app/context.js";
import { newId } from "../../src/lib/ids.js";
import { makeCompany, makeUser, type Perms } from "../support/factories.js";

export type User = Awaited<ReturnType<typeof makeUser>>;

export const CATEGORIES: [string, string][] = [
  ["L", "Labor"],
  ["M", "Material"],
  ["E", "Equipment"],
  ["S", "Subcontract"],
  ["O", "Other"],
];
export const COST_CODES: [string, string][] = [
  ["01-100", "General Conditions"],
  ["03-300", "Cast-in-Place Concrete"],
  ["05-120", "Structural Steel"],
  ["09-250", "Gypsum Board"],
  ["26-100", "Electrical"],
];
/** The emulator's seeded customer that new jobs go under. */
export const PARENT_CUSTOMER = "Acme Builders Jobs";

const PM: Perms = {
  budget: "admin",
  lockBudget: true,
  sendAndRetrieveBudget: true,
  erpIntegrations: "read_only",
};
const APPROVER: Perms = { erpIntegrations: "standard", canPushToAccounting: true, budget: "read_only" };

/** A company set up as the demo describes one: lists, a parent customer for new jobs, people in every role. */
export async function makeWorkflowCompany(ctx: AppContext, name = "Acme Builders") {
  const companyId = await makeCompany(ctx, { name });
  await ctx.db
    .updateTable("companies")
    .set({ default_parent_customer: PARENT_CUSTOMER, create_missing_items: true, use_classes: true })
    .where("id", "=", companyId)
    .execute();
  await ctx.db
    .insertInto("categories")
    .values(CATEGORIES.map(([code, n]) => ({ company_id: companyId, id: newId("cat"), code, name: n })))
    .execute();
  await ctx.db
    .insertInto("cost_codes")
    .values(
      COST_CODES.map(([code, description]) => ({
        company_id: companyId,
        id: newId("cc"),
        code,
        description,
      })),
    )
    .execute();
  const [pm, approver, approver2, viewer, editor, admin] = await Promise.all([
    makeUser(ctx, companyId, PM, { name: "Paula PM" }),
    makeUser(ctx, companyId, APPROVER, { name: "Aaron Approver" }),
    makeUser(ctx, companyId, APPROVER, { name: "Beth Approver" }),
    // Standard in ERP Integrations but without Can Push to Accounting: sees everything, decides nothing.
    makeUser(ctx, companyId, { erpIntegrations: "standard", budget: "read_only" }, { name: "Vera Viewer" }),
    // May edit lines but neither lock nor send.
    makeUser(ctx, companyId, { budget: "standard", erpIntegrations: "read_only" }, { name: "Ed Editor" }),
    makeUser(
      ctx,
      companyId,
      { ...PM, erpIntegrations: "admin", directory: "admin", canPushToAccounting: true },
      { name: "Ada Admin" },
    ),
  ]);
  return { companyId, pm, approver, approver2, viewer, editor, admin };
}

let projectSeq = 0;

export async function makeProject(
  ctx: AppContext,
  companyId: string,
  over: { number?: string; name?: string } = {},
) {
  projectSeq++;
  const id = newId("prj");
  const number = over.number ?? `P-${process.pid % 1000}-${projectSeq}`;
  await ctx.db
    .insertInto("projects")
    .values({
      company_id: companyId,
      id,
      number,
      name: over.name ?? `Project ${number}`,
      erp_parent_customer_name: PARENT_CUSTOMER,
    })
    .execute();
  return { id, number, name: over.name ?? `Project ${number}` };
}

/** A QuickBooks Online connection row without tokens: enough for the send rules when no export runs. */
export async function markConnected(ctx: AppContext, companyId: string) {
  await ctx.db
    .insertInto("erp_connections")
    .values({ company_id: companyId, type: "quickbooks_online", status: "connected", realm_id: "0" })
    .execute();
}
