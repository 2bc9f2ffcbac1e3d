import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, TEST_OPERATOR_TOKEN, type TestApp } from "../../../test/support/app.js";
import { insertSubmission, queuedJobs } from "../../../test/support/email.js";
import { makeCompany, makeUser } from "../../../test/support/factories.js";
import { storeCaughtEmail } from "../../app/email/mailbox.js";
import { queueEmail } from "../../app/email/outbox.js";
import { type App, buildHttpApp } from "../app.js";
import { mailRoutes } from "./mail.js";

const operator = { authorization: `Bearer ${TEST_OPERATOR_TOKEN}` };

async function withMailRoutes(t: TestApp): Promise<App> {
  const app = await buildHttpApp(t.ctx, { routes: [mailRoutes], webDist: null });
  await app.ready();
  return app;
}

describe("POST /api/v1/operator/daily-summary", () => {
  let t: TestApp;
  let app: App;
  let companyId: string;
  let approverToken: Record<string, string>;
  beforeAll(async () => {
    // 14:00 UTC is 10:00 in New York, past the 07:00 default.
    t = await createTestApp({ now: () => new Date("2026-03-10T14:00:00Z") });
    app = await withMailRoutes(t);
    companyId = await makeCompany(t.ctx);
    const approver = await makeUser(t.ctx, companyId, {
      erpIntegrations: "standard",
      canPushToAccounting: true,
    });
    await makeUser(t.ctx, companyId, { erpIntegrations: "admin", canPushToAccounting: true });
    await makeUser(t.ctx, companyId, { erpIntegrations: "standard", canPushToAccounting: false });
    const pm = await makeUser(t.ctx, companyId, { budget: "admin" });
    await insertSubmission(t.ctx, companyId, { submittedBy: pm.id });
    approverToken = approver.auth;
  });
  afterAll(async () => {
    await app.close();
    await t.close();
  });

  it("needs the operator token, and only it", async () => {
    const none = await app.inject({ method: "POST", url: "/api/v1/operator/daily-summary", payload: {} });
    expect(none.statusCode).toBe(401);
    const wrong = await app.inject({
      method: "POST",
      url: "/api/v1/operator/daily-summary",
      headers: { authorization: "Bearer op_not_the_operator_token_at_all" },
      payload: {},
    });
    expect(wrong.statusCode).toBe(401);
    expect(wrong.json().error.code).toBe("invalid_token");
    const user = await app.inject({
      method: "POST",
      url: "/api/v1/operator/daily-summary",
      headers: approverToken,
      payload: {},
    });
    expect(user.statusCode).toBe(401);
  });

  it("documents the routes in the OpenAPI document", async () => {
    const res = await app.inject({ method: "GET", url: "/api/v1/openapi.json" });
    expect(res.statusCode).toBe(200);
    const paths = Object.keys(res.json().paths);
    expect(paths).toEqual(
      expect.arrayContaining([
        "/api/v1/operator/daily-summary",
        "/api/v1/demo/mailbox",
        "/api/v1/companies/{companyId}/email-outbox",
        "/api/v1/companies/{companyId}/email-outbox/{emailId}/retry",
      ]),
    );
  });

  it("refuses a bad date with invalid_input on `date`", async () => {
    for (const date of ["2026-02-30", "10/03/2026", "2026-3-1"]) {
      const res = await app.inject({
        method: "POST",
        url: "/api/v1/operator/daily-summary",
        headers: operator,
        payload: { date },
      });
      expect(res.statusCode, date).toBe(400);
      expect(res.json().error).toMatchObject({ code: "invalid_input", field: "date" });
    }
    const unknown = await app.inject({
      method: "POST",
      url: "/api/v1/operator/daily-summary",
      headers: operator,
      payload: { day: "2026-03-10" },
    });
    expect(unknown.statusCode).toBe(400);
  });

  it("answers 404 for an unknown company", async () => {
    const res = await app.inject({
      method: "POST",
      url: "/api/v1/operator/daily-summary",
      headers: operator,
      payload: { companyId: "co_does_not_exist" },
    });
    expect(res.statusCode).toBe(404);
    expect(res.json().error.code).toBe("not_found");
  });

  it("queues the summary for each approver and reports how many, once per date", async () => {
    const first = await app.inject({
      method: "POST",
      url: "/api/v1/operator/daily-summary",
      headers: operator,
      payload: { companyId, date: "2026-03-09" },
    });
    expect(first.statusCode).toBe(200);
    expect(first.json()).toEqual({ sent: 2 });
    const again = await app.inject({
      method: "POST",
      url: "/api/v1/operator/daily-summary",
      headers: operator,
      payload: { companyId, date: "2026-03-09" },
    });
    expect(again.json()).toEqual({ sent: 0 });
    // No body at all: every company, each on its own today.
    const today = await app.inject({
      method: "POST",
      url: "/api/v1/operator/daily-summary",
      headers: operator,
    });
    expect(today.statusCode, today.body).toBe(200);
    expect(today.json()).toEqual({ sent: 2 });
    const keys = await t.ctx.db
      .selectFrom("email_outbox")
      .select("dedupe_key")
      .where("company_id", "=", companyId)
      .execute();
    expect(keys.filter((k) => k.dedupe_key.endsWith(":2026-03-10"))).toHaveLength(2);
  });
});

