import { newId } from "../lib/ids.js";
import { hashPassword } from "../lib/passwords.js";
import { recordAudit } from "./audit.js";
import type { AppContext } from "./context.js";
import { QUICKBOOKS_DESKTOP_KIND } from "./erp/qbd/definition.js";
import { QUICKBOOKS_ONLINE_KIND } from "./erp/qbo-definition.js";
import type { ErpKind } from "./erp/registry.js";
import type { Level } from "./membership.js";

const SEED_VERSION = "1";

interface DemoUser {
  email: string;
  name: string;
  erpIntegrations: Level;
  directory: Level;
  budget: Level;
  canPushToAccounting: boolean;
}

export interface DemoCompanySpec {
  name: string;
  timeZone: string;
  /** The ERP kind (registry) the demo connects the company to. */
  erp: ErpKind;
  /** Whether exports carry the category as a class on each line. */
  useClasses: boolean;
  parentCustomer: string;
  users: DemoUser[];
  costCodes: [string, string][];
  projects: [string, string][];
  /** Subcontractors and suppliers in the company's directory (docs/product.md §vendors). */
  vendors: {
    name: string;
    contactName: string;
    email: string;
    phone: string;
    address: { city: string; region: string };
  }[];
}

export const DEMO_COMPANIES: DemoCompanySpec[] = [
  {
    name: "Acme Builders",
    timeZone: "America/New_York",
    erp: QUICKBOOKS_ONLINE_KIND,
    useClasses: true,
    parentCustomer: "Acme Builders Jobs",
    users: [
      {
        email: "pm@acme.test",
        name: "Paula Martinez",
        erpIntegrations: "read_only",
        directory: "none",
        budget: "admin",
        canPushToAccounting: false,
      },
      {
        email: "approver@acme.test",
        name: "Aaron Patel",
        erpIntegrations: "standard",
        directory: "none",
        budget: "read_only",
        canPushToAccounting: true,
      },
      {
        email: "viewer@acme.test",
        name: "Vera Chen",
        erpIntegrations: "standard",
        directory: "none",
        budget: "read_only",
        canPushToAccounting: false,
      },
      {
        email: "admin@acme.test",
        name: "Adam Brooks",
        erpIntegrations: "admin",
        directory: "admin",
        budget: "admin",
        canPushToAccounting: false,
      },
    ],
    costCodes: [
      ["01-100", "General Conditions"],
      ["03-300", "Cast-in-Place Concrete"],
      ["05-120", "Structural Steel"],
      ["06-100", "Rough Carpentry"],
      ["09-250", "Gypsum Board"],
      ["22-100", "Plumbing"],
      ["26-100", "Electrical"],
    ],
    projects: [
      ["1001", "Riverside Clinic"],
      ["1002", "Harbor View Offices"],
      ["1003", "Maple Street School"],
      ["1004", "Northgate Warehouse"],
      ["1005", "Cedar Park Library"],
      ["1006", "Lakeside Apartments"],
    ],
    vendors: [
      {
        name: "Summit Drywall & Acoustics",
        contactName: "Rosa Delgado",
        email: "office@summitdrywall.test",
        phone: "(614) 555-0142",
        address: { city: "Columbus", region: "OH" },
      },
      {
        name: "Ironside Steel Supply",
        contactName: "Mark Hughes",
        email: "orders@ironsidesteel.test",
        phone: "(412) 555-0178",
        address: { city: "Pittsburgh", region: "PA" },
      },
      {
        name: "Bright Line Electric",
        contactName: "Tom Okafor",
        email: "estimating@brightline.test",
        phone: "(216) 555-0119",
        address: { city: "Cleveland", region: "OH" },
      },
    ],
  },
  {
    name: "Zenith Construction",
    timeZone: "America/Chicago",
    erp: QUICKBOOKS_DESKTOP_KIND,
    useClasses: false,
    parentCustomer: "Zenith Projects",
    users: [
      {
        email: "approver@zenith.test",
        name: "Zoe Ramirez",
        erpIntegrations: "standard",
        directory: "none",
        budget: "read_only",
        canPushToAccounting: true,
      },
      {
        email: "admin@zenith.test",
        name: "Zack Miller",
        erpIntegrations: "admin",
        directory: "admin",
        budget: "admin",
        canPushToAccounting: false,
      },
    ],
    costCodes: [
      ["02-200", "Site Preparation"],
      ["03-100", "Concrete Forming"],
      ["04-200", "Unit Masonry"],
      ["07-500", "Membrane Roofing"],
    ],
    projects: [["Z-201", "Mill Creek Bridge"]],
    vendors: [
      {
        name: "Prairie Earthworks",
        contactName: "Dale Jensen",
        email: "dispatch@prairieearth.test",
        phone: "(402) 555-0163",
        address: { city: "Omaha", region: "NE" },
      },
      {
        name: "Midwest Form & Shore",
        contactName: "Angela Kim",
        email: "rentals@mwformshore.test",
        phone: "(312) 555-0187",
        address: { city: "Chicago", region: "IL" },
      },
      {
        name: "Heartland Masonry",
        contactName: "Luis Ortega",
        email: "bids@heartlandmasonry.test",
        phone: "(816) 555-0124",
        address: { city: "Kansas City", region: "MO" },
      },
    ],
  },
];

