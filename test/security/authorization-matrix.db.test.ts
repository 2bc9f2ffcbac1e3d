/**
 * Authorization matrix: every route the product registers × every demo user × their own and the other company,
 * against an explicit table of expected statuses. The route list comes from the live route table, so a route
 * added without a rule here fails this test by name. Then every route that names a resource in its path is called
 * by someone the table lets through in their own company, with the other company's ids: always 404.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sendCommitment } from "../../src/app/commitments/send-commitment.js";
import { createVendor } from "../../src/app/company/vendors.js";
import { findErp } from "../../src/app/erp/registry.js";
import { decideSubmission } from "../../src/app/submissions/decide-submission.js";
import { newId } from "../../src/lib/ids.js";
import { TEST_OPERATOR_TOKEN } from "../support/app.js";
import { insertCommitment, sendCommitment as sendCommitmentRows } from "../support/commitments.js";
import {
  type CompanyKey,
  createWorld,
  DEMO_EMAILS,
  DEMO_PASSWORD,
  type DemoEmail,
  type DemoUser,
  failedEmail,
  fillUrl,
  type RoleKind,
  type World,
  ZENITH_QBWC_USERNAME,
} from "./world.js";

type ByKind = Record<RoleKind, number>;
/** Where the answer of an authorized caller depends on the company (Acme is on QuickBooks Online, Zenith on Desktop). */
type ByCompany = Record<CompanyKey, ByKind>;

interface Call {
  params?: Record<string, string>;
  body?: unknown;
  /** A body that is not JSON (CSV imports). */
  raw?: { contentType: string; text: string };
  query?: Record<string, string>;
  /** Extra request headers (the Web Connector's SOAPAction). */
  headers?: Record<string, string>;
  /** Replaces the caller's Authorization header (routes that revoke the token in use get a spare one). */
  authorization?: string;
}

interface Rule {
  /**
   * company: under /companies/{companyId}, checked in both companies (the other one must answer 404);
   * user: any signed-in user; public: no sign-in needed; operator: only the operator token.
   */
  scope: "company" | "user" | "public" | "operator";
  /** Status for each kind of demo user in their own company (or for any user, outside a company). */
  expect: ByKind | ByCompany | number;
  /** Status without any credentials; 401 unless said otherwise. */
  anonymous?: number;
  /** Builds the request for one case; fresh fixtures where the call consumes what it acts on. */
  call?: (w: World, co: CompanyKey, user: DemoUser | null) => Promise<Call>;
  /** Status for the operator token (operator routes). */
  operator?: number;
  /** Extra check of a successful response in the caller's own company (JSON body, raw text). */
  verify?: (body: unknown, user: DemoUser | null, text: string, co: CompanyKey) => void;
}

const ALL = (n: number): ByKind => ({ pm: n, approver: n, viewer: n, admin: n });
const ADMIN_ONLY = (n: number): ByKind => ({ pm: 403, approver: 403, viewer: 403, admin: n });
const BUDGET_EDITORS = (n: number): ByKind => ({ pm: n, approver: 403, viewer: 403, admin: n });
const APPROVERS = (n: number): ByKind => ({ pm: 403, approver: n, viewer: 403, admin: 403 });
const isByCompany = (e: Rule["expect"]): e is ByCompany => typeof e === "object" && "acme" in e;

let seq = 0;
const unique = (p: string) => `${p}${++seq}`;

const CP = "/api/v1/companies/:companyId";
const BUDGET = `${CP}/projects/:projectId/budget`;
const ERP = `${CP}/erp`;

/** Shared, read-only fixtures per company (filled in beforeAll). */
const shared = {} as Record<CompanyKey, Record<string, string>>;
const sharedCall = async (_w: World, co: CompanyKey) => ({ params: shared[co] });
const fresh =
  (stage: Parameters<World["budget"]>[1], body?: (fx: Record<string, string>) => unknown) =>
  async (w: World, co: CompanyKey): Promise<Call> => {
    const fx = (await w.budget(co, stage)) as unknown as Record<string, string>;
    return body ? { params: fx, body: body(fx) } : { params: fx };
  };

/** QuickBooks Online references of the emulator's seeded company (filled in beforeAll). */
const quickBooks = { itemRef: "", jobRef: "", vendorRef: "" };

/**
 * Routes that depend on how the company is connected start from the demo's connection (Acme on QuickBooks Online,
 * Zenith on Desktop), whatever a disconnect earlier in the table left behind.
 */
const withDemoConnection =
  (body?: () => unknown) =>
  async (w: World, co: CompanyKey): Promise<Call> => {
    await w.demoConnection(co);
    return body ? { params: shared[co], body: body() } : { params: shared[co] };
  };

const xmlEscape = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

/** A SOAP 1.1 authenticate call as the Web Connector posts it. */
function soapAuthenticate(username: string, password: string): string {
  return (
    '<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" ' +
    'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:xsd="http://www.w3.org/2001/XMLSchema"><soap:Body>' +
    `<authenticate xmlns="http://developer.intuit.com/"><strUserName>${xmlEscape(username)}</strUserName>` +
    `<strPassword>${xmlEscape(password)}</strPassword></authenticate></soap:Body></soap:Envelope>`
  );
}

