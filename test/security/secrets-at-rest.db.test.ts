/**
 * No secret at rest in plain text, and no invitation link in reach of anyone but its recipient: the outbox keeps an
 * invitation's token sealed until the email is sent and drops it then; its view never shows it; the demo Mailbox
 * shows the link to its recipient and the operator only. Adding an address that already has an account (pending or
 * not) answers the adding company exactly as for a new one.
 */
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readOutboxMessage } from "../../src/app/email/payload.js";
import { type MailRuntime, startMailRuntime } from "../../src/app/email/runtime.js";
import { deliverOutboxEmail } from "../../src/app/email/send-email.js";
import { HIDDEN_TOKEN } from "../../src/mail/templates/index.js";
import { createTestApp, TEST_OPERATOR_TOKEN, type TestApp } from "../support/app.js";
import { makeCompany, makeUser } from "../support/factories.js";

// biome-ignore lint/suspicious/noExplicitAny: JSON bodies in a test
type Json = Record<string, any>;

let t: TestApp;
let mail: MailRuntime;
let acme: string;
let zenith: string;
let acmeAdmin: Awaited<ReturnType<typeof makeUser>>;
let zenithAdmin: Awaited<ReturnType<typeof makeUser>>;
const operator = { authorization: `Bearer ${TEST_OPERATOR_TOKEN}` };

beforeAll(async () => {
  t = await createTestApp({ env: { DEMO: "on" } });
  mail = await startMailRuntime(t.ctx);
  acme = await makeCompany(t.ctx, { name: "Acme Secrets" });
  zenith = await makeCompany(t.ctx, { name: "Zenith Secrets" });
  acmeAdmin = await makeUser(t.ctx, acme, { directory: "admin", erpIntegrations: "admin" });
  zenithAdmin = await makeUser(t.ctx, zenith, { directory: "admin", erpIntegrations: "admin" });
});
afterAll(async () => {
  await mail?.stop();
  await t?.close();
});

async function call(method: "GET" | "POST", url: string, headers: Record<string, string>, payload?: Json) {
  const res = await t.app.inject({ method, url, headers, ...(payload ? { payload } : {}) });
  return { status: res.statusCode, text: res.body, body: (res.body ? res.json() : null) as Json };
}

/** The outbox rows of an address, with the token the sending job would open (null once gone). */
async function outboxFor(companyId: string, email: string) {
  const rows = await t.ctx.db
    .selectFrom("email_outbox")
    .select(["id", "template", "status", "payload"])
    .where("company_id", "=", companyId)
    .where("to_email", "=", email)
    .orderBy("created_at")
    .execute();
  return rows.map((r) => {
    let token: string | null = null;
    try {
      const m = readOutboxMessage(r.payload, t.ctx.config.secretKey);
      token = m.template === "invitation" ? m.data.token : null;
    } catch {
      token = null;
    }
    return { ...r, token };
  });
}

/** Every byte of the outbox table, as PostgreSQL would dump it. */
async function outboxDump(): Promise<string> {
  const rows = await sql<{ row: string }>`select e::text as row from email_outbox e`.execute(t.ctx.db);
  return rows.rows.map((r) => r.row).join("\n");
}

async function mailbox(auth: Record<string, string>, url = "/api/v1/demo/mailbox") {
  const res = await call("GET", url, auth);
  expect(res.status).toBe(200);
  return res.body.items as { to: string[]; subject: string; html: string; text: string }[];
}

