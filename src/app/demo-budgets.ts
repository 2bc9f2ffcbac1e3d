import { addLine } from "./budget/add-line.js";
import { approveChange } from "./budget/approve-change.js";
import { createChange } from "./budget/create-change.js";
import { lockBudget } from "./budget/lock-budget.js";
import { sendToErp } from "./budget/send-budget.js";
import type { AppContext } from "./context.js";
import { seedDemoCommitments } from "./demo-commitments.js";
import { claimDemoStep } from "./demo-seed.js";
import { QUICKBOOKS_DESKTOP_KIND } from "./erp/qbd/definition.js";
import { decideSubmission } from "./submissions/decide-submission.js";

type Plan = {
  number: string;
  lines: [string, string, string][];
  steps: ("lock" | "send" | "accept" | "reject" | "change")[];
};

const ACME: Plan[] = [
  {
    number: "1001",
    lines: [
      ["01-100", "L", "48000.00"],
      ["03-300", "M", "125000.00"],
      ["03-300", "S", "86500.00"],
      ["26-100", "S", "64250.00"],
    ],
    steps: ["lock", "send", "accept", "change"],
  },
  {
    number: "1002",
    lines: [
      ["01-100", "L", "36000.00"],
      ["05-120", "M", "212400.00"],
      ["05-120", "S", "98000.00"],
      ["09-250", "S", "44800.00"],
      ["22-100", "S", "57300.00"],
    ],
    steps: ["lock", "send"],
  },
  {
    number: "1003",
    lines: [
      ["01-100", "L", "52000.00"],
      ["06-100", "M", "73150.50"],
      ["26-100", "S", "91000.00"],
    ],
    steps: ["lock", "send"],
  },
  {
    number: "1004",
    lines: [
      ["03-300", "M", "310000.00"],
      ["03-300", "E", "42000.00"],
    ],
    steps: ["lock", "send", "reject"],
  },
  {
    number: "1005",
    lines: [
      ["01-100", "L", "18000.00"],
      ["09-250", "M", "26400.00"],
    ],
    steps: [],
  },
];

async function userId(ctx: AppContext, email: string) {
  return (await ctx.db.selectFrom("users").select("id").where("email", "=", email).executeTakeFirstOrThrow())
    .id;
}

async function waitExported(ctx: AppContext, companyId: string, submissionId: string, ms: number) {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    const s = await ctx.db
      .selectFrom("submissions")
      .select("status")
      .where("company_id", "=", companyId)
      .where("id", "=", submissionId)
      .executeTakeFirst();
    if (s?.status !== "exporting") return s?.status ?? null;
    await new Promise((r) => setTimeout(r, 100));
  }
  return "exporting";
}

/** The demo's budgets, then its commitments; each part runs once. */
export async function seedDemoBudgets(ctx: AppContext): Promise<void> {
  await seedBudgets(ctx);
  await seedDemoCommitments(ctx);
}

/** Budgets in several states, so every screen of the demo has something to show. Runs once. */
async function seedBudgets(ctx: AppContext): Promise<void> {
  if (!(await claimDemoStep(ctx, "demo_budgets"))) return;
  const acme = await ctx.db
    .selectFrom("companies")
    .select("id")
    .where("name", "=", "Acme Builders")
    .executeTakeFirst();
  // With QUICKBOOKS_ENVIRONMENT set, Acme waits for an admin to connect: its budgets are built and locked, not sent.
  const acmeConnected =
    acme &&
    (await ctx.db
      .selectFrom("erp_connections")
      .select("company_id")
      .where("company_id", "=", acme.id)
      .where("status", "=", "connected")
      .executeTakeFirst());
  if (acme) {
    const pm = { userId: await userId(ctx, "pm@acme.test") };
    const approver = { userId: await userId(ctx, "approver@acme.test") };
    for (const plan of ACME) {
      const project = await ctx.db
        .selectFrom("projects")
        .select("id")
        .where("company_id", "=", acme.id)
        .where("number", "=", plan.number)
        .executeTakeFirstOrThrow();
      const scope = { companyId: acme.id, projectId: project.id };
      const lineIds: string[] = [];
      for (const [costCode, category, originalBudget] of plan.lines) {
        lineIds.push((await addLine(ctx, pm, scope, { costCode, category, originalBudget })).id);
      }
      let submissionId = "";
      for (const step of plan.steps) {
        if (step !== "lock" && !acmeConnected) break;
        if (step === "lock") await lockBudget(ctx, pm, scope);
        if (step === "send") submissionId = (await sendToErp(ctx, pm, scope)).id;
        if (step === "accept") {
          await decideSubmission(ctx, approver, acme.id, submissionId, { action: "accept" });
          const status = await waitExported(ctx, acme.id, submissionId, 20_000);
          if (status !== "exported") {
            ctx.log.warn(
              { project: plan.number, status },
              "demo export did not finish; leaving the budget as it is",
            );
            break;
          }
        }
        if (step === "reject") {
          await decideSubmission(ctx, approver, acme.id, submissionId, {
            action: "reject",
            reason:
              "Concrete quantities look doubled against the takeoff; please recheck line 03-300 M before re-sending.",
          });
        }
        if (step === "change") {
          const change = await createChange(ctx, pm, scope, {
            description: "Owner change order #3: added canopy steel",
            adjustments: [{ lineId: lineIds[2]!, amount: "15400.00" }],
          });
          await approveChange(ctx, pm, scope, change.id);
        }
      }
    }
  }
  const zenith = await ctx.db
    .selectFrom("companies")
    .select("id")
    .where("name", "=", "Zenith Construction")
    .executeTakeFirst();
  if (zenith) {
    await ctx.db
      .insertInto("erp_connections")
      .values({
        company_id: zenith.id,
        type: QUICKBOOKS_DESKTOP_KIND,
        status: "connected",
        qbwc_username: "zenith-qbwc",
        connected_at: ctx.now(),
        company_name: "Zenith Construction (QuickBooks Desktop)",
      })
      .onConflict((oc) => oc.column("company_id").doNothing())
      .execute();
    const admin = { userId: await userId(ctx, "admin@zenith.test") };
    const project = await ctx.db
      .selectFrom("projects")
      .select("id")
      .where("company_id", "=", zenith.id)
      .executeTakeFirstOrThrow();
    const scope = { companyId: zenith.id, projectId: project.id };
    for (const [costCode, category, originalBudget] of [
      ["02-200", "E", "38500.00"],
      ["03-100", "L", "61200.00"],
      ["04-200", "M", "27950.00"],
    ] as const) {
      await addLine(ctx, admin, scope, { costCode, category, originalBudget });
    }
    await lockBudget(ctx, admin, scope);
  }
}