// Vendors and commitments: fixtures written as rows (they are many: one per case where a call consumes what it acts
// on), shared per company where the call leaves them usable for the next caller.
const COMMITMENTS = `${CP}/projects/:projectId/commitments/:commitmentId`;
const vendorOf: Partial<Record<CompanyKey, string>> = {};
async function matrixVendor(w: World, co: CompanyKey): Promise<string> {
  vendorOf[co] ??= (
    await createVendor(w.t.ctx, { userId: w.admin(co).id }, w.companies[co], { name: `Matrix Vendor ${co}` })
  ).id;
  return vendorOf[co];
}
/** Whether the company's ERP takes commitments: sending one is refused (409) until its connector writes them. */
function takesCommitments(w: World, co: CompanyKey): boolean {
  return Boolean(
    findErp(co === "acme" ? "quickbooks_online" : "quickbooks_desktop")?.connector(w.t.ctx)
      .exportPurchaseOrder,
  );
}
type CommitmentStage = "draft" | "approved" | "change_order" | "sent";
const codeOf: Partial<Record<CompanyKey, string>> = {};
async function commitmentFixture(
  w: World,
  co: CompanyKey,
  stage: CommitmentStage,
): Promise<Record<string, string>> {
  const companyId = w.companies[co];
  codeOf[co] ??= (await w.costCode(co)).code;
  const code = codeOf[co];
  const c = await insertCommitment(w.t.ctx, companyId, {
    projectId: shared[co]!.projectId!,
    createdBy: w.admin(co).id,
    vendorId: await matrixVendor(w, co),
    status: stage === "draft" ? "draft" : "approved",
    number: unique("SC-"),
    title: "Matrix subcontract",
    lines: [[code, "S", "100.00"]],
  });
  const commitmentId = c.id;
  const fx: Record<string, string> = { ...shared[co], commitmentId, lineId: c.lineIds[0]! };
  if (stage === "change_order") {
    const changeOrderId = newId("cco");
    fx.changeOrderId = changeOrderId;
    await w.t.ctx.db
      .insertInto("commitment_change_orders")
      .values({
        company_id: companyId,
        id: changeOrderId,
        commitment_id: commitmentId,
        number: 1,
        title: "Matrix",
      })
      .execute();
    await w.t.ctx.db
      .insertInto("commitment_change_order_lines")
      .values({
        company_id: companyId,
        change_order_id: changeOrderId,
        position: 0,
        cost_code: code,
        category: "S",
        amount_minor: 1_000n,
      })
      .execute();
  }
  if (stage === "sent" && takesCommitments(w, co)) {
    await sendCommitment(
      w.t.ctx,
      { userId: w.admin(co).id },
      { companyId, projectId: fx.projectId!, commitmentId },
    );
  }
  return fx;
}
const sharedCommitments: Record<string, Record<string, string>> = {};
/** A fresh fixture for every case (the call uses it up), or one per company that every case may share. */
const commitment =
  (stage: CommitmentStage, body?: () => unknown, opts: { shared?: boolean } = {}) =>
  async (w: World, co: CompanyKey): Promise<Call> => {
    let fx: Record<string, string>;
    if (opts.shared) {
      const key = `${co}:${stage}`;
      sharedCommitments[key] ??= await commitmentFixture(w, co, stage);
      fx = sharedCommitments[key];
    } else {
      fx = await commitmentFixture(w, co, stage);
    }
    return body ? { params: fx, body: body() } : { params: fx };
  };
/** Budget editors get `ok` where the company's ERP takes commitments, `refused` until then. */
function whereErpTakesCommitments(ok: number, refused: number): ByCompany {
  const status = (co: CompanyKey) => (takesCommitments(worldForRules!, co) ? ok : refused);
  return { acme: BUDGET_EDITORS(status("acme")), zenith: BUDGET_EDITORS(status("zenith")) };
}
let worldForRules: World | null = null;

