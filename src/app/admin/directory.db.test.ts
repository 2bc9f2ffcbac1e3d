import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, TEST_OPERATOR_TOKEN, type TestApp } from "../../../test/support/app.js";
import { makeCompany, makeUser, TEST_PASSWORD } from "../../../test/support/factories.js";
import { readOutboxMessage } from "../email/payload.js";

const operator = { authorization: `Bearer ${TEST_OPERATOR_TOKEN}` };
const GOOD_PASSWORD = "granite-ladder-42-oak";

let t: TestApp;
let clock = new Date("2026-04-01T12:00:00Z");

beforeAll(async () => {
  t = await createTestApp({ now: () => clock });
});
afterAll(async () => {
  await t.close();
});

// biome-ignore lint/suspicious/noExplicitAny: response bodies are inspected structurally
type Json = Record<string, any>;

async function call(method: string, url: string, headers: Record<string, string> = {}, payload?: unknown) {
  const res = await t.app.inject({
    method: method as "GET",
    url,
    headers,
    ...(payload === undefined ? {} : { payload: payload as object }),
  });
  return { status: res.statusCode, body: (res.body ? res.json() : null) as Json };
}

async function outbox(companyId: string, template?: string) {
  let q = t.ctx.db
    .selectFrom("email_outbox")
    .select(["to_email", "template", "payload"])
    .where("company_id", "=", companyId)
    .orderBy("created_at");
  if (template) q = q.where("template", "=", template);
  return (await q.execute()).map((r) => ({ ...r, payload: r.payload as Json }));
}

/** The invitation token an outbox row holds (sealed with the secret key until the email is sent). */
function tokenOf(payload: unknown): string | undefined {
  if (payload === undefined) return undefined;
  const message = readOutboxMessage(payload, t.ctx.config.secretKey);
  return message.template === "invitation" ? message.data.token : undefined;
}

async function tokenFor(email: string, password = GOOD_PASSWORD) {
  const res = await call("POST", "/api/v1/auth/token", {}, { email, password });
  expect(res.status).toBe(200);
  return { authorization: `Bearer ${res.body.token}` };
}

async function createCompany(name: string, adminEmail: string) {
  const res = await call("POST", "/api/v1/operator/companies", operator, {
    name,
    timeZone: "America/Chicago",
    adminEmail,
    adminName: `${name} Admin`,
  });
  expect(res.status).toBe(201);
  return res.body;
}

async function acceptLatestInvitation(
  companyId: string,
  email: string,
  body: Json = { password: GOOD_PASSWORD },
) {
  const mails = (await outbox(companyId, "invitation")).filter((m) => m.to_email === email);
  const token = tokenOf(mails.at(-1)?.payload);
  expect(token).toBeTruthy();
  return { token, res: await call("POST", `/api/v1/invitations/${token}/accept`, {}, body) };
}

