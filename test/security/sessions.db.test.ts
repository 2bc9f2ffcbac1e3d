/**
 * Sessions, CSRF, sign-in limits, the operator token and secrets, across every route of the live route table.
 * (The basics of each — one CSRF case, one fixation case, sequential per-account limiting — are in
 * src/http/auth.db.test.ts; these extend them.)
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { leaks, startProduct } from "../reliability/harness.js";
import { TEST_OPERATOR_TOKEN } from "../support/app.js";
import { changedTables, fingerprint } from "./fingerprint.js";
import { createWorld, DEMO_PASSWORD, fillUrl, type World } from "./world.js";

let w: World;
let params: Record<string, string>;

beforeAll(async () => {
  w = await createWorld();
  const fx = await w.budget("acme", "awaiting");
  params = new Proxy(
    {
      companyId: fx.companyId,
      projectId: fx.projectId,
      lineId: fx.lineId,
      submissionId: fx.submissionId!,
    } as Record<string, string>,
    // Parameters a new route may bring get a harmless value: CSRF is checked before anything is looked up.
    { get: (target, key: string) => target[key] ?? "unknown-id" },
  );
});
afterAll(async () => w.close());

const MUTATING = new Set(["POST", "PUT", "PATCH", "DELETE"]);
const isSignIn = (url: string) => /^\/api\/v1\/auth\/(session|token)$/.test(url);

async function session(email = "admin@acme.test", cookie?: string, remoteAddress?: string) {
  const res = await w.t.app.inject({
    method: "POST",
    url: "/api/v1/auth/session",
    headers: cookie ? { cookie } : {},
    payload: { email, password: DEMO_PASSWORD },
    ...(remoteAddress ? { remoteAddress } : {}),
  });
  expect(res.statusCode).toBe(200);
  const set = res.cookies.find((c) => c.name === "cb_session")!;
  return { cookie: `cb_session=${set.value}`, value: set.value, csrf: res.json().csrfToken as string, set };
}

describe("CSRF on cookie sessions", () => {
  it("refuses every mutating /api/v1 route without the right CSRF token, and writes nothing", async () => {
    const s = await session();
    const routes = w.routes.filter(
      (r) =>
        MUTATING.has(r.method) &&
        r.url.startsWith("/api/v1/") &&
        !r.url.startsWith("/api/v1/operator/") &&
        !isSignIn(r.url),
    );
    expect(routes.length).toBeGreaterThan(20);
    const problems: string[] = [];
    const before = await fingerprint(w.t.ctx.pool);
    for (const r of routes) {
      for (const csrf of [undefined, "", `${s.csrf}x`, s.csrf.toUpperCase()]) {
        const res = await w.t.app.inject({
          method: r.method as "POST",
          url: fillUrl(r.url, params),
          headers: { cookie: s.cookie, ...(csrf !== undefined ? { "x-csrf-token": csrf } : {}) },
          payload: {},
        });
        if (res.statusCode !== 403 || res.json().error?.code !== "csrf_failed") {
          problems.push(
            `${r.key} with csrf ${JSON.stringify(csrf)} → ${res.statusCode} ${res.body.slice(0, 120)}`,
          );
        }
      }
    }
    expect(problems).toEqual([]);
    expect(changedTables(before, await fingerprint(w.t.ctx.pool))).toEqual([]);
    // The session itself still works for reads.
    expect((await w.t.app.inject({ url: "/api/v1/me", headers: { cookie: s.cookie } })).statusCode).toBe(200);
  });

  it("does not take one session's CSRF token for another's", async () => {
    const a = await session("admin@acme.test");
    const b = await session("pm@acme.test");
    const res = await w.t.app.inject({
      method: "POST",
      url: fillUrl("/api/v1/companies/:companyId/projects", params),
      headers: { cookie: a.cookie, "x-csrf-token": b.csrf },
      payload: { number: "CSRF-1", name: "Cross-session" },
    });
    expect(res.statusCode).toBe(403);
    expect(res.json().error.code).toBe("csrf_failed");
  });
});

describe("sessions", () => {
  it("never turns a planted cookie into a signed-in session", async () => {
    const planted = "cb_session=attacker-chose-this-value-0123456789";
    const s = await session("admin@acme.test", planted);
    expect(s.value).not.toBe("attacker-chose-this-value-0123456789");
    expect((await w.t.app.inject({ url: "/api/v1/me", headers: { cookie: planted } })).statusCode).toBe(401);
    expect((await w.t.app.inject({ url: "/api/v1/me", headers: { cookie: s.cookie } })).statusCode).toBe(200);
  });

  it("sets the session cookie HttpOnly, SameSite=Lax, for the whole site, and never in a body", async () => {
    const res = await w.t.app.inject({
      method: "POST",
      url: "/api/v1/auth/session",
      payload: { email: "pm@acme.test", password: DEMO_PASSWORD },
    });
    const set = res.cookies.find((c) => c.name === "cb_session")!;
    expect(set).toMatchObject({ httpOnly: true, sameSite: "Lax", path: "/" });
    expect(res.body).not.toContain(set.value);
  });

  it("keeps bearer tokens and session cookies apart", async () => {
    const s = await session("pm@acme.test");
    const asBearer = await w.t.app.inject({
      url: "/api/v1/me",
      headers: { authorization: `Bearer ${s.value}` },
    });
    expect(asBearer.statusCode).toBe(401);
    const token = w.users["pm@acme.test"].token;
    const asCookie = await w.t.app.inject({ url: "/api/v1/me", headers: { cookie: `cb_session=${token}` } });
    expect(asCookie.statusCode).toBe(401);
  });

  it("ends a session for good on sign-out and refuses an expired or deactivated user's token", async () => {
    const s = await session("viewer@acme.test");
    await w.t.app.inject({
      method: "DELETE",
      url: "/api/v1/auth/session",
      headers: { cookie: s.cookie, "x-csrf-token": s.csrf },
    });
    expect((await w.t.app.inject({ url: "/api/v1/me", headers: { cookie: s.cookie } })).statusCode).toBe(401);

    const spare = await w.spareToken("viewer@acme.test");
    await w.t.ctx.db
      .updateTable("auth_tokens")
      .set({ expires_at: new Date(Date.now() - 1000) })
      .where("user_id", "=", w.users["viewer@acme.test"].id)
      .where("revoked_at", "is", null)
      .execute();
    const expired = await w.t.app.inject({
      url: "/api/v1/me",
      headers: { authorization: `Bearer ${spare}` },
    });
    expect(expired.statusCode).toBe(401);
    expect(expired.json().error.code).toBe("invalid_token");

    const other = await w.spareToken("pm@acme.test");
    await w.t.ctx.db
      .updateTable("users")
      .set({ active: false })
      .where("email", "=", "pm@acme.test")
      .execute();
    try {
      const res = await w.t.app.inject({ url: "/api/v1/me", headers: { authorization: `Bearer ${other}` } });
      expect(res.statusCode).toBe(401);
    } finally {
      await w.t.ctx.db
        .updateTable("users")
        .set({ active: true })
        .where("email", "=", "pm@acme.test")
        .execute();
    }
  });
});

describe("membership read together with the token", () => {
  it("follows the directory at once: removed from the company → 404, back → 200, for every company route", async () => {
    const companyId = params.companyId!;
    const viewer = w.users["viewer@acme.test"];
    const auth = { authorization: `Bearer ${await w.spareToken("viewer@acme.test")}` };
    const list = () =>
      w.t.app.inject({
        url: `/api/v1/companies/${companyId}/erp/budget-submissions`,
        headers: auth,
      });
    const projects = () =>
      w.t.app.inject({
        url: `/api/v1/companies/${companyId}/projects`,
        headers: auth,
      });
    expect((await list()).statusCode).toBe(200);
    const setActive = (active: boolean) =>
      w.t.ctx.db
        .updateTable("directory_entries")
        .set({ active })
        .where("company_id", "=", companyId)
        .where("user_id", "=", viewer.id)
        .execute();
    await setActive(false);
    try {
      for (const res of [await list(), await projects()]) {
        expect(res.statusCode).toBe(404);
        expect(res.json().error.code).toBe("not_found");
      }
    } finally {
      await setActive(true);
    }
    expect((await list()).statusCode).toBe(200);
    // Another company's path never borrows this one's membership.
    const foreign = await w.t.app.inject({
      url: `/api/v1/companies/${w.companies.zenith}/erp/budget-submissions`,
      headers: auth,
    });
    expect(foreign.statusCode).toBe(404);
  });

  it("refuses a company path value PostgreSQL cannot store with a 400 naming it, and a bad token still first", async () => {
    const auth = { authorization: `Bearer ${await w.spareToken("viewer@acme.test")}` };
    const nul = await w.t.app.inject({
      url: "/api/v1/companies/ac%00me/erp/budget-submissions",
      headers: auth,
    });
    expect(nul.statusCode).toBe(400);
    expect(nul.json().error).toMatchObject({ code: "invalid_input", field: "params.companyId" });
    const badToken = await w.t.app.inject({
      url: "/api/v1/companies/ac%00me/erp/budget-submissions",
      headers: { authorization: "Bearer nope" },
    });
    expect(badToken.statusCode).toBe(401);
  });
});

describe("sign-in rate limiting", () => {
  it("a burst of concurrent guesses at one account gets no more than 10 answers that checked the password", async () => {
    const res = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        w.t.app.inject({
          method: "POST",
          url: "/api/v1/auth/token",
          payload: { email: "approver@zenith.test", password: `guess-${i}` },
          remoteAddress: "10.0.0.7",
        }),
      ),
    );
    const statuses = res.map((r) => r.statusCode);
    expect(statuses.every((s) => s === 401 || s === 429)).toBe(true);
    expect(statuses.filter((s) => s === 401).length).toBeLessThanOrEqual(10);
  });

  it("limits one client address spraying many accounts, without locking out other addresses", async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 52; i++) {
      const r = await w.t.app.inject({
        method: "POST",
        url: "/api/v1/auth/token",
        payload: { email: `nobody-${i}@spray.test`, password: "password" },
        remoteAddress: "10.0.0.9",
      });
      statuses.push(r.statusCode);
    }
    expect(statuses.slice(0, 50).every((s) => s === 401)).toBe(true);
    expect(statuses.slice(50)).toEqual([429, 429]);
    const fromThere = await w.t.app.inject({
      method: "POST",
      url: "/api/v1/auth/token",
      payload: { email: "admin@zenith.test", password: DEMO_PASSWORD },
      remoteAddress: "10.0.0.9",
    });
    expect(fromThere.statusCode).toBe(429);
    const elsewhere = await w.t.app.inject({
      method: "POST",
      url: "/api/v1/auth/token",
      payload: { email: "admin@zenith.test", password: DEMO_PASSWORD },
      remoteAddress: "10.0.0.10",
    });
    expect(elsewhere.statusCode).toBe(200);
  });
});

describe("operator routes", () => {
  it("accept only the operator token; user tokens and sessions get 401 on every one of them", async () => {
    const routes = w.routes.filter((r) => r.url.startsWith("/api/v1/operator/"));
    expect(routes.length).toBeGreaterThan(0);
    const s = await session("admin@acme.test");
    const problems: string[] = [];
    const before = await fingerprint(w.t.ctx.pool);
    const wrong: Record<string, string>[] = [
      {},
      w.users["admin@acme.test"].auth,
      { cookie: s.cookie, "x-csrf-token": s.csrf },
      { authorization: `Bearer ${TEST_OPERATOR_TOKEN}x` },
      { authorization: `Bearer ${TEST_OPERATOR_TOKEN.slice(0, -1)}` },
      { authorization: `Basic ${Buffer.from(`operator:${TEST_OPERATOR_TOKEN}`).toString("base64")}` },
      { cookie: `cb_session=${TEST_OPERATOR_TOKEN}` },
    ];
    for (const r of routes) {
      for (const headers of wrong) {
        const res = await w.t.app.inject({
          method: r.method as "POST",
          url: fillUrl(r.url, params),
          headers,
          // A body the routes accept, so what answers is the token check and not validation.
          ...(MUTATING.has(r.method) ? { payload: operatorBody(r.url, r.method) } : {}),
        });
        if (res.statusCode !== 401)
          problems.push(`${r.key} with ${Object.keys(headers).join("+") || "nothing"} → ${res.statusCode}`);
        if (res.body.includes(TEST_OPERATOR_TOKEN)) problems.push(`${r.key} echoes the operator token`);
      }
    }
    expect(problems).toEqual([]);
    expect(changedTables(before, await fingerprint(w.t.ctx.pool))).toEqual([]);
  });
});

/** Minimal valid bodies for the operator routes (unknown ones get an empty object). */
function operatorBody(url: string, method: string): Record<string, unknown> {
  if (url === "/api/v1/operator/companies" && method === "POST") {
    return { name: "Op Co", timeZone: "America/Denver", adminEmail: "op@example.test", adminName: "Op" };
  }
  if (url.endsWith("/can-push-to-accounting")) return { granted: true };
  return {};
}