const RULES: Record<string, Rule> = {
  // Signing in and out, and the signed-in user
  "POST /api/v1/auth/token": {
    scope: "public",
    expect: 200,
    anonymous: 200,
    call: async (_w, _co, u) => ({ body: { email: u?.email ?? "pm@acme.test", password: DEMO_PASSWORD } }),
  },
  "DELETE /api/v1/auth/token": {
    scope: "user",
    expect: 204,
    call: async (w, _co, u) => ({
      ...(u ? { authorization: `Bearer ${await w.spareToken(u.email)}` } : {}),
    }),
  },
  "POST /api/v1/auth/session": {
    scope: "public",
    expect: 200,
    anonymous: 200,
    call: async (_w, _co, u) => ({ body: { email: u?.email ?? "pm@acme.test", password: DEMO_PASSWORD } }),
  },
  // A bearer token is not a web session.
  "GET /api/v1/auth/session": { scope: "user", expect: 401 },
  // Signing out is harmless without a session.
  "DELETE /api/v1/auth/session": {
    scope: "user",
    expect: 204,
    anonymous: 204,
    call: async (w, _co, u) => ({
      ...(u ? { authorization: `Bearer ${await w.spareToken(u.email)}` } : {}),
    }),
  },
  "GET /api/v1/public-config": { scope: "public", expect: 200, anonymous: 200 },
  "GET /api/v1/me": { scope: "user", expect: 200 },
  // Reaches the password check (a wrong current password), so authorization has passed.
  "POST /api/v1/me/password": {
    scope: "user",
    expect: 400,
    call: async () => ({
      body: { currentPassword: "not the password", newPassword: "a long enough new passphrase" },
    }),
  },
  // Without a valid state the callback sends the browser back with an error, whoever calls it.
  "GET /oauth/quickbooks/callback": { scope: "public", expect: 302, anonymous: 302 },
  // The demo mailbox does not exist outside demo mode, for anyone.
  "GET /api/v1/demo/mailbox": { scope: "user", expect: 404, anonymous: 404 },
  "GET /api/v1/operator/demo/mailbox": { scope: "operator", expect: 401, operator: 404 },
  "POST /api/v1/operator/daily-summary": {
    scope: "operator",
    expect: 401,
    call: async () => ({ body: {} }),
  },
  "GET /api/v1/operator/companies": { scope: "operator", expect: 401 },
  "POST /api/v1/operator/companies": {
    scope: "operator",
    expect: 401,
    operator: 201,
    call: async () => ({
      body: {
        name: unique("Operator Co "),
        timeZone: "America/Denver",
        adminEmail: `${unique("op")}@example.test`,
        adminName: "Op Admin",
      },
    }),
  },
  "PATCH /api/v1/operator/companies/:companyId": {
    scope: "operator",
    expect: 401,
    call: async (_w, co) => ({ params: shared[co], body: { selfServiceApproverGrants: false } }),
  },
  "PUT /api/v1/operator/companies/:companyId/users/:userId/can-push-to-accounting": {
    scope: "operator",
    expect: 401,
    call: async (w, co) => ({
      params: { ...shared[co], userId: w.users["viewer@acme.test"].id },
      body: { granted: false },
    }),
  },

  // Company data
  [`GET ${CP}/projects`]: { scope: "company", expect: ALL(200) },
  [`POST ${CP}/projects`]: {
    scope: "company",
    expect: ADMIN_ONLY(201),
    call: async (_w, co) => ({
      params: shared[co],
      body: { number: unique("N-"), name: "Matrix project" },
    }),
  },
  [`PATCH ${CP}/projects/:projectId`]: {
    scope: "company",
    expect: ADMIN_ONLY(200),
    call: async (_w, co) => ({ params: shared[co], body: { name: "Renamed by matrix" } }),
  },
  [`GET ${CP}/cost-codes`]: { scope: "company", expect: ALL(200) },
  [`POST ${CP}/cost-codes`]: {
    scope: "company",
    expect: ADMIN_ONLY(201),
    call: async (_w, co) => ({ params: shared[co], body: { code: unique("99-"), description: "Matrix" } }),
  },
  [`PATCH ${CP}/cost-codes/:costCodeId`]: {
    scope: "company",
    expect: ADMIN_ONLY(200),
    call: async (_w, co) => ({ params: shared[co], body: { description: "Edited by matrix" } }),
  },
  [`GET ${CP}/categories`]: { scope: "company", expect: ALL(200) },
  [`POST ${CP}/categories`]: {
    scope: "company",
    expect: ADMIN_ONLY(201),
    call: async (_w, co) => ({ params: shared[co], body: { code: unique("X"), name: "Matrix" } }),
  },
  [`PATCH ${CP}/categories/:categoryId`]: {
    scope: "company",
    expect: ADMIN_ONLY(200),
    call: async (_w, co) => ({ params: shared[co], body: { name: "Renamed by matrix" } }),
  },
  [`GET ${CP}/settings`]: { scope: "company", expect: ALL(200) },
  [`PATCH ${CP}/settings`]: {
    scope: "company",
    expect: ADMIN_ONLY(200),
    call: async (_w, co) => ({ params: shared[co], body: { dailySummaryHour: 7 } }),
  },

  // Budget
  [`GET ${BUDGET}`]: { scope: "company", expect: ALL(200) },
  [`POST ${BUDGET}/lines`]: {
    scope: "company",
    expect: BUDGET_EDITORS(201),
    call: async (w, co) => {
      const fx = (await w.budget(co, "unlocked")) as unknown as Record<string, string>;
      const code = await w.costCode(co);
      return { params: fx, body: { costCode: code.code, category: "M", originalBudget: "5.00" } };
    },
  },
  [`PATCH ${BUDGET}/lines/:lineId`]: {
    scope: "company",
    expect: BUDGET_EDITORS(200),
    call: fresh("unlocked", () => ({ originalBudget: "7.00" })),
  },
  [`DELETE ${BUDGET}/lines/:lineId`]: {
    scope: "company",
    expect: BUDGET_EDITORS(204),
    call: fresh("unlocked"),
  },
  [`GET ${BUDGET}/changes`]: { scope: "company", expect: ALL(200) },
  [`POST ${BUDGET}/changes`]: {
    scope: "company",
    expect: BUDGET_EDITORS(201),
    call: fresh("locked", (fx) => ({
      description: "Matrix change",
      adjustments: [{ lineId: fx.lineId, amount: "1.00" }],
    })),
  },
  [`PATCH ${BUDGET}/changes/:changeId`]: {
    scope: "company",
    expect: BUDGET_EDITORS(200),
    call: fresh("draft_change", () => ({ description: "Edited" })),
  },
  [`DELETE ${BUDGET}/changes/:changeId`]: {
    scope: "company",
    expect: BUDGET_EDITORS(204),
    call: fresh("draft_change"),
  },
  [`POST ${BUDGET}/changes/:changeId/approve`]: {
    scope: "company",
    expect: BUDGET_EDITORS(200),
    call: fresh("draft_change"),
  },
  [`POST ${BUDGET}/changes/:changeId/void`]: {
    scope: "company",
    expect: BUDGET_EDITORS(200),
    call: fresh("approved_change"),
  },
  [`POST ${BUDGET}/lock`]: { scope: "company", expect: BUDGET_EDITORS(200), call: fresh("unlocked") },
  [`POST ${BUDGET}/unlock`]: { scope: "company", expect: BUDGET_EDITORS(200), call: fresh("locked") },
  [`POST ${BUDGET}/send-to-erp`]: { scope: "company", expect: BUDGET_EDITORS(201), call: fresh("locked") },
  [`POST ${BUDGET}/retrieve-from-erp`]: {
    scope: "company",
    expect: BUDGET_EDITORS(200),
    call: fresh("awaiting"),
  },
  [`GET ${BUDGET}/submissions`]: { scope: "company", expect: ALL(200) },
  // A dry run checks every row without writing; reaching it means the caller may edit the budget.
  [`POST ${BUDGET}/import`]: {
    scope: "company",
    expect: BUDGET_EDITORS(200),
    call: async (w, co) => {
      const fx = (await w.budget(co, "unlocked")) as unknown as Record<string, string>;
      const code = await w.costCode(co);
      return {
        params: fx,
        query: { dryRun: "true" },
        raw: { contentType: "text/csv", text: `cost_code,category,original_budget\n${code.code},E,12.00\n` },
      };
    },
  },
  [`GET ${BUDGET}/export.csv`]: { scope: "company", expect: ALL(200) },

  // ERP Integrations
  [`GET ${ERP}/budget-submissions`]: { scope: "company", expect: ALL(200) },
  [`GET ${ERP}/budget-submissions/:submissionId`]: { scope: "company", expect: ALL(200) },
  [`POST ${ERP}/budget-submissions/:submissionId/accept`]: {
    scope: "company",
    expect: APPROVERS(202),
    call: fresh("awaiting"),
  },
  [`POST ${ERP}/budget-submissions/:submissionId/reject`]: {
    scope: "company",
    expect: APPROVERS(200),
    call: fresh("awaiting", () => ({ reason: "Matrix says no" })),
  },
  [`POST ${ERP}/budget-submissions/:submissionId/retry`]: {
    scope: "company",
    expect: APPROVERS(202),
    call: fresh("failed"),
  },
  // Each decision stands alone, so the batch answers 200 and carries the refusal per item.
  [`POST ${ERP}/budget-submissions/decisions`]: {
    scope: "company",
    expect: ALL(200),
    call: fresh("awaiting", (fx) => ({ decisions: [{ submissionId: fx.submissionId, action: "accept" }] })),
    verify: (body, u) => {
      const r = (body as { results: { ok: boolean; error?: { code: string } }[] }).results[0]!;
      expect(r.ok).toBe(u?.kind === "approver");
      if (!r.ok) expect(r.error?.code).toBe("forbidden");
    },
  },
  [`GET ${ERP}/approvers`]: { scope: "company", expect: ALL(200) },
  [`GET ${ERP}/connection`]: { scope: "company", expect: ALL(200) },
  [`POST ${ERP}/connection/quickbooks-online/connect`]: { scope: "company", expect: ADMIN_ONLY(200) },
  [`DELETE ${ERP}/connection`]: {
    scope: "company",
    expect: ADMIN_ONLY(204),
    call: async (w, co) => {
      await w.t.ctx.db
        .updateTable("erp_connections")
        .set({ status: "connected" })
        .where("company_id", "=", w.companies[co])
        .execute();
      return { params: shared[co] };
    },
  },

  // QuickBooks mappings (erp admin). The pick lists are read from QuickBooks Online while the admin waits: Acme's
  // admin gets them from the emulator; Zenith is on QuickBooks Desktop, which cannot be read on demand, so its
  // admin is told so (409) — after the rights check, which everyone else fails first.
  [`GET ${ERP}/mappings/cost-codes`]: {
    scope: "company",
    expect: { acme: ADMIN_ONLY(200), zenith: ADMIN_ONLY(409) },
    call: withDemoConnection(),
    verify: (body) => {
      const b = body as { items: unknown[]; quickbooksItems: { name: string }[] };
      expect(b.items.length).toBeGreaterThan(0);
      expect(b.quickbooksItems.map((i) => i.name)).toContain("Services");
    },
  },
  [`PUT ${ERP}/mappings/cost-codes/:costCodeId`]: {
    scope: "company",
    expect: { acme: ADMIN_ONLY(200), zenith: ADMIN_ONLY(409) },
    call: withDemoConnection(() => ({ itemRef: quickBooks.itemRef })),
    verify: (body) => expect((body as { item: { name: string } }).item.name).toBe("Services"),
  },
  [`POST ${ERP}/mappings/cost-codes/auto-match`]: {
    scope: "company",
    expect: { acme: ADMIN_ONLY(200), zenith: ADMIN_ONLY(409) },
    call: withDemoConnection(),
  },
  [`GET ${ERP}/quickbooks/customers`]: {
    scope: "company",
    expect: { acme: ADMIN_ONLY(200), zenith: ADMIN_ONLY(409) },
    call: withDemoConnection(),
    verify: (body) =>
      expect((body as { items: { name: string }[] }).items.map((c) => c.name)).toContain("Riverside Phase 1"),
  },
  // Vendor mappings (erp admin), read from QuickBooks Online like the other pick lists. A vendor of the company's
  // directory is inserted for the case that links one.
  [`GET ${ERP}/mappings/vendors`]: {
    scope: "company",
    expect: { acme: ADMIN_ONLY(200), zenith: ADMIN_ONLY(409) },
    call: withDemoConnection(),
  },
  [`PUT ${ERP}/mappings/vendors/:vendorId`]: {
    scope: "company",
    expect: { acme: ADMIN_ONLY(200), zenith: ADMIN_ONLY(409) },
    call: async (w, co) => {
      await w.demoConnection(co);
      const vendorId = unique("matrix-vendor-");
      await w.t.ctx.db
        .insertInto("vendors")
        .values({ company_id: w.companies[co], id: vendorId, name: vendorId })
        .execute();
      return { params: { ...shared[co], vendorId }, body: { vendorRef: quickBooks.vendorRef } };
    },
    verify: (body) =>
      expect((body as { erpVendor: { name: string } }).erpVendor.name).toBe("Concrete Supply Co"),
  },
  [`POST ${ERP}/mappings/vendors/auto-match`]: {
    scope: "company",
    expect: { acme: ADMIN_ONLY(200), zenith: ADMIN_ONLY(409) },
    call: withDemoConnection(),
  },
  [`GET ${ERP}/quickbooks/vendors`]: {
    scope: "company",
    expect: { acme: ADMIN_ONLY(200), zenith: ADMIN_ONLY(409) },
    call: withDemoConnection(),
    verify: (body) =>
      expect((body as { items: { name: string }[] }).items.map((v) => v.name)).toContain(
        "Concrete Supply Co",
      ),
  },
  [`PUT ${CP}/projects/:projectId/erp-job`]: {
    scope: "company",
    expect: { acme: ADMIN_ONLY(200), zenith: ADMIN_ONLY(409) },
    call: withDemoConnection(() => ({ existingJobRef: quickBooks.jobRef })),
    verify: (body) => expect((body as { erpJob: { name: string } }).erpJob.name).toBe("Riverside Phase 1"),
  },
  // Unlinking reads nothing from QuickBooks, so it works on either kind of connection.
  [`DELETE ${CP}/projects/:projectId/erp-job`]: {
    scope: "company",
    expect: ADMIN_ONLY(200),
    call: withDemoConnection(),
  },

  // QuickBooks Desktop (erp admin). Acme is connected to QuickBooks Online, which a Web Connector password would
  // replace: refused with 409 until it is disconnected. Zenith's admin gets a new password, shown once.
  [`POST ${ERP}/connection/quickbooks-desktop/password`]: {
    scope: "company",
    expect: { acme: ADMIN_ONLY(409), zenith: ADMIN_ONLY(200) },
    call: withDemoConnection(),
    verify: (body) => {
      const b = body as { username: string; password: string };
      expect(b.username).toBe(ZENITH_QBWC_USERNAME);
      expect(b.password.length).toBeGreaterThanOrEqual(16);
    },
  },
  [`GET ${ERP}/connection/quickbooks-desktop/qwc`]: {
    scope: "company",
    expect: { acme: ADMIN_ONLY(409), zenith: ADMIN_ONLY(200) },
    call: withDemoConnection(),
    verify: (_body, _u, text) => {
      expect(text).toContain("<AppURL>http://costbridge.test/qbwc</AppURL>");
      expect(text).toContain(`<UserName>${ZENITH_QBWC_USERNAME}</UserName>`);
    },
  },
  // The Web Connector's SOAP service has no Costbridge sign-in: it authenticates its own callers (user name and
  // password inside the envelope), so the HTTP layer lets anyone in, with or without a token.
  "GET /qbwc": {
    scope: "public",
    expect: 200,
    anonymous: 200,
    verify: (_b, _u, text) => expect(text).toContain("<wsdl:definitions"),
  },
  // Intuit's webhook endpoint: no Costbridge sign-in, only the intuit-signature HMAC counts. A session or bearer
  // token does not stand in for it.
  "POST /webhooks/quickbooks": {
    scope: "public",
    expect: 401,
    call: async () => ({ body: { eventNotifications: [] } }),
  },
  // A wrong Web Connector password is answered inside SOAP ("nvu": not a valid user), never with a session.
  "POST /qbwc": {
    scope: "public",
    expect: 200,
    anonymous: 200,
    call: async () => ({
      headers: { soapaction: '"http://developer.intuit.com/authenticate"' },
      raw: {
        contentType: "text/xml; charset=utf-8",
        text: soapAuthenticate(ZENITH_QBWC_USERNAME, "not-the-web-connector-password"),
      },
    }),
    verify: (_b, _u, text) => {
      expect(text).toContain("<string>nvu</string>");
    },
  },

  // Directory (read: directory read only or higher; changes: directory admin). Changes act on a bystander so
  // the demo users keep their rights for the rest of the table.
  [`GET ${CP}/directory`]: { scope: "company", expect: ADMIN_ONLY(200) },
  [`POST ${CP}/directory`]: {
    scope: "company",
    expect: ADMIN_ONLY(201),
    call: async (_w, co) => ({
      params: shared[co],
      body: {
        email: `${unique("invitee")}@example.test`,
        name: "New Person",
        permissions: { budget: "read_only" },
      },
    }),
  },
  // Someone else's entry; anyone may read their own, which is not an authorization question.
  [`GET ${CP}/directory/:userId`]: {
    scope: "company",
    expect: ADMIN_ONLY(200),
    call: async (w, co) => ({ params: { ...shared[co], userId: await w.bystander(co) } }),
  },
  [`PATCH ${CP}/directory/:userId`]: {
    scope: "company",
    expect: ADMIN_ONLY(200),
    call: async (w, co) => ({
      params: { ...shared[co], userId: await w.bystander(co) },
      body: { budget: "read_only", lockBudget: true },
    }),
  },
  [`POST ${CP}/directory/:userId/invitation`]: {
    scope: "company",
    expect: ADMIN_ONLY(200),
    call: async (w, co) => ({ params: { ...shared[co], userId: (await w.invitee(co)).userId } }),
  },
  // Granting Can Push to Accounting is the operator's; with self-service on, a directory admin who holds the
  // privilege may too — no demo user is both, so every one of them is refused even with self-service on.
  [`PUT ${CP}/directory/:userId/can-push-to-accounting`]: {
    scope: "company",
    expect: ALL(403),
    call: async (w, co) => {
      await w.t.ctx.db
        .updateTable("companies")
        .set({ self_service_approver_grants: true })
        .where("id", "=", w.companies[co])
        .execute();
      return { params: { ...shared[co], userId: await w.bystander(co) }, body: { granted: true } };
    },
  },
  [`PUT ${CP}/projects/:projectId/permissions/:userId`]: {
    scope: "company",
    expect: ADMIN_ONLY(200),
    call: async (w, co) => ({
      params: { ...shared[co], userId: await w.bystander(co) },
      body: { budget: "standard", lockBudget: false, sendAndRetrieveBudget: false },
    }),
  },
  [`DELETE ${CP}/projects/:projectId/permissions/:userId`]: {
    scope: "company",
    expect: ADMIN_ONLY(204),
    call: async (w, co) => ({ params: { ...shared[co], userId: await w.bystander(co) } }),
  },
  // The invitation link is the credential: whoever holds it (signed in as someone else or not) sets the password.
  "POST /api/v1/invitations/:invitationToken/accept": {
    scope: "public",
    expect: 200,
    anonymous: 200,
    call: async (w, co) => ({
      params: { invitationToken: (await w.invitee(co)).token },
      body: { password: "a long enough new passphrase" },
    }),
  },
  // Directory admin or ERP admin.
  [`GET ${CP}/audit-events`]: { scope: "company", expect: ADMIN_ONLY(200) },

  // Email outbox
  [`GET ${CP}/email-outbox`]: { scope: "company", expect: ADMIN_ONLY(200) },
  [`POST ${CP}/email-outbox/:emailId/retry`]: {
    scope: "company",
    expect: ADMIN_ONLY(200),
    call: async (w, co) => ({ params: { ...shared[co], emailId: await failedEmail(w, co) } }),
  },

  // ERP Integrations › Commitments: the same rights as the Budgets tab, on commitments' submissions.
  [`GET ${ERP}/commitment-submissions`]: { scope: "company", expect: ALL(200) },
  [`GET ${ERP}/commitment-submissions/:submissionId`]: {
    scope: "company",
    expect: ALL(200),
    call: async (w, co) => ({ params: { ...shared[co], submissionId: await sharedCommitment(w, co) } }),
  },
  [`POST ${ERP}/commitment-submissions/:submissionId/accept`]: {
    scope: "company",
    expect: APPROVERS(202),
    call: freshCommitment("awaiting"),
  },
  [`POST ${ERP}/commitment-submissions/:submissionId/reject`]: {
    scope: "company",
    expect: APPROVERS(200),
    call: freshCommitment("awaiting", () => ({ reason: "Matrix says no" })),
  },
  [`POST ${ERP}/commitment-submissions/:submissionId/retry`]: {
    scope: "company",
    expect: APPROVERS(202),
    call: freshCommitment("failed"),
  },
  [`POST ${ERP}/commitment-submissions/decisions`]: {
    scope: "company",
    expect: ALL(200),
    call: freshCommitment("awaiting", (id) => ({ decisions: [{ submissionId: id, action: "accept" }] })),
    verify: (body, u) => {
      const r = (body as { results: { ok: boolean; error?: { code: string } }[] }).results[0]!;
      expect(r.ok).toBe(u?.kind === "approver");
      if (!r.ok) expect(r.error?.code).toBe("forbidden");
    },
  },
  // Vendors: anyone in the company reads them; a directory or ERP admin adds and edits them.
  [`GET ${CP}/vendors`]: { scope: "company", expect: ALL(200) },
  [`POST ${CP}/vendors`]: {
    scope: "company",
    expect: ADMIN_ONLY(201),
    call: async (_w, co) => ({ params: shared[co], body: { name: unique("Matrix Supply ") } }),
  },
  [`PATCH ${CP}/vendors/:vendorId`]: {
    scope: "company",
    expect: ADMIN_ONLY(200),
    call: async (w, co) => ({
      params: { ...shared[co], vendorId: await matrixVendor(w, co) },
      body: { phone: "555-0100" },
    }),
  },

  // Commitments: the budget's rights on the project (read, edit, approve, send and retrieve).
  [`GET ${CP}/projects/:projectId/commitments`]: { scope: "company", expect: ALL(200) },
  [`POST ${CP}/projects/:projectId/commitments`]: {
    scope: "company",
    expect: BUDGET_EDITORS(201),
    call: async (w, co) => ({
      params: shared[co],
      body: {
        kind: "purchase_order",
        number: unique("PO-"),
        title: "Matrix order",
        vendorId: await matrixVendor(w, co),
      },
    }),
  },
  [`GET ${COMMITMENTS}`]: {
    scope: "company",
    expect: ALL(200),
    call: commitment("draft", undefined, { shared: true }),
  },
  [`PATCH ${COMMITMENTS}`]: {
    scope: "company",
    expect: BUDGET_EDITORS(200),
    call: commitment("draft", () => ({ title: "Renamed by matrix" }), { shared: true }),
  },
  [`POST ${COMMITMENTS}/status`]: {
    scope: "company",
    expect: BUDGET_EDITORS(200),
    call: commitment("draft", () => ({ status: "out_for_signature" })),
  },
  [`POST ${COMMITMENTS}/lines`]: {
    scope: "company",
    expect: BUDGET_EDITORS(201),
    call: async (w, co) => {
      const fx = await commitmentFixture(w, co, "draft");
      return { params: fx, body: { costCode: (await w.costCode(co)).code, category: "M", amount: "5.00" } };
    },
  },
  [`PATCH ${COMMITMENTS}/lines/:lineId`]: {
    scope: "company",
    expect: BUDGET_EDITORS(200),
    call: commitment("draft", () => ({ amount: "7.00" }), { shared: true }),
  },
  [`DELETE ${COMMITMENTS}/lines/:lineId`]: {
    scope: "company",
    expect: BUDGET_EDITORS(204),
    call: commitment("draft"),
  },
  [`GET ${COMMITMENTS}/change-orders`]: {
    scope: "company",
    expect: ALL(200),
    call: commitment("change_order", undefined, { shared: true }),
  },
  [`POST ${COMMITMENTS}/change-orders`]: {
    scope: "company",
    expect: BUDGET_EDITORS(201),
    call: async (w, co) => {
      const fx = (await commitment("approved", undefined, { shared: true })(w, co)).params!;
      const code = (await w.costCode(co)).code;
      return {
        params: fx,
        body: { title: "Matrix change", lines: [{ costCode: code, category: "S", amount: "1.00" }] },
      };
    },
  },
  [`PATCH ${COMMITMENTS}/change-orders/:changeOrderId`]: {
    scope: "company",
    expect: BUDGET_EDITORS(200),
    call: commitment("change_order", () => ({ title: "Edited by matrix" }), { shared: true }),
  },
  [`DELETE ${COMMITMENTS}/change-orders/:changeOrderId`]: {
    scope: "company",
    expect: BUDGET_EDITORS(204),
    call: commitment("change_order"),
  },
  [`POST ${COMMITMENTS}/change-orders/:changeOrderId/approve`]: {
    scope: "company",
    expect: BUDGET_EDITORS(200),
    call: commitment("change_order"),
  },
  [`POST ${COMMITMENTS}/change-orders/:changeOrderId/reject`]: {
    scope: "company",
    expect: BUDGET_EDITORS(200),
    call: commitment("change_order"),
  },
  // Reaching the send rules means the right was there; an ERP whose connector cannot write purchase orders refuses.
  [`POST ${COMMITMENTS}/send-to-erp`]: {
    scope: "company",
    get expect() {
      return whereErpTakesCommitments(201, 409);
    },
    call: commitment("approved"),
  },
  [`POST ${COMMITMENTS}/retrieve-from-erp`]: {
    scope: "company",
    get expect() {
      return whereErpTakesCommitments(200, 409);
    },
    call: commitment("sent"),
  },
  [`GET ${COMMITMENTS}/submissions`]: {
    scope: "company",
    expect: ALL(200),
    call: commitment("draft", undefined, { shared: true }),
  },
};