describe("operator onboarding", () => {
  it("accepts only the operator token", async () => {
    const body = { name: "X", timeZone: "UTC", adminEmail: "x@example.test", adminName: "X" };
    expect((await call("POST", "/api/v1/operator/companies", {}, body)).status).toBe(401);
    const companyId = await makeCompany(t.ctx);
    const user = await makeUser(t.ctx, companyId, { directory: "admin" });
    expect((await call("POST", "/api/v1/operator/companies", user.auth, body)).status).toBe(401);
  });

  it("creates the company with default categories and invites its first admin", async () => {
    const created = await createCompany("Northwind Builders", "Owner@Northwind.test");
    const companyId = created.company.id as string;
    expect(created.company).toMatchObject({
      name: "Northwind Builders",
      timeZone: "America/Chicago",
      currency: "USD",
    });
    expect(created.admin).toMatchObject({
      user: { email: "Owner@Northwind.test", name: "Northwind Builders Admin" },
      permissions: {
        erpIntegrations: "admin",
        directory: "admin",
        budget: "admin",
        canPushToAccounting: false,
      },
      status: "invited",
      invited: true,
    });
    const cats = await t.ctx.db
      .selectFrom("categories")
      .select("code")
      .where("company_id", "=", companyId)
      .orderBy("code")
      .execute();
    expect(cats.map((c) => c.code)).toEqual(["E", "L", "M", "O", "S"]);
    const mails = await outbox(companyId);
    expect(mails).toHaveLength(1);
    expect(mails[0]).toMatchObject({ to_email: "Owner@Northwind.test", template: "invitation" });
    expect(mails[0]?.payload.data.company.name).toBe("Northwind Builders");
    // The invitation row stores only a hash of the emailed token.
    const inv = await t.ctx.db
      .selectFrom("invitations")
      .selectAll()
      .where("company_id", "=", companyId)
      .execute();
    expect(inv).toHaveLength(1);
    expect(inv[0]?.token_hash).not.toContain(tokenOf(mails[0]?.payload));
    // The outbox keeps the token sealed, never as plain text.
    expect(mails[0]?.payload.data.token).toBeUndefined();
    expect(JSON.stringify(mails[0]?.payload)).not.toContain(tokenOf(mails[0]?.payload));
    expect((inv[0]?.expires_at.getTime() ?? 0) - clock.getTime()).toBe(7 * 24 * 3600 * 1000);

    const { res } = await acceptLatestInvitation(companyId, "Owner@Northwind.test", {
      password: GOOD_PASSWORD,
      name: "Nora North",
    });
    expect(res.status).toBe(200);
    expect(res.body.user).toMatchObject({ email: "Owner@Northwind.test", name: "Nora North" });
    const admin = await tokenFor("owner@northwind.test");
    const me = await call("GET", "/api/v1/me", admin);
    expect(me.body.companies).toEqual([
      expect.objectContaining({
        id: companyId,
        permissions: expect.objectContaining({ directory: "admin" }),
      }),
    ]);
    const audit = await call("GET", `/api/v1/companies/${companyId}/audit-events`, admin);
    expect(audit.body.items.map((e: Json) => e.action)).toEqual([
      "invitation.accepted",
      "directory.invited",
      "company.created",
    ]);
    expect(audit.body.items[2].actor).toEqual({ kind: "operator", user: null });
  });

  it("refuses an unknown time zone or currency and creates nothing", async () => {
    const before = await t.ctx.db.selectFrom("companies").select("id").execute();
    const tz = await call("POST", "/api/v1/operator/companies", operator, {
      name: "Bad Zone",
      timeZone: "Mars/Olympus_Mons",
      adminEmail: "bad@zone.test",
      adminName: "B",
    });
    expect(tz.status).toBe(400);
    expect(tz.body.error).toMatchObject({ code: "invalid_time_zone", field: "timeZone" });
    const cur = await call("POST", "/api/v1/operator/companies", operator, {
      name: "Bad Money",
      timeZone: "UTC",
      currency: "ABC",
      adminEmail: "bad@money.test",
      adminName: "B",
    });
    expect(cur.status).toBe(400);
    expect(cur.body.error).toMatchObject({ code: "invalid_input", field: "currency" });
    const email = await call("POST", "/api/v1/operator/companies", operator, {
      name: "Bad Mail",
      timeZone: "UTC",
      adminEmail: "not-an-email",
      adminName: "B",
    });
    expect(email.status).toBe(400);
    expect(email.body.error.field).toBe("adminEmail");
    const after = await t.ctx.db.selectFrom("companies").select("id").execute();
    expect(after).toHaveLength(before.length);
    const users = await t.ctx.db.selectFrom("users").select("id").where("email", "like", "bad@%").execute();
    expect(users).toHaveLength(0);
  });

  it("answers 404 for an unknown company", async () => {
    const res = await call("PATCH", "/api/v1/operator/companies/co_missing", operator, {
      selfServiceApproverGrants: true,
    });
    expect(res.status).toBe(404);
    const grant = await call(
      "PUT",
      "/api/v1/operator/companies/co_missing/users/usr_missing/can-push-to-accounting",
      operator,
      { granted: true },
    );
    expect(grant.status).toBe(404);
  });
});