export const DEMO_CATEGORIES: [string, string][] = [
  ["L", "Labor"],
  ["M", "Material"],
  ["E", "Equipment"],
  ["S", "Subcontract"],
  ["O", "Other"],
];

/** True for the one caller that marks the demo step `key` done first: that caller seeds it, later ones skip it. */
export async function claimDemoStep(ctx: AppContext, key: string): Promise<boolean> {
  const marker = await ctx.db
    .insertInto("settings_kv")
    .values({ key, value: "1" })
    .onConflict((oc) => oc.column("key").doNothing())
    .returning("key")
    .executeTakeFirst();
  return marker !== undefined;
}

/** Seeds the demo companies, people, lists and projects once; a second run changes nothing. */
export async function seedDemoBase(
  ctx: AppContext,
): Promise<{ seeded: boolean; companies: Record<string, string> }> {
  const done = await ctx.db
    .selectFrom("settings_kv")
    .select("value")
    .where("key", "=", "demo_seed")
    .executeTakeFirst();
  const companies: Record<string, string> = {};
  if (done) {
    const rows = await ctx.db.selectFrom("companies").select(["id", "name"]).execute();
    for (const r of rows) companies[r.name] = r.id;
    return { seeded: false, companies };
  }
  const passwordHash = await hashPassword("demo");
  await ctx.db.transaction().execute(async (tx) => {
    // Only one process seeds: the row lock on the marker makes a concurrent second start wait, then skip.
    const inserted = await tx
      .insertInto("settings_kv")
      .values({ key: "demo_seed", value: SEED_VERSION })
      .onConflict((oc) => oc.column("key").doNothing())
      .returning("key")
      .executeTakeFirst();
    if (!inserted) return;
    for (const spec of DEMO_COMPANIES) {
      const companyId = newId("co");
      companies[spec.name] = companyId;
      await tx
        .insertInto("companies")
        .values({
          id: companyId,
          name: spec.name,
          time_zone: spec.timeZone,
          default_parent_customer: spec.parentCustomer,
          create_missing_items: true,
          use_classes: spec.useClasses,
        })
        .execute();
      for (const u of spec.users) {
        const userId = newId("usr");
        await tx
          .insertInto("users")
          .values({ id: userId, email: u.email, name: u.name, password_hash: passwordHash })
          .execute();
        await tx
          .insertInto("directory_entries")
          .values({
            company_id: companyId,
            user_id: userId,
            erp_integrations: u.erpIntegrations,
            directory: u.directory,
            budget: u.budget,
            lock_budget: u.budget === "admin",
            send_and_retrieve_budget: u.budget === "admin",
            can_push_to_accounting: u.canPushToAccounting,
          })
          .execute();
      }
      for (const [code, name] of DEMO_CATEGORIES) {
        await tx
          .insertInto("categories")
          .values({ company_id: companyId, id: newId("cat"), code, name })
          .execute();
      }
      for (const [code, description] of spec.costCodes) {
        await tx
          .insertInto("cost_codes")
          .values({ company_id: companyId, id: newId("cc"), code, description })
          .execute();
      }
      for (const v of spec.vendors) {
        await tx
          .insertInto("vendors")
          .values({
            company_id: companyId,
            id: newId("ven"),
            name: v.name,
            contact_name: v.contactName,
            email: v.email,
            phone: v.phone,
            city: v.address.city,
            region: v.address.region,
            country: "US",
          })
          .execute();
      }
      for (const [number, name] of spec.projects) {
        const projectId = newId("prj");
        await tx
          .insertInto("projects")
          .values({
            company_id: companyId,
            id: projectId,
            number,
            name,
            erp_parent_customer_name: spec.parentCustomer,
          })
          .execute();
        await tx
          .insertInto("budgets")
          .values({ company_id: companyId, id: newId("bud"), project_id: projectId })
          .execute();
      }
      await recordAudit(tx, {
        companyId,
        actor: { kind: "system" },
        action: "company.created",
        entityType: "company",
        entityId: companyId,
        data: { name: spec.name, demo: true },
      });
    }
  });
  return { seeded: true, companies };
}