/** A commitment of a fresh project, sent and waiting (or failed to export), in the company. */
async function commitmentSubmission(w: World, co: CompanyKey, stage: "awaiting" | "failed") {
  const companyId = w.companies[co];
  const projectId = newId("prj");
  await w.t.ctx.db
    .insertInto("projects")
    .values({ company_id: companyId, id: projectId, number: unique("C-"), name: "Commitment fixture" })
    .execute();
  const code = await w.costCode(co);
  const c = await insertCommitment(w.t.ctx, companyId, {
    projectId,
    createdBy: w.admin(co).id,
    number: unique("SC-"),
    vendorName: "Matrix Vendor",
    lines: [[code.code, "S", "100.00"]],
  });
  const submissionId = await sendCommitmentRows(w.t.ctx, companyId, c.id, w.admin(co).id);
  if (stage === "failed") {
    const by = { userId: w.approver(co).id };
    await decideSubmission(w.t.ctx, by, companyId, submissionId, { action: "accept" }, "commitment");
    // As if the export job had given up: the approver's Retry is now allowed.
    await w.t.ctx.db
      .updateTable("submissions")
      .set({ status: "failed" })
      .where("company_id", "=", companyId)
      .where("id", "=", submissionId)
      .execute();
  }
  return submissionId;
}

