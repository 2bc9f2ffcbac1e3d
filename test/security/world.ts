import type { RouteOptions } from "fastify";
import { sql } from "kysely";
import { type StartedQboEmulator, startQboEmulator } from "../../emulators/quickbooks-online/index.js";
import { issueToken } from "../../src/app/auth/issue-token.js";
import { addLine } from "../../src/app/budget/add-line.js";
import { approveChange } from "../../src/app/budget/approve-change.js";
import { createChange } from "../../src/app/budget/create-change.js";
import { lockBudget } from "../../src/app/budget/lock-budget.js";
import { sendToErp } from "../../src/app/budget/send-budget.js";
import { createProject } from "../../src/app/company/projects.js";
import { seedDemoBase } from "../../src/app/demo-seed.js";
import { qboServiceFor } from "../../src/app/erp/qbo-service.js";
import { decideSubmission } from "../../src/app/submissions/decide-submission.js";
import { buildHttpApp } from "../../src/http/app.js";
import { allRoutes } from "../../src/http/routes/index.js";
import { newId, newSecretToken, sha256 } from "../../src/lib/ids.js";
import { createTestApp, type TestApp } from "../support/app.js";
import { makeUser } from "../support/factories.js";

/** The six demo users of the API contract, by the role they play. */
export const DEMO_ROLES = {
  "pm@acme.test": { company: "acme", kind: "pm" },
  "approver@acme.test": { company: "acme", kind: "approver" },
  "viewer@acme.test": { company: "acme", kind: "viewer" },
  "admin@acme.test": { company: "acme", kind: "admin" },
  "approver@zenith.test": { company: "zenith", kind: "approver" },
  "admin@zenith.test": { company: "zenith", kind: "admin" },
} as const;
export type DemoEmail = keyof typeof DEMO_ROLES;
export type RoleKind = "pm" | "approver" | "viewer" | "admin";
export type CompanyKey = "acme" | "zenith";
export const DEMO_EMAILS = Object.keys(DEMO_ROLES) as DemoEmail[];
export const DEMO_PASSWORD = "demo";

export interface RouteEntry {
  method: string;
  url: string;
  key: string;
  hasBody: boolean;
  hasQuery: boolean;
  schema: RouteOptions["schema"];
}

export interface DemoUser {
  id: string;
  email: DemoEmail;
  kind: RoleKind;
  company: CompanyKey;
  token: string;
  auth: { authorization: string };
}

export interface World {
  t: TestApp;
  /** Every route the product's route modules register (not the framework's docs and health routes). */
  routes: RouteEntry[];
  companies: Record<CompanyKey, string>;
  users: Record<DemoEmail, DemoUser>;
  /** A user of the company with every right needed to build fixtures there. */
  admin(co: CompanyKey): DemoUser;
  approver(co: CompanyKey): DemoUser;
  costCode(co: CompanyKey): Promise<{ id: string; code: string }>;
  /** A fresh project whose budget is in the asked stage, ready for one action. */
  budget(co: CompanyKey, stage: Stage): Promise<Fixture>;
  /** A bearer token of that user that nothing else uses (for routes that revoke the token in use). */
  spareToken(email: DemoEmail): Promise<string>;
  /**
   * Someone in the company's directory who is none of the demo users, for routes that act on another person:
   * changing them must not change what the demo users may do.
   */
  bystander(co: CompanyKey): Promise<string>;
  /** A fresh person invited to the company who has not set a password yet, with their invitation link's token. */
  invitee(co: CompanyKey): Promise<{ userId: string; token: string }>;
  /**
   * Puts the company's QuickBooks connection back as the demo has it (Acme on QuickBooks Online, Zenith on
   * QuickBooks Desktop through the Web Connector user `zenith-qbwc`), whatever a route did to it before.
   */
  demoConnection(co: CompanyKey): Promise<void>;
  /** The QuickBooks Online emulator Acme is connected to (only when the world was asked for it). */
  qbo: StartedQboEmulator | null;
  close(): Promise<void>;
}

/** The Web Connector user name of Zenith's QuickBooks Desktop connection (as in the demo). */
export const ZENITH_QBWC_USERNAME = "zenith-qbwc";

export type Stage = "unlocked" | "locked" | "awaiting" | "failed" | "draft_change" | "approved_change";

export interface Fixture {
  companyId: string;
  projectId: string;
  lineId: string;
  changeId?: string;
  submissionId?: string;
}

let projectSeq = 0;