describe("invitations", () => {
  let companyId: string;
  beforeAll(async () => {
    companyId = (await createCompany("Invite Co", "boss@invite.test")).company.id;
  });

  it("rejects a weak password without using up the invitation, then works exactly once", async () => {
    const weak = await acceptLatestInvitation(companyId, "boss@invite.test", { password: "password1" });
    expect(weak.res.status).toBe(400);
    expect(weak.res.body.error).toMatchObject({ code: "weak_password", field: "password" });
    const short = await call("POST", `/api/v1/invitations/${weak.token}/accept`, {}, { password: "short" });
    expect(short.body.error.code).toBe("weak_password");
    const ok = await call(
      "POST",
      `/api/v1/invitations/${weak.token}/accept`,
      {},
      { password: GOOD_PASSWORD },
    );
    expect(ok.status).toBe(200);
    const again = await call(
      "POST",
      `/api/v1/invitations/${weak.token}/accept`,
      {},
      { password: "another-long-one-99" },
    );
    expect(again.status).toBe(410);
    expect(again.body.error.code).toBe("invitation_used");
    // The second attempt did not change the password.
    await tokenFor("boss@invite.test");
  });

  it("answers 404 for a token that was never issued", async () => {
    const res = await call(
      "POST",
      "/api/v1/invitations/nope-not-a-token/accept",
      {},
      { password: GOOD_PASSWORD },
    );
    expect(res.status).toBe(404);
  });

  it("expires after seven days, and a resent link replaces the old one", async () => {
    const boss = await tokenFor("boss@invite.test");
    const invited = await call("POST", `/api/v1/companies/${companyId}/directory`, boss, {
      email: "late@invite.test",
      name: "Late Larry",
      permissions: { budget: "standard" },
    });
    expect(invited.status).toBe(201);
    const first = (await outbox(companyId, "invitation")).filter((m) => m.to_email === "late@invite.test");
    const oldToken = tokenOf(first[0]?.payload) as string;
    const start = clock;
    clock = new Date(start.getTime() + 7 * 24 * 3600 * 1000 + 1000);
    try {
      const expired = await call(
        "POST",
        `/api/v1/invitations/${oldToken}/accept`,
        {},
        { password: GOOD_PASSWORD },
      );
      expect(expired.status).toBe(410);
      expect(expired.body.error.code).toBe("invitation_expired");
      const resent = await call(
        "POST",
        `/api/v1/companies/${companyId}/directory/${invited.body.user.id}/invitation`,
        boss,
      );
      expect(resent.status).toBe(200);
      const { token, res } = await acceptLatestInvitation(companyId, "late@invite.test");
      expect(token).not.toBe(oldToken);
      expect(res.status).toBe(200);
      const after = await call(
        "GET",
        `/api/v1/companies/${companyId}/directory/${invited.body.user.id}`,
        boss,
      );
      expect(after.body.status).toBe("active");
    } finally {
      clock = start;
    }
  });
});