const sharedCommitmentSubmissions: Partial<Record<CompanyKey, Promise<string>>> = {};
function sharedCommitment(w: World, co: CompanyKey) {
  sharedCommitmentSubmissions[co] ??= commitmentSubmission(w, co, "awaiting");
  return sharedCommitmentSubmissions[co];
}

function freshCommitment(stage: "awaiting" | "failed", body?: (submissionId: string) => unknown) {
  return async (w: World, co: CompanyKey): Promise<Call> => {
    const submissionId = await commitmentSubmission(w, co, stage);
    return { params: { ...shared[co], submissionId }, ...(body ? { body: body(submissionId) } : {}) };
  };
}

let w: World;

beforeAll(async () => {
  w = await createWorld({ quickbooksOnline: true });
  worldForRules = w;
  const realm = w.qbo!.emulator.state().realms[w.qbo!.emulator.defaultRealmId]!;
  const named = (entity: string, field: string, value: string) =>
    String((realm[entity] as Record<string, unknown>[]).find((x) => x[field] === value)!.Id);
  quickBooks.itemRef = named("Item", "Name", "Services");
  quickBooks.jobRef = named("Customer", "DisplayName", "Riverside Phase 1");
  quickBooks.vendorRef = named("Vendor", "DisplayName", "Concrete Supply Co");
  for (const co of ["acme", "zenith"] as const) {
    const fx = await w.budget(co, "awaiting");
    const code = await w.costCode(co);
    shared[co] = {
      companyId: fx.companyId,
      projectId: fx.projectId,
      lineId: fx.lineId,
      submissionId: fx.submissionId!,
      costCodeId: code.id,
      categoryId: (
        await w.t.ctx.db
          .selectFrom("categories")
          .select("id")
          .where("company_id", "=", fx.companyId)
          .where("code", "=", "O")
          .executeTakeFirstOrThrow()
      ).id,
      emailId: await failedEmail(w, co),
    };
  }
});
afterAll(async () => w.close());