describe("invitation links at rest", () => {
  it("are sealed in the outbox until sent, gone once sent, and never in the outbox view", async () => {
    const added = await call("POST", `/api/v1/companies/${acme}/directory`, acmeAdmin.auth, {
      email: "newbie@secrets.test",
      name: "Nia Newbie",
      permissions: { budget: "standard" },
    });
    expect(added.status).toBe(201);
    const [queued] = await outboxFor(acme, "newbie@secrets.test");
    expect(queued?.status).toBe("queued");
    const token = queued!.token!;
    expect(token).toMatch(/^[A-Za-z0-9_-]{20,}$/);
    // Queued: only sealed.
    expect(await outboxDump()).not.toContain(token);
    const view = await call("GET", `/api/v1/companies/${acme}/email-outbox`, acmeAdmin.auth);
    expect(view.status).toBe(200);
    expect(view.text).not.toContain(token);
    expect(view.text).not.toContain("sealedToken");

    // Sent: the email carries the working link, the outbox no longer holds the token in any form.
    const outcome = await deliverOutboxEmail(t.ctx, mail.mailer, { companyId: acme, emailId: queued!.id });
    expect(outcome.kind).toBe("sent");
    const [sent] = await outboxFor(acme, "newbie@secrets.test");
    expect(sent?.status).toBe("sent");
    expect(sent?.token).toBeNull();
    expect(JSON.stringify(sent?.payload)).not.toContain("sealedToken");
    expect(await outboxDump()).not.toContain(token);

    // The demo Mailbox: the operator reads the link; the company's Directory Admin sees the email without it.
    const all = await mailbox(operator, "/api/v1/operator/demo/mailbox");
    const delivered = all.find((m) => m.to.includes("newbie@secrets.test"));
    expect(delivered?.text).toContain(`/invitations/${token}`);
    const adminView = await mailbox(acmeAdmin.auth);
    const redacted = adminView.find((m) => m.to.includes("newbie@secrets.test"));
    expect(redacted).toBeDefined();
    expect(redacted!.text + redacted!.html).not.toContain(token);
    expect(redacted!.text).toContain(`/invitations/${HIDDEN_TOKEN}`);
    // Another company's admin does not see it at all.
    const zenithView = await mailbox(zenithAdmin.auth);
    expect(zenithView.some((m) => m.to.includes("newbie@secrets.test"))).toBe(false);

    // The link still works for its recipient.
    const accepted = await call(
      "POST",
      `/api/v1/invitations/${token}/accept`,
      {},
      { password: "a long new passphrase" },
    );
    expect(accepted.status).toBe(200);
  });
});

describe("adding an address across companies", () => {
  it("answers the adding company the same whether or not the address has an account, pending or set up", async () => {
    // An account Acme invited that has no password yet, one that is set up, and an address nobody has used.
    await call("POST", `/api/v1/companies/${acme}/directory`, acmeAdmin.auth, {
      email: "pending@secrets.test",
      name: "Pending Person (as Acme named them)",
      permissions: { budget: "standard" },
    });
    const veteran = await makeUser(t.ctx, acme, {}, { email: "veteran@secrets.test" });
    const answers: Json[] = [];
    for (const email of ["pending@secrets.test", "veteran@secrets.test", "brand-new@secrets.test"]) {
      const res = await call("POST", `/api/v1/companies/${zenith}/directory`, zenithAdmin.auth, {
        email,
        name: "Named by Zenith",
        permissions: { budget: "standard" },
      });
      expect(res.status, email).toBe(201);
      answers.push(res.body);
    }
    for (const a of answers) {
      expect(a).toMatchObject({
        status: "invited",
        invited: true,
        active: true,
        isAccountingApprover: false,
      });
      expect(Object.keys(a).sort()).toEqual(Object.keys(answers[2]!).sort());
    }
    // The audit log Zenith can read records one action, with what Zenith typed.
    const audit = await call(
      "GET",
      `/api/v1/companies/${zenith}/audit-events?entityType=user&limit=10`,
      zenithAdmin.auth,
    );
    const additions = audit.body.items.filter((e: Json) => String(e.action).startsWith("directory."));
    expect(additions.map((e: Json) => e.action)).toEqual([
      "directory.invited",
      "directory.invited",
      "directory.invited",
    ]);
    expect(additions.every((e: Json) => e.data.name === "Named by Zenith")).toBe(true);

    // Zenith's admin cannot read the link Zenith's invitation carries to the pending account, nor Acme's.
    const pendingTokens = [
      ...(await outboxFor(acme, "pending@secrets.test")),
      ...(await outboxFor(zenith, "pending@secrets.test")),
    ].map((r) => r.token!);
    expect(pendingTokens).toHaveLength(2);
    for (const row of await outboxFor(zenith, "pending@secrets.test")) {
      await deliverOutboxEmail(t.ctx, mail.mailer, { companyId: zenith, emailId: row.id });
    }
    const seen = JSON.stringify(await mailbox(zenithAdmin.auth));
    const outboxView = (await call("GET", `/api/v1/companies/${zenith}/email-outbox`, zenithAdmin.auth)).text;
    for (const token of pendingTokens) {
      expect(seen).not.toContain(token);
      expect(outboxView).not.toContain(token);
      expect(await outboxDump()).not.toContain(token);
    }

    // The set-up account joins Zenith by signing in; until then Zenith sees them as invited.
    const signIn = await call(
      "POST",
      "/api/v1/auth/token",
      {},
      { email: veteran.email, password: "correct horse battery" },
    );
    expect(signIn.status).toBe(200);
    const joined = await call("GET", `/api/v1/companies/${zenith}/directory/${veteran.id}`, zenithAdmin.auth);
    expect(joined.body.status).toBe("active");
  });
});