describe("directory", () => {
  let companyId: string;
  let admin: Record<string, string>;
  let adminId: string;
  beforeAll(async () => {
    const created = await createCompany("Directory Co", "admin@dir.test");
    companyId = created.company.id;
    adminId = created.admin.user.id;
    await acceptLatestInvitation(companyId, "admin@dir.test");
    admin = await tokenFor("admin@dir.test");
  });

  it("invites a new address, refuses a duplicate, and adds an existing account with a notice", async () => {
    const res = await call("POST", `/api/v1/companies/${companyId}/directory`, admin, {
      email: "pm@dir.test",
      name: "Pat Manager",
      permissions: { budget: "admin", erpIntegrations: "read_only" },
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      status: "invited",
      invited: true,
      permissions: {
        budget: "admin",
        erpIntegrations: "read_only",
        directory: "none",
        subscribeErpDigest: true,
      },
      isAccountingApprover: false,
    });
    const before = await outbox(companyId);
    const dup = await call("POST", `/api/v1/companies/${companyId}/directory`, admin, {
      email: "PM@dir.test",
      name: "Pat Again",
    });
    expect(dup.status).toBe(409);
    expect(dup.body.error).toMatchObject({ code: "duplicate", field: "email" });
    expect(await outbox(companyId)).toHaveLength(before.length);

    const otherCompany = await makeCompany(t.ctx, { name: "Elsewhere" });
    const existing = await makeUser(t.ctx, otherCompany, { budget: "admin" }, { email: "veteran@else.test" });
    const added = await call("POST", `/api/v1/companies/${companyId}/directory`, admin, {
      email: "Veteran@Else.test",
      name: "ignored for an existing account",
      permissions: { erpIntegrations: "standard" },
    });
    expect(added.status).toBe(201);
    // The same answer as for a new address: the company learns nothing about the account behind it.
    expect(added.body).toMatchObject({ user: { id: existing.id }, status: "invited", invited: true });
    const notices = await outbox(companyId, "added-to-company");
    expect(notices.map((n) => n.to_email)).toEqual(["veteran@else.test"]);
    expect(notices[0]?.payload.data.company).toEqual({ id: companyId, name: "Directory Co" });
    const me = await call("GET", "/api/v1/me", existing.auth);
    expect(me.body.companies.map((c: Json) => c.id).sort()).toEqual([companyId, otherCompany].sort());
    // Once they sign in, they have joined.
    await tokenFor("veteran@else.test", TEST_PASSWORD);
    const joined = await call("GET", `/api/v1/companies/${companyId}/directory/${existing.id}`, admin);
    expect(joined.body.status).toBe("active");
  });

  it("lets nobody change their own levels, and only directory admins change others'", async () => {
    const own = await call("PATCH", `/api/v1/companies/${companyId}/directory/${adminId}`, admin, {
      erpIntegrations: "none",
    });
    expect(own.status).toBe(403);
    expect(own.body.error).toMatchObject({ code: "forbidden", details: { rule: "own_permissions" } });
    const stillAdmin = await call("GET", `/api/v1/companies/${companyId}/directory/${adminId}`, admin);
    expect(stillAdmin.body.permissions.erpIntegrations).toBe("admin");

    const viewer = await makeUser(t.ctx, companyId, { directory: "read_only", erpIntegrations: "standard" });
    const list = await call("GET", `/api/v1/companies/${companyId}/directory`, viewer.auth);
    expect(list.status).toBe(200);
    const target = list.body.items.find((i: Json) => i.user.email === "pm@dir.test");
    const denied = await call(
      "PATCH",
      `/api/v1/companies/${companyId}/directory/${target.user.id}`,
      viewer.auth,
      {
        budget: "none",
      },
    );
    expect(denied.status).toBe(403);
    expect(denied.body.error.message).toContain("Directory Admin");

    // Anyone may switch their own digest subscription, but not someone else's.
    const digest = await call("PATCH", `/api/v1/companies/${companyId}/directory/${viewer.id}`, viewer.auth, {
      subscribeErpDigest: false,
    });
    expect(digest.status).toBe(200);
    expect(digest.body.permissions.subscribeErpDigest).toBe(false);
    const othersDigest = await call(
      "PATCH",
      `/api/v1/companies/${companyId}/directory/${target.user.id}`,
      viewer.auth,
      { subscribeErpDigest: false },
    );
    expect(othersDigest.status).toBe(403);

    const changed = await call("PATCH", `/api/v1/companies/${companyId}/directory/${target.user.id}`, admin, {
      budget: "standard",
      lockBudget: true,
    });
    expect(changed.status).toBe(200);
    expect(changed.body.permissions).toMatchObject({ budget: "standard", lockBudget: true });
    const events = await call(
      "GET",
      `/api/v1/companies/${companyId}/audit-events?entityType=user&entityId=${target.user.id}&action=directory.permissions_changed`,
      admin,
    );
    expect(events.body.items).toHaveLength(1);
    expect(events.body.items[0].data.changes).toEqual({
      budget: { from: "admin", to: "standard" },
      lockBudget: { from: false, to: true },
    });
    expect(events.body.items[0].actor.user.id).toBe(adminId);
  });

  it("keeps Can Push to Accounting with the operator unless self-service is on", async () => {
    const approver = await makeUser(t.ctx, companyId, { erpIntegrations: "standard" });
    const url = `/api/v1/companies/${companyId}/directory/${approver.id}/can-push-to-accounting`;
    const refused = await call("PUT", url, admin, { granted: true });
    expect(refused.status).toBe(403);
    expect(refused.body.error.message).toContain("platform operator");
    const opUrl = `/api/v1/operator/companies/${companyId}/users`;
    // The directory admin without the privilege still cannot once self-service is on.
    expect(
      (
        await call("PATCH", `/api/v1/operator/companies/${companyId}`, operator, {
          selfServiceApproverGrants: true,
        })
      ).status,
    ).toBe(200);
    const stillRefused = await call("PUT", url, admin, { granted: true });
    expect(stillRefused.status).toBe(403);
    expect(stillRefused.body.error.message).toContain("Can Push to Accounting");
    const unchanged = await call("GET", `/api/v1/companies/${companyId}/directory/${approver.id}`, admin);
    expect(unchanged.body.permissions.canPushToAccounting).toBe(false);

    const grantAdmin = await call("PUT", `${opUrl}/${adminId}/can-push-to-accounting`, operator, {
      granted: true,
    });
    expect(grantAdmin.status).toBe(200);
    expect(grantAdmin.body).toMatchObject({
      isAccountingApprover: true,
      permissions: { canPushToAccounting: true },
    });
    const granted = await call("PUT", url, admin, { granted: true });
    expect(granted.status).toBe(200);
    expect(granted.body.isAccountingApprover).toBe(true);

    const report = await call("GET", `/api/v1/companies/${companyId}/erp/approvers`, admin);
    expect(report.body.items.map((i: Json) => i.user.id).sort()).toEqual([adminId, approver.id].sort());
    const events = await call("GET", `/api/v1/companies/${companyId}/audit-events?actorKind=operator`, admin);
    expect(events.body.items.map((e: Json) => e.action)).toContain(
      "directory.can_push_to_accounting_granted",
    );
  });

  it("deactivates someone: access ends at once and their invitation link stops working", async () => {
    const invited = await call("POST", `/api/v1/companies/${companyId}/directory`, admin, {
      email: "leaver@dir.test",
      name: "Lee Leaver",
    });
    const member = await makeUser(t.ctx, companyId, { budget: "admin" });
    expect((await call("GET", `/api/v1/companies/${companyId}/projects`, member.auth)).status).toBe(200);
    for (const id of [invited.body.user.id, member.id]) {
      const res = await call("PATCH", `/api/v1/companies/${companyId}/directory/${id}`, admin, {
        active: false,
      });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ status: "inactive", active: false });
    }
    expect((await call("GET", `/api/v1/companies/${companyId}/projects`, member.auth)).status).toBe(404);
    const link = await acceptLatestInvitation(companyId, "leaver@dir.test");
    expect(link.res.status).toBe(410);
    const self = await call("PATCH", `/api/v1/companies/${companyId}/directory/${adminId}`, admin, {
      active: false,
    });
    expect(self.status).toBe(403);
    // Adding the person again brings them back with the rights given now.
    const back = await call("POST", `/api/v1/companies/${companyId}/directory`, admin, {
      email: "leaver@dir.test",
      name: "Lee Leaver",
      permissions: { budget: "read_only" },
    });
    expect(back.status).toBe(201);
    expect(back.body).toMatchObject({ status: "invited", permissions: { budget: "read_only" } });
    expect((await acceptLatestInvitation(companyId, "leaver@dir.test")).res.status).toBe(200);
  });

  it("sets and clears per-project budget overrides, which the budget then honours", async () => {
    const project = await call("POST", `/api/v1/companies/${companyId}/projects`, admin, {
      number: "P-100",
      name: "Harbor Lofts",
    });
    expect(project.status).toBe(201);
    const pm = await makeUser(t.ctx, companyId, { budget: "none" });
    const budgetUrl = `/api/v1/companies/${companyId}/projects/${project.body.id}/budget`;
    expect((await call("GET", budgetUrl, pm.auth)).status).toBe(403);
    const url = `/api/v1/companies/${companyId}/projects/${project.body.id}/permissions/${pm.id}`;
    const set = await call("PUT", url, admin, {
      budget: "admin",
      lockBudget: false,
      sendAndRetrieveBudget: true,
    });
    expect(set.status).toBe(200);
    expect((await call("GET", budgetUrl, pm.auth)).status).toBe(200);
    const entry = await call("GET", `/api/v1/companies/${companyId}/directory/${pm.id}`, admin);
    expect(entry.body.projectOverrides).toEqual([
      { projectId: project.body.id, budget: "admin", lockBudget: false, sendAndRetrieveBudget: true },
    ]);
    const own = await call(
      "PUT",
      `/api/v1/companies/${companyId}/projects/${project.body.id}/permissions/${adminId}`,
      admin,
      {
        budget: "none",
        lockBudget: false,
        sendAndRetrieveBudget: false,
      },
    );
    expect(own.status).toBe(403);
    const unknownProject = await call(
      "PUT",
      `/api/v1/companies/${companyId}/projects/prj_nope/permissions/${pm.id}`,
      admin,
      {
        budget: "admin",
        lockBudget: false,
        sendAndRetrieveBudget: false,
      },
    );
    expect(unknownProject.status).toBe(404);
    expect((await call("DELETE", url, admin)).status).toBe(204);
    expect((await call("GET", budgetUrl, pm.auth)).status).toBe(403);
  });

  it("never reaches into another company", async () => {
    const other = await makeCompany(t.ctx);
    const stranger = await makeUser(t.ctx, other, { budget: "admin" });
    const res = await call("PATCH", `/api/v1/companies/${other}/directory/${stranger.id}`, admin, {
      budget: "none",
    });
    expect(res.status).toBe(404);
    const mine = await call("PATCH", `/api/v1/companies/${companyId}/directory/${stranger.id}`, admin, {
      budget: "none",
    });
    expect(mine.status).toBe(404);
  });
});

