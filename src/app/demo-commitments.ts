import { addCommitmentLine } from "./commitments/add-line.js";
import { changeCommitmentStatus } from "./commitments/change-status.js";
import { createChangeOrder } from "./commitments/create-change-order.js";
import { createCommitment } from "./commitments/create-commitment.js";
import { createVendor } from "./company/vendors.js";
import type { AppContext } from "./context.js";
import { claimDemoStep, DEMO_COMPANIES } from "./demo-seed.js";

type Line = [costCode: string, category: string, amount: string, description: string];

function lineInput([costCode, category, amount, description]: Line) {
  return { costCode, category, amount, description };
}

interface CommitmentPlan {
  project: string;
  kind: "subcontract" | "purchase_order";
  number: string;
  title: string;
  vendor: string;
  lines: Line[];
  /** A change order left pending, for the approver of the commitment to decide. */
  pendingChangeOrder?: { title: string; lines: Line[] };
}

/** Who builds and approves the demo commitments, and who adds their vendors, per demo company. */
const PEOPLE: Record<string, { builder: string; directoryAdmin: string }> = {
  "Acme Builders": { builder: "pm@acme.test", directoryAdmin: "admin@acme.test" },
  "Zenith Construction": { builder: "admin@zenith.test", directoryAdmin: "admin@zenith.test" },
};

const PLANS: Record<string, CommitmentPlan[]> = {
  "Acme Builders": [
    {
      project: "1001",
      kind: "subcontract",
      number: "SC-001",
      title: "Drywall and acoustical ceilings",
      vendor: "Summit Drywall & Acoustics",
      lines: [
        ["09-250", "L", "54200.00", "Metal stud framing, hanging and level 4 finish, levels 1-2"],
        ["09-250", "M", "32300.00", "5/8 in. Type X board, studs, track and acoustical tile"],
      ],
      pendingChangeOrder: {
        title: "Corridor soffits at level 2",
        lines: [
          ["09-250", "L", "4850.00", "Framing and finishing of the corridor soffits"],
          ["09-250", "M", "1275.00", "Board and track for the soffits"],
        ],
      },
    },
    {
      project: "1002",
      kind: "purchase_order",
      number: "PO-001",
      title: "Structural steel package",
      vendor: "Ironside Steel Supply",
      lines: [
        ["05-120", "M", "186750.00", "W-shapes, HSS columns and connection plates per S-201"],
        ["05-120", "E", "9800.00", "Crane time for unloading and shake-out"],
      ],
    },
    {
      project: "1003",
      kind: "subcontract",
      number: "SC-002",
      title: "Electrical rough-in and trim",
      vendor: "Bright Line Electric",
      lines: [
        ["26-100", "L", "64000.00", "Branch circuits, devices and fixtures"],
        ["26-100", "M", "27000.00", "Wire, conduit, boxes and panelboards"],
      ],
    },
  ],
  "Zenith Construction": [
    {
      project: "Z-201",
      kind: "subcontract",
      number: "SC-101",
      title: "Site clearing and grading",
      vendor: "Prairie Earthworks",
      lines: [
        ["02-200", "E", "42500.00", "Dozer and excavator for clearing and mass grading"],
        ["02-200", "L", "18300.00", "Operators and grade checker"],
      ],
    },
    {
      project: "Z-201",
      kind: "purchase_order",
      number: "PO-101",
      title: "Formwork and shoring rental",
      vendor: "Midwest Form & Shore",
      lines: [
        ["03-100", "E", "15750.00", "Pier and abutment form panels, 12 weeks"],
        ["03-100", "M", "6420.00", "Form ties, release agent and chamfer strip"],
      ],
      pendingChangeOrder: {
        title: "Additional shoring at pier 3",
        lines: [["03-100", "E", "2300.00", "Shoring towers for the extended pour at pier 3"]],
      },
    },
  ],
};

async function userId(ctx: AppContext, email: string) {
  const row = await ctx.db.selectFrom("users").select("id").where("email", "=", email).executeTakeFirst();
  return row?.id ?? null;
}

/** The demo vendor of that name, added through the directory when it is not there yet. */
async function vendorId(ctx: AppContext, adminId: string, companyId: string, name: string) {
  const found = await ctx.db
    .selectFrom("vendors")
    .select("id")
    .where("company_id", "=", companyId)
    .where("name", "=", name)
    .executeTakeFirst();
  if (found) return found.id;
  const spec = DEMO_COMPANIES.flatMap((c) => c.vendors).find((v) => v.name === name);
  return (await createVendor(ctx, { userId: adminId }, companyId, spec ?? { name })).id;
}

/**
 * Approved subcontracts and purchase orders ready to send in each demo company, one of them with a pending change
 * order (docs/product.md §commitments). Runs once.
 */
export async function seedDemoCommitments(ctx: AppContext): Promise<void> {
  if (!(await claimDemoStep(ctx, "demo_commitments"))) return;
  for (const [companyName, plans] of Object.entries(PLANS)) {
    const company = await ctx.db
      .selectFrom("companies")
      .select("id")
      .where("name", "=", companyName)
      .executeTakeFirst();
    const people = PEOPLE[companyName]!;
    const builder = await userId(ctx, people.builder);
    const admin = await userId(ctx, people.directoryAdmin);
    if (!company || !builder || !admin) continue;
    const actor = { userId: builder };
    for (const plan of plans) {
      const project = await ctx.db
        .selectFrom("projects")
        .select("id")
        .where("company_id", "=", company.id)
        .where("number", "=", plan.project)
        .executeTakeFirst();
      if (!project) continue;
      const scope = { companyId: company.id, projectId: project.id };
      const commitmentId = await createCommitment(ctx, actor, scope, {
        kind: plan.kind,
        number: plan.number,
        title: plan.title,
        vendorId: await vendorId(ctx, admin, company.id, plan.vendor),
      });
      const one = { ...scope, commitmentId };
      for (const line of plan.lines) await addCommitmentLine(ctx, actor, one, lineInput(line));
      await changeCommitmentStatus(ctx, actor, one, "out_for_signature");
      await changeCommitmentStatus(ctx, actor, one, "approved");
      if (plan.pendingChangeOrder) {
        await createChangeOrder(ctx, actor, one, {
          title: plan.pendingChangeOrder.title,
          lines: plan.pendingChangeOrder.lines.map(lineInput),
        });
      }
    }
  }
}