/** The real HTTP app on a fresh database seeded with the demo companies and people, plus route discovery. */
export async function createWorld(
  opts: {
    env?: Record<string, string>;
    /** Connect Acme to a QuickBooks Online emulator for real, so routes that read QuickBooks can succeed. */
    quickbooksOnline?: boolean;
  } = {},
): Promise<World> {
  const routes: RouteEntry[] = [];
  const qbo = opts.quickbooksOnline
    ? await startQboEmulator({
        port: 0,
        limits: { perMinute: 100_000, perSecond: 100_000, concurrent: 1000, batchPerMinute: 1000 },
      })
    : null;
  const env = {
    ...(qbo
      ? {
          QUICKBOOKS_ENVIRONMENT: qbo.url,
          QUICKBOOKS_CLIENT_ID: qbo.emulator.clientId,
          QUICKBOOKS_CLIENT_SECRET: qbo.emulator.clientSecret,
          QUICKBOOKS_WEBHOOK_VERIFIER_TOKEN: "security-world-webhook-verifier-token",
        }
      : {}),
    ...opts.env,
  };
  const t = await createTestApp({ env });
  // The test app is already built; build a twin whose route modules are preceded by a collector, so every route
  // any module registers (now or later) is seen with its schema.
  const probe = await buildHttpApp(t.ctx, {
    webDist: null,
    routes: [
      (app) => {
        app.addHook("onRoute", (r) => {
          const methods = Array.isArray(r.method) ? r.method : [r.method];
          for (const method of methods) {
            if (method === "HEAD") continue;
            const schema = r.schema as Record<string, unknown> | undefined;
            routes.push({
              method,
              url: r.url,
              key: `${method} ${r.url}`,
              hasBody: Boolean(schema?.body),
              hasQuery: Boolean(schema?.querystring),
              schema: r.schema,
            });
          }
        });
      },
      ...allRoutes,
    ],
  });
  await probe.close();

  const { companies: byName } = await seedDemoBase(t.ctx);
  const companies = { acme: byName["Acme Builders"]!, zenith: byName["Zenith Construction"]! };
  const rows = await t.ctx.db
    .selectFrom("users")
    .select(["id", "email"])
    .where("email", "in", DEMO_EMAILS)
    .execute();
  const users = {} as Record<DemoEmail, DemoUser>;
  for (const r of rows) {
    const email = r.email as DemoEmail;
    const { token } = await issueToken(t.ctx, r.id, "bearer");
    users[email] = {
      id: r.id,
      email,
      ...DEMO_ROLES[email],
      token,
      auth: { authorization: `Bearer ${token}` },
    };
  }
  // Both demo companies are connected to QuickBooks in the demo; no worker runs here, so nothing is exported.
  async function demoConnection(co: CompanyKey) {
    const companyId = companies[co];
    let values: {
      type: "quickbooks_online" | "quickbooks_desktop";
      status: "connected";
      realm_id: string | null;
      qbwc_username: string | null;
      access_token_enc?: string | null;
      refresh_token_enc?: string | null;
      access_token_expires_at?: Date | null;
      refresh_token_expires_at?: Date | null;
    };
    if (co === "zenith") {
      values = {
        type: "quickbooks_desktop",
        status: "connected",
        realm_id: null,
        qbwc_username: ZENITH_QBWC_USERNAME,
      };
    } else if (qbo) {
      const issued = qbo.emulator.issueTokens(qbo.emulator.defaultRealmId);
      const now = new Date();
      values = {
        type: "quickbooks_online",
        status: "connected",
        qbwc_username: null,
        ...qboServiceFor(t.ctx).vault.encode({
          realmId: qbo.emulator.defaultRealmId,
          accessToken: issued.access_token,
          accessTokenExpiresAt: new Date(now.getTime() + issued.expires_in * 1000),
          refreshToken: issued.refresh_token,
          refreshTokenExpiresAt: new Date(now.getTime() + issued.x_refresh_token_expires_in * 1000),
        }),
      };
    } else {
      values = {
        type: "quickbooks_online",
        status: "connected",
        realm_id: "realm-acme",
        qbwc_username: null,
      };
    }
    await t.ctx.db
      .insertInto("erp_connections")
      .values({ company_id: companyId, ...values })
      .onConflict((oc) => oc.column("company_id").doUpdateSet(values))
      .execute();
  }
  await demoConnection("acme");
  await demoConnection("zenith");
  const admin = (co: CompanyKey) => users[co === "acme" ? "admin@acme.test" : "admin@zenith.test"];
  const approver = (co: CompanyKey) => users[co === "acme" ? "approver@acme.test" : "approver@zenith.test"];
  const costCode = async (co: CompanyKey) =>
    t.ctx.db
      .selectFrom("cost_codes")
      .select(["id", "code"])
      .where("company_id", "=", companies[co])
      .orderBy("code")
      .executeTakeFirstOrThrow();

  async function budget(co: CompanyKey, stage: Stage): Promise<Fixture> {
    const companyId = companies[co];
    const actor = { userId: admin(co).id };
    // A disconnect earlier in the run must not keep later fixtures from being sent.
    await t.ctx.db
      .updateTable("erp_connections")
      .set({ status: "connected" })
      .where("company_id", "=", companyId)
      .execute();
    projectSeq += 1;
    const project = await createProject(t.ctx, actor, companyId, {
      number: `T-${projectSeq}`,
      name: `Fixture ${projectSeq}`,
    });
    const scope = { companyId, projectId: project.id };
    const code = await costCode(co);
    const line = await addLine(t.ctx, actor, scope, {
      costCode: code.code,
      category: "L",
      originalBudget: "1000.00",
    });
    const fx: Fixture = { companyId, projectId: project.id, lineId: line.id };
    if (stage === "unlocked") return fx;
    if (stage === "draft_change" || stage === "approved_change") {
      // Budget changes belong to a locked budget.
      await lockBudget(t.ctx, actor, scope);
      const change = await createChange(t.ctx, actor, scope, {
        description: "fixture change",
        adjustments: [{ lineId: line.id, amount: "10.00" }],
      });
      fx.changeId = change.id;
      if (stage === "approved_change") {
        await approveChange(t.ctx, actor, scope, change.id);
      }
      return fx;
    }
    await lockBudget(t.ctx, actor, scope);
    if (stage === "locked") return fx;
    const sub = await sendToErp(t.ctx, actor, scope);
    fx.submissionId = sub.id;
    if (stage === "awaiting") return fx;
    await decideSubmission(t.ctx, { userId: approver(co).id }, companyId, sub.id, { action: "accept" });
    // As if the export job had given up: the approver's Retry is now allowed.
    await t.ctx.db
      .updateTable("submissions")
      .set({ status: "failed", version: sql`version + 1` })
      .where("company_id", "=", companyId)
      .where("id", "=", sub.id)
      .execute();
    await t.ctx.db
      .updateTable("exports")
      .set({ last_error_code: "quickbooks_rejected", last_error_message: "fixture" })
      .where("company_id", "=", companyId)
      .where("submission_id", "=", sub.id)
      .execute();
    return fx;
  }

  const bystanders: Partial<Record<CompanyKey, string>> = {};
  async function bystander(co: CompanyKey) {
    bystanders[co] ??= (await makeUser(t.ctx, companies[co], { budget: "read_only" })).id;
    return bystanders[co];
  }

  async function invitee(co: CompanyKey) {
    const userId = newId("usr");
    await t.ctx.db
      .insertInto("users")
      .values({ id: userId, email: `${userId.toLowerCase()}@invited.test`, name: "Invited Person" })
      .execute();
    await t.ctx.db
      .insertInto("directory_entries")
      .values({ company_id: companies[co], user_id: userId, budget: "read_only" })
      .execute();
    const token = newSecretToken();
    await t.ctx.db
      .insertInto("invitations")
      .values({
        company_id: companies[co],
        id: newId("inv"),
        token_hash: sha256(token),
        user_id: userId,
        invited_by: admin(co).id,
        expires_at: new Date(Date.now() + 24 * 3600 * 1000),
        created_at: new Date(),
      })
      .execute();
    return { userId, token };
  }

  return {
    t,
    routes,
    companies,
    users,
    admin,
    approver,
    costCode,
    budget,
    async spareToken(email) {
      return (await issueToken(t.ctx, users[email].id, "bearer")).token;
    },
    bystander,
    invitee,
    demoConnection,
    qbo,
    async close() {
      await t.close();
      await qbo?.close();
    },
  };
}

/** A failed email in the company's outbox (what the outbox retry route acts on). */
export async function failedEmail(w: World, co: CompanyKey): Promise<string> {
  const id = newId("eml");
  await w.t.ctx.db
    .insertInto("email_outbox")
    .values({
      id,
      company_id: w.companies[co],
      dedupe_key: `fixture:${id}`,
      template: "rejection-notice",
      to_email: "someone@example.test",
      payload: JSON.stringify({}),
      status: "failed",
      last_error: "fixture",
    })
    .execute();
  return id;
}

/** Fills `:param` placeholders of a route url. */
export function fillUrl(url: string, params: Record<string, string>): string {
  return url.replace(/:([A-Za-z]+)/g, (_m, name: string) => {
    const v = params[name];
    if (v === undefined) throw new Error(`no value for :${name} in ${url}`);
    return encodeURIComponent(v);
  });
}