describe("GET /api/v1/demo/mailbox", () => {
  it("lists caught emails newest first in demo mode: one's own, and a Directory Admin's company's people's", async () => {
    const t = await createTestApp({ env: { DEMO: "on" } });
    const app = await withMailRoutes(t);
    try {
      const acme = await makeCompany(t.ctx, { name: "Acme Mail" });
      const zenith = await makeCompany(t.ctx, { name: "Zenith Mail" });
      const user = await makeUser(t.ctx, acme, { budget: "standard" }, { email: "Mail.PM@acme.test" });
      const admin = await makeUser(t.ctx, acme, { directory: "admin" });
      const outsider = await makeUser(t.ctx, zenith, { directory: "admin" });
      // Someone in both companies: each company's admin reads only what their own company sent them.
      const shared = await makeUser(t.ctx, acme, {}, { email: "both@shared.test" });
      await t.ctx.db
        .insertInto("directory_entries")
        .values({ company_id: zenith, user_id: shared.id })
        .execute();
      const mail = (i: number, subject: string, to: string, companyId: string | null = acme) =>
        storeCaughtEmail(t.ctx.db, {
          messageId: `<m${i}@costbridge.test>`,
          from: "Costbridge <no-reply@localhost>",
          to: [to],
          subject,
          html: `<p>${subject}</p>`,
          text: subject,
          receivedAt: new Date(Date.UTC(2026, 2, 10, 12, i)),
          companyId,
        });
      await mail(0, "First", "mail.pm@acme.test");
      await mail(1, "Second", "mail.pm@acme.test");
      await mail(2, "For the admin", admin.email);
      await mail(3, "For nobody here", "someone@elsewhere.test");
      await mail(4, "Zenith to the shared person", "both@shared.test", zenith);
      await mail(5, "Acme to the shared person", "both@shared.test");
      const anonymous = await app.inject({ method: "GET", url: "/api/v1/demo/mailbox" });
      expect(anonymous.statusCode).toBe(401);
      const read = async (who: { auth: Record<string, string> }) => {
        const res = await app.inject({ method: "GET", url: "/api/v1/demo/mailbox", headers: who.auth });
        expect(res.statusCode).toBe(200);
        return res.json().items as { subject: string }[];
      };
      const items = await read(user);
      expect(items.map((i) => i.subject)).toEqual(["Second", "First"]);
      expect(items[0]).toEqual({
        id: expect.any(String),
        from: "Costbridge <no-reply@localhost>",
        to: ["mail.pm@acme.test"],
        subject: "Second",
        receivedAt: "2026-03-10T12:01:00.000Z",
        html: "<p>Second</p>",
        text: "Second",
      });
      // The company's Directory Admin reads their people's mail (the invitations they send), not other companies'.
      expect((await read(admin)).map((i) => i.subject)).toEqual([
        "Acme to the shared person",
        "For the admin",
        "Second",
        "First",
      ]);
      expect((await read(outsider)).map((i) => i.subject)).toEqual(["Zenith to the shared person"]);
      expect((await read(shared)).map((i) => i.subject)).toEqual([
        "Acme to the shared person",
        "Zenith to the shared person",
      ]);
      // The operator (who invites each new company's first admin) reads everything; a person's token is refused.
      const asOperator = await app.inject({
        method: "GET",
        url: "/api/v1/operator/demo/mailbox",
        headers: { authorization: `Bearer ${TEST_OPERATOR_TOKEN}` },
      });
      expect(asOperator.statusCode).toBe(200);
      expect(asOperator.json().items.map((i: { subject: string }) => i.subject)).toEqual([
        "Acme to the shared person",
        "Zenith to the shared person",
        "For nobody here",
        "For the admin",
        "Second",
        "First",
      ]);
      const asUser = await app.inject({
        method: "GET",
        url: "/api/v1/operator/demo/mailbox",
        headers: admin.auth,
      });
      expect(asUser.statusCode).toBe(401);
    } finally {
      await app.close();
      await t.close();
    }
  });

  it("does not exist outside demo mode", async () => {
    const t = await createTestApp();
    const app = await withMailRoutes(t);
    try {
      const user = await makeUser(t.ctx, null);
      const res = await app.inject({ method: "GET", url: "/api/v1/demo/mailbox", headers: user.auth });
      expect(res.statusCode).toBe(404);
    } finally {
      await app.close();
      await t.close();
    }
  });
});