describe("secrets in logs, responses and errors", () => {
  it("never logs or echoes passwords, bearer or session tokens, the operator token or password hashes", async () => {
    const p = await startProduct();
    try {
      const { seedDemoBase } = await import("../../src/app/demo-seed.js");
      await seedDemoBase(p.ctx);
      const issued: string[] = [DEMO_PASSWORD.repeat(1), p.ctx.config.operatorToken];
      const passwords = ["demo-but-wrong-Passw0rd", "a new long passphrase for me"];
      // Sign-ins that work and that fail; a session; a password change that fails and one that works.
      const good = await p.call("POST", "/api/v1/auth/token", {
        body: { email: "admin@acme.test", password: DEMO_PASSWORD },
      });
      issued.push(String(good.json.token));
      await p.call("POST", "/api/v1/auth/token", {
        body: { email: "admin@acme.test", password: passwords[0] },
      });
      const web = await p.app.inject({
        method: "POST",
        url: "/api/v1/auth/session",
        payload: { email: "pm@acme.test", password: DEMO_PASSWORD },
      });
      p.responses.push(web.body);
      const cookie = web.cookies.find((c) => c.name === "cb_session")!.value;
      issued.push(cookie);
      const auth = { authorization: `Bearer ${good.json.token}` };
      await p.call("POST", "/api/v1/me/password", {
        auth,
        body: { currentPassword: passwords[0], newPassword: passwords[1] },
      });
      await p.call("POST", "/api/v1/me/password", {
        auth,
        body: { currentPassword: DEMO_PASSWORD, newPassword: passwords[1] },
      });
      // Wrong operator tokens and broken bearer headers are refused without repeating them.
      await p.call("POST", "/api/v1/operator/daily-summary", {
        auth: { authorization: `Bearer ${p.ctx.config.operatorToken}zz` },
        body: {},
      });
      await p.call("GET", "/api/v1/me", { auth: { authorization: `Bearer ${good.json.token}x` } });
      // An unexpected failure is logged in full: the log line must still carry no secret of the request.
      p.ctx.log.error(
        { req: { headers: { authorization: auth.authorization, cookie: `cb_session=${cookie}` } } },
        "probe",
      );

      const hashes = (await p.ctx.db.selectFrom("users").select("password_hash").execute()).flatMap((r) =>
        r.password_hash ? [r.password_hash] : [],
      );
      const secrets = [
        ...issued,
        ...passwords,
        ...hashes,
        `${p.ctx.config.operatorToken}zz`,
        `${good.json.token}x`,
      ];
      expect(p.logs.some((l) => l.includes("probe"))).toBe(true);
      expect(leaks(p.logs, secrets)).toEqual([]);
      const bodies = p.responses.filter((b) => !b.includes('"token"'));
      expect(
        leaks(bodies, [
          ...passwords,
          ...hashes,
          `${p.ctx.config.operatorToken}zz`,
          `${good.json.token}x`,
          cookie,
        ]),
      ).toEqual([]);
    } finally {
      await p.close();
    }
  });
});