describe("audit log", () => {
  let companyId: string;
  let admin: Awaited<ReturnType<typeof makeUser>>;
  beforeAll(async () => {
    companyId = await makeCompany(t.ctx);
    admin = await makeUser(t.ctx, companyId, { directory: "admin" });
    for (let i = 0; i < 5; i++) {
      clock = new Date(Date.UTC(2026, 3, 2 + i, 12));
      const r = await call("POST", `/api/v1/companies/${companyId}/cost-codes`, admin.auth, {
        code: `0${i}-100`,
        description: "x",
      });
      expect(r.status).toBe(201);
    }
    clock = new Date("2026-04-01T12:00:00Z");
  });

  it("pages newest first without gaps or repeats", async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const q: string = cursor ? `&cursor=${cursor}` : "";
      const page = await call("GET", `/api/v1/companies/${companyId}/audit-events?limit=2${q}`, admin.auth);
      expect(page.status).toBe(200);
      expect(page.body.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.body.items.map((e: Json) => e.entity.id));
      cursor = page.body.nextCursor;
    } while (cursor);
    const codes = await t.ctx.db
      .selectFrom("cost_codes")
      .select("id")
      .where("company_id", "=", companyId)
      .orderBy("code", "desc")
      .execute();
    expect(seen).toEqual(codes.map((c) => c.id));
  });

  it("filters by time window and actor", async () => {
    const window = await call(
      "GET",
      `/api/v1/companies/${companyId}/audit-events?from=2026-04-03T00:00:00Z&to=2026-04-05T00:00:00Z`,
      admin.auth,
    );
    expect(window.body.items.map((e: Json) => e.data.code)).toEqual(["02-100", "01-100"]);
    const someoneElse = await call(
      "GET",
      `/api/v1/companies/${companyId}/audit-events?actorUserId=usr_nobody`,
      admin.auth,
    );
    expect(someoneElse.body.items).toEqual([]);
    const bad = await call("GET", `/api/v1/companies/${companyId}/audit-events?from=yesterday`, admin.auth);
    expect(bad.status).toBe(400);
  });

  it("is for directory or ERP admins only", async () => {
    const pm = await makeUser(t.ctx, companyId, { budget: "admin", directory: "standard" });
    const res = await call("GET", `/api/v1/companies/${companyId}/audit-events`, pm.auth);
    expect(res.status).toBe(403);
  });
});