describe("company email outbox", () => {
  let t: TestApp;
  let app: App;
  let companyId: string;
  let erpAdmin: Record<string, string>;
  let directoryAdmin: Record<string, string>;
  let approver: Record<string, string>;
  let outsider: Record<string, string>;
  let failedId: string;
  beforeAll(async () => {
    t = await createTestApp();
    app = await withMailRoutes(t);
    companyId = await makeCompany(t.ctx);
    erpAdmin = (await makeUser(t.ctx, companyId, { erpIntegrations: "admin" })).auth;
    directoryAdmin = (await makeUser(t.ctx, companyId, { directory: "admin" })).auth;
    approver = (await makeUser(t.ctx, companyId, { erpIntegrations: "standard", canPushToAccounting: true }))
      .auth;
    outsider = (await makeUser(t.ctx, await makeCompany(t.ctx), { erpIntegrations: "admin" })).auth;
    for (let i = 0; i < 5; i++) {
      await queueEmail(t.ctx.db, {
        companyId,
        dedupeKey: `test:${i}`,
        to: `person${i}@example.test`,
        secretKey: t.ctx.config.secretKey,
        message: {
          template: "invitation",
          data: {
            publicUrl: "http://costbridge.test",
            company: { name: "Acme", timeZone: "America/New_York" },
            invitedBy: { name: "Ada Admin" },
            token: `tok${i}`,
          },
        },
      });
    }
    const rows = await t.ctx.db
      .selectFrom("email_outbox")
      .select(["id", "to_email"])
      .where("company_id", "=", companyId)
      .execute();
    failedId = rows.find((r) => r.to_email === "person3@example.test")!.id;
    await t.ctx.db
      .updateTable("email_outbox")
      .set({ status: "failed", tries: 12, last_error: "EENVELOPE: 550 no such mailbox" })
      .where("id", "=", failedId)
      .execute();
  });
  afterAll(async () => {
    await app.close();
    await t.close();
  });

  const url = (path = "") => `/api/v1/companies/${companyId}/email-outbox${path}`;

  it("is for ERP Integrations or Directory admins of the company only", async () => {
    expect((await app.inject({ method: "GET", url: url(), headers: erpAdmin })).statusCode).toBe(200);
    expect((await app.inject({ method: "GET", url: url(), headers: directoryAdmin })).statusCode).toBe(200);
    const denied = await app.inject({ method: "GET", url: url(), headers: approver });
    expect(denied.statusCode).toBe(403);
    expect(denied.json().error.message).toMatch(/Admin/);
    expect((await app.inject({ method: "GET", url: url(), headers: outsider })).statusCode).toBe(404);
    expect((await app.inject({ method: "GET", url: url() })).statusCode).toBe(401);
  });

  it("lists rows newest first, page by page, and filters by status", async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const q: string = cursor ? `?limit=2&cursor=${encodeURIComponent(cursor)}` : "?limit=2";
      const res = await app.inject({ method: "GET", url: url(q), headers: erpAdmin });
      expect(res.statusCode).toBe(200);
      const body = res.json();
      expect(body.items.length).toBeLessThanOrEqual(2);
      seen.push(...body.items.map((i: { to: string }) => i.to));
      cursor = body.nextCursor;
    } while (cursor);
    expect(seen).toEqual([4, 3, 2, 1, 0].map((i) => `person${i}@example.test`));

    const failed = await app.inject({ method: "GET", url: url("?status=failed"), headers: erpAdmin });
    expect(failed.json().items).toEqual([
      {
        id: failedId,
        template: "invitation",
        to: "person3@example.test",
        status: "failed",
        tries: 12,
        lastError: "EENVELOPE: 550 no such mailbox",
        createdAt: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T/),
        sentAt: null,
      },
    ]);
    const crafted = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");
    for (const cursor of [
      "garbage",
      // Well-formed, but not something this list hands out: refused before they reach the database.
      crafted(["2026-13-40T00:00:00.000000Z", "eml_x"]),
      crafted(["0000-01-01T00:00:00.000000Z", "eml_x"]),
      crafted(["2026-03-10T12:00:00.000000Z", "eml_\u0000"]),
    ]) {
      const bad = await app.inject({ method: "GET", url: url(`?cursor=${cursor}`), headers: erpAdmin });
      expect(bad.statusCode, cursor).toBe(400);
      expect(bad.json().error).toMatchObject({ code: "invalid_input", field: "query.cursor" });
    }
  });

  it("requeues a failed email, and only a failed one", async () => {
    const queued = await t.ctx.db
      .selectFrom("email_outbox")
      .select("id")
      .where("company_id", "=", companyId)
      .where("status", "=", "queued")
      .executeTakeFirstOrThrow();
    const notFailed = await app.inject({
      method: "POST",
      url: url(`/${queued.id}/retry`),
      headers: erpAdmin,
    });
    expect(notFailed.statusCode).toBe(409);
    expect(notFailed.json().error.code).toBe("email_not_failed");
    const missing = await app.inject({ method: "POST", url: url("/eml_nope/retry"), headers: erpAdmin });
    expect(missing.statusCode).toBe(404);
    const denied = await app.inject({ method: "POST", url: url(`/${failedId}/retry`), headers: approver });
    expect(denied.statusCode).toBe(403);

    const res = await app.inject({ method: "POST", url: url(`/${failedId}/retry`), headers: directoryAdmin });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ id: failedId, status: "queued" });
    const jobs = (await queuedJobs(t.ctx, "send_email")).filter((j) => j.payload.emailId === failedId);
    expect(jobs).toHaveLength(1);
    expect(jobs[0]!.attempts).toBe(0);
  });
});