describe("the Web Connector password", () => {
  const envelope = (method: string, inner: string) =>
    '<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/">' +
    `<soap:Body><${method} xmlns="http://developer.intuit.com/">${inner}</${method}></soap:Body></soap:Envelope>`;

  it("is shown once, by the route that sets it, and never in logs, other responses or errors", async () => {
    const p = await startProduct();
    try {
      const { seedDemoBase } = await import("../../src/app/demo-seed.js");
      const { companies } = await seedDemoBase(p.ctx);
      const zenith = companies["Zenith Construction"]!;
      const signIn = await p.call("POST", "/api/v1/auth/token", {
        body: { email: "admin@zenith.test", password: DEMO_PASSWORD },
      });
      const auth = { authorization: `Bearer ${signIn.json.token}` };
      const erp = `/api/v1/companies/${zenith}/erp`;
      const soap = async (method: string, inner: string) => {
        const res = await p.app.inject({
          method: "POST",
          url: "/qbwc",
          headers: {
            "content-type": "text/xml; charset=utf-8",
            soapaction: `"http://developer.intuit.com/${method}"`,
          },
          payload: envelope(method, inner),
        });
        p.responses.push(res.body);
        return res;
      };
      const authenticate = (user: string, password: string) =>
        soap("authenticate", `<strUserName>${user}</strUserName><strPassword>${password}</strPassword>`);
      const hashOf = async () =>
        (
          await p.ctx.db
            .selectFrom("erp_connections")
            .select("qbwc_password_hash")
            .where("company_id", "=", zenith)
            .executeTakeFirstOrThrow()
        ).qbwc_password_hash!;

      // Setting it: the only response allowed to carry it.
      const first = await p.call("POST", `${erp}/connection/quickbooks-desktop/password`, { auth });
      expect(first.status).toBe(200);
      const username = String(first.json.username);
      const password = String(first.json.password);
      expect(password.length).toBeGreaterThanOrEqual(16);
      const firstHash = await hashOf();
      expect(firstHash).not.toContain(password);

      // The Web Connector signs in with it, and with guesses near it.
      const good = await authenticate(username, password);
      expect(good.statusCode).toBe(200);
      expect(good.body).not.toContain("nvu");
      for (const guess of [`${password}x`, password.slice(0, -1), password.toUpperCase()]) {
        const bad = await authenticate(username, guess);
        expect(bad.body).toContain("<string>nvu</string>");
      }
      // Envelopes that are not a call (not SOAP, an operation the Web Connector does not have, a DOCTYPE) are
      // refused with a SOAP fault that does not repeat what was sent.
      for (const payload of [
        `<credentials user="${username}">${password}</credentials>`,
        envelope("signIn", `<strUserName>${username}</strUserName><strPassword>${password}</strPassword>`),
        `<!DOCTYPE x [<!ENTITY p "${password}">]>${envelope("authenticate", "<strPassword>&p;</strPassword>")}`,
      ]) {
        const broken = await p.app.inject({
          method: "POST",
          url: "/qbwc",
          headers: { "content-type": "text/xml; charset=utf-8" },
          payload,
        });
        p.responses.push(broken.body);
        expect(broken.statusCode).toBe(500);
        expect(broken.body).toContain("soap:Client");
      }

      // Everything else an admin can look at about the connection.
      for (const url of [
        `${erp}/connection`,
        `${erp}/connection/quickbooks-desktop/qwc`,
        `/api/v1/companies/${zenith}/audit-events`,
      ]) {
        expect((await p.call("GET", url, { auth })).status).toBe(200);
      }

      // A new password replaces the old one, which stops working and is not shown again.
      const second = await p.call("POST", `${erp}/connection/quickbooks-desktop/password`, { auth });
      expect(second.status).toBe(200);
      const newPassword = String(second.json.password);
      expect(newPassword).not.toBe(password);
      const secondHash = await hashOf();
      expect((await authenticate(username, password)).body).toContain("<string>nvu</string>");
      expect(leaks([second.text], [password, firstHash, secondHash])).toEqual([]);
      expect(leaks([first.text], [firstHash])).toEqual([]);

      // A failure while the password is being checked (here: a stored hash that cannot be used) is logged in
      // full for the operator, without the password that was being checked.
      await p.ctx.db
        .updateTable("erp_connections")
        .set({ qbwc_password_hash: secondHash.replace(/^scrypt\$\d+\$/, "scrypt$3$") })
        .where("company_id", "=", zenith)
        .execute();
      const failed = await authenticate(username, newPassword);
      expect(failed.statusCode).toBe(500);
      expect(failed.body).toContain("soap:Server");
      expect(p.logs.some((l) => l.includes("Web Connector call failed"))).toBe(true);

      const secrets = [password, newPassword, firstHash, secondHash];
      expect(leaks(p.logs, secrets)).toEqual([]);
      const others = p.responses.filter((b) => b !== first.text && b !== second.text);
      expect(others.length).toBe(p.responses.length - 2);
      expect(leaks(others, secrets)).toEqual([]);
    } finally {
      await p.close();
    }
  });
});