describe("settings", () => {
  it("validates time zone and currency, changes nothing on bad input and audits what changed", async () => {
    const companyId = await makeCompany(t.ctx);
    const erpAdmin = await makeUser(t.ctx, companyId, { erpIntegrations: "admin" });
    const url = `/api/v1/companies/${companyId}/settings`;
    const bad = await call("PATCH", url, erpAdmin.auth, { timeZone: "Europe/Atlantis", dailySummaryHour: 9 });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatchObject({ code: "invalid_time_zone", field: "timeZone" });
    const cur = await call("PATCH", url, erpAdmin.auth, { currency: "XYZ" });
    expect(cur.status).toBe(400);
    expect(cur.body.error).toMatchObject({ code: "invalid_input", field: "currency" });
    const unchanged = await call("GET", url, erpAdmin.auth);
    expect(unchanged.body).toMatchObject({
      timeZone: "America/New_York",
      currency: "USD",
      dailySummaryHour: 7,
    });
    const ok = await call("PATCH", url, erpAdmin.auth, {
      timeZone: "Europe/Paris",
      currency: "EUR",
      dailySummaryHour: 9,
    });
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ timeZone: "Europe/Paris", currency: "EUR", dailySummaryHour: 9 });
    const audit = await call(
      "GET",
      `/api/v1/companies/${companyId}/audit-events?action=settings.updated`,
      erpAdmin.auth,
    );
    expect(audit.body.items[0].data.changes).toEqual({
      timeZone: { from: "America/New_York", to: "Europe/Paris" },
      currency: { from: "USD", to: "EUR" },
      dailySummaryHour: { from: 7, to: 9 },
    });
    const pm = await makeUser(t.ctx, companyId, { budget: "admin", directory: "admin" });
    expect((await call("PATCH", url, pm.auth, { dailySummaryHour: 8 })).status).toBe(403);
  });
});