async function send(
  route: { method: string; url: string },
  call: Call,
  authorization: string | null,
): Promise<{ status: number; body: unknown; text: string }> {
  const url = fillUrl(route.url, call.params ?? {});
  const qs = call.query ? `?${new URLSearchParams(call.query)}` : "";
  const headers: Record<string, string> = { ...call.headers };
  const auth = call.authorization ?? authorization;
  if (auth) headers.authorization = auth;
  if (call.raw) headers["content-type"] = call.raw.contentType;
  const payload = call.raw ? call.raw.text : (call.body as Record<string, unknown> | undefined);
  const res = await w.t.app.inject({
    method: route.method as "GET",
    url: `${url}${qs}`,
    headers,
    ...(payload !== undefined ? { payload } : {}),
  });
  let body: unknown = null;
  try {
    body = res.json();
  } catch {}
  return { status: res.statusCode, body, text: res.body };
}

describe("authorization matrix", () => {
  it("has a rule for every route, and no rule for a route that does not exist", () => {
    const keys = new Set(w.routes.map((r) => r.key));
    const missing = [...keys].filter((k) => !RULES[k]);
    const stale = Object.keys(RULES).filter((k) => !keys.has(k));
    expect(
      missing.map((k) => `route ${k} needs a rule in test/security/authorization-matrix.db.test.ts`),
    ).toEqual([]);
    expect(stale.map((k) => `rule for ${k} matches no route`)).toEqual([]);
  });

  // Well over a thousand requests, each walking the whole stack (and many building a fresh fixture first): tens of
  // seconds alone, a few minutes on a busy machine.
  it("answers every route × demo user × company as the table says, never 5xx", async () => {
    const mismatches: string[] = [];
    let cases = 0;
    for (const route of w.routes) {
      const rule = RULES[route.key];
      if (!rule) continue;
      const companiesToTry: CompanyKey[] = rule.scope === "company" ? ["acme", "zenith"] : ["acme"];
      const check = async (
        who: string,
        expected: number,
        co: CompanyKey,
        user: DemoUser | null,
        auth: string | null,
      ) => {
        cases += 1;
        const call = rule.call ? await rule.call(w, co, user) : await sharedCall(w, co);
        const res = await send(route, call, auth);
        if (res.status !== expected) {
          mismatches.push(
            `${route.key} as ${who} on ${co}: expected ${expected}, got ${res.status} ${res.text.slice(0, 160)}`,
          );
        } else if (rule.verify && res.status < 300 && (user === null || user.company === co)) {
          try {
            rule.verify(res.body, user, res.text, co);
          } catch (e) {
            mismatches.push(`${route.key} as ${who} on ${co}: ${(e as Error).message}`);
          }
        }
      };
      for (const email of DEMO_EMAILS) {
        const user = w.users[email as DemoEmail];
        for (const co of companiesToTry) {
          const own = rule.scope !== "company" || user.company === co;
          const expected = !own
            ? 404
            : typeof rule.expect === "number"
              ? rule.expect
              : isByCompany(rule.expect)
                ? rule.expect[co][user.kind]
                : rule.expect[user.kind];
          await check(email, expected, co, user, user.auth.authorization);
        }
      }
      for (const co of companiesToTry) {
        await check("anonymous", rule.anonymous ?? 401, co, null, null);
        if ((rule.anonymous ?? 401) === 401) {
          // A token one character off is as good as none, and says so.
          const real = w.users["admin@acme.test"].token;
          const tampered = `Bearer ${real.slice(0, -1)}${real.endsWith("A") ? "B" : "A"}`;
          await check("a tampered token", 401, co, null, tampered);
        }
      }
      if (rule.scope === "operator") {
        await check("the operator", rule.operator ?? 200, "acme", null, `Bearer ${TEST_OPERATOR_TOKEN}`);
      }
    }
    console.info(`authorization matrix: ${w.routes.length} routes, ${cases} cases`);
    expect(mismatches).toEqual([]);
  }, 240_000);

  it("answers 404 to someone who may act in their own company but names another company's resource", async () => {
    const problems: string[] = [];
    let cases = 0;
    for (const route of w.routes) {
      const rule = RULES[route.key];
      const names = [...route.url.matchAll(/:([A-Za-z]+)/g)].map((m) => m[1]!);
      if (rule?.scope !== "company" || !names.some((n) => n !== "companyId")) continue;
      for (const [own, other] of [
        ["acme", "zenith"],
        ["zenith", "acme"],
      ] as const) {
        // Someone whom the table lets through in their own company, so a refusal cannot hide the lookup.
        const caller = DEMO_EMAILS.map((e) => w.users[e]).find((u) => {
          if (u.company !== own) return false;
          const e = rule.expect;
          const status = typeof e === "number" ? e : isByCompany(e) ? e[own][u.kind] : e[u.kind];
          return status < 300;
        });
        if (!caller) continue;
        cases += 1;
        // The other company's fixtures, addressed through the caller's own company.
        const call = rule.call ? await rule.call(w, other, caller) : await sharedCall(w, other);
        const res = await send(
          route,
          { ...call, params: { ...call.params, companyId: w.companies[own] } },
          caller.auth.authorization,
        );
        if (res.status !== 404) {
          problems.push(
            `${route.key} as ${caller.email} with ${other}'s ids: ${res.status} ${res.text.slice(0, 160)}`,
          );
        }
      }
    }
    console.info(`authorization matrix: ${cases} foreign-id cases`);
    expect(cases).toBeGreaterThan(20);
    expect(problems).toEqual([]);
  });
});
