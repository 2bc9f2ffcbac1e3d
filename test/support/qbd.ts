/**
 * Test scaffolding for the QuickBooks Desktop path: a company connected through the Web Connector (password set
 * through the real route), people with the rights the workflow needs, and budgets driven through the app's own
 * commands up to acceptance over HTTP.
 */

import { addLine } from "../../src/app/budget/add-line.js";
import { approveChange as approveBudgetChange } from "../../src/app/budget/approve-change.js";
import { createChange } from "../../src/app/budget/create-change.js";
import { lockBudget } from "../../src/app/budget/lock-budget.js";
import { sendToErp } from "../../src/app/budget/send-budget.js";
import { createProject } from "../../src/app/company/projects.js";
import { allTasks } from "../../src/jobs/tasks.js";
import { startWorker } from "../../src/jobs/worker.js";
import { newId } from "../../src/lib/ids.js";
import { createTestApp, type TestApp } from "./app.js";
import { makeCompany, makeUser } from "./factories.js";

/** The real HTTP app on a local port with a job worker beside it: what a Web Connector simulator talks to. */
export interface QbdServer {
  t: TestApp;
  /** The Web Connector endpoint. */
  url: string;
  stop(): Promise<void>;
}

export async function startQbdServer(): Promise<QbdServer> {
  const t = await createTestApp();
  await t.app.listen({ port: 0, host: "127.0.0.1" });
  const address = t.app.server.address();
  const url = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}/qbwc`;
  const silent = { info() {}, warn() {}, error() {} };
  const worker = await startWorker({ pool: t.ctx.pool, tasks: allTasks(t.ctx), concurrency: 2, log: silent });
  return {
    t,
    url,
    async stop() {
      await worker.stop();
      await t.close();
    },
  };
}

export const QBD_CATEGORIES: [string, string][] = [
  ["L", "Labor"],
  ["M", "Material"],
  ["S", "Subcontract"],
];

export interface QbdCompanySetup {
  companyId: string;
  admin: Awaited<ReturnType<typeof makeUser>>;
  approver: Awaited<ReturnType<typeof makeUser>>;
  username: string;
  password: string;
}

export async function setUpQbdCompany(
  t: TestApp,
  opts: { parentCustomer?: string; costCodes?: [string, string][]; useClasses?: boolean } = {},
): Promise<QbdCompanySetup> {
  const companyId = await makeCompany(t.ctx);
  await t.ctx.db
    .updateTable("companies")
    .set({
      default_parent_customer: opts.parentCustomer ?? "Builders Jobs",
      create_missing_items: true,
      use_classes: opts.useClasses ?? false,
    })
    .where("id", "=", companyId)
    .execute();
  const admin = await makeUser(t.ctx, companyId, {
    erpIntegrations: "admin",
    directory: "admin",
    budget: "admin",
    lockBudget: true,
    sendAndRetrieveBudget: true,
  });
  const approver = await makeUser(t.ctx, companyId, {
    erpIntegrations: "standard",
    canPushToAccounting: true,
    budget: "read_only",
  });
  for (const [code, name] of QBD_CATEGORIES) {
    await t.ctx.db
      .insertInto("categories")
      .values({ company_id: companyId, id: newId("cat"), code, name })
      .execute();
  }
  for (const [code, description] of opts.costCodes ?? [
    ["02-200", "Site Preparation"],
    ["03-100", "Concrete Forming"],
    ["04-200", "Unit Masonry"],
  ]) {
    await t.ctx.db
      .insertInto("cost_codes")
      .values({ company_id: companyId, id: newId("cc"), code, description })
      .execute();
  }
  const res = await t.app.inject({
    method: "POST",
    url: `/api/v1/companies/${companyId}/erp/connection/quickbooks-desktop/password`,
    headers: admin.auth,
  });
  if (res.statusCode !== 200) throw new Error(`password route answered ${res.statusCode}: ${res.body}`);
  const { username, password } = res.json() as { username: string; password: string };
  return { companyId, admin, approver, username, password };
}

export interface BudgetSetup {
  projectId: string;
  lineIds: string[];
}

/** A project with a locked budget of the given lines ([costCode, category, amount]). */
export async function makeLockedBudget(
  t: TestApp,
  c: QbdCompanySetup,
  project: { number: string; name: string },
  lines: [string, string, string][],
): Promise<BudgetSetup> {
  const actor = { userId: c.admin.id };
  const p = await createProject(t.ctx, actor, c.companyId, project);
  const scope = { companyId: c.companyId, projectId: p.id };
  const lineIds: string[] = [];
  for (const [costCode, category, originalBudget] of lines) {
    lineIds.push((await addLine(t.ctx, actor, scope, { costCode, category, originalBudget })).id);
  }
  await lockBudget(t.ctx, actor, scope);
  return { projectId: p.id, lineIds };
}

/** Sends the budget and accepts it over HTTP, as the approver's Accept button does; returns the submission id. */
export async function sendAndAccept(t: TestApp, c: QbdCompanySetup, projectId: string): Promise<string> {
  const sent = await sendToErp(t.ctx, { userId: c.admin.id }, { companyId: c.companyId, projectId });
  const res = await t.app.inject({
    method: "POST",
    url: `/api/v1/companies/${c.companyId}/erp/budget-submissions/${sent.id}/accept`,
    headers: c.approver.auth,
  });
  if (res.statusCode !== 202) throw new Error(`accept answered ${res.statusCode}: ${res.body}`);
  return sent.id;
}

/** Approves a budget change adjusting one line, so there is something new to re-send. */
export async function approveChange(
  t: TestApp,
  c: QbdCompanySetup,
  projectId: string,
  lineId: string,
  amount: string,
) {
  const actor = { userId: c.admin.id };
  const scope = { companyId: c.companyId, projectId };
  const change = await createChange(t.ctx, actor, scope, {
    description: "Owner change order",
    adjustments: [{ lineId, amount }],
  });
  await approveBudgetChange(t.ctx, actor, scope, change.id);
}

export async function submissionState(t: TestApp, companyId: string, submissionId: string) {
  return t.ctx.db
    .selectFrom("submissions")
    .innerJoin("exports", (j) =>
      j
        .onRef("exports.company_id", "=", "submissions.company_id")
        .onRef("exports.submission_id", "=", "submissions.id"),
    )
    .select([
      "submissions.status",
      "exports.waiting_for",
      "exports.erp_estimate_id",
      "exports.erp_version",
      "exports.erp_job_ref",
      "exports.erp_doc_number",
      "exports.last_error_code",
      "exports.last_error_message",
      "exports.last_error_remedy",
    ])
    .where("submissions.company_id", "=", companyId)
    .where("submissions.id", "=", submissionId)
    .executeTakeFirstOrThrow();
}

export async function until<T>(
  check: () => Promise<T | null | undefined | false>,
  what: string,
  ms = 15_000,
): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
