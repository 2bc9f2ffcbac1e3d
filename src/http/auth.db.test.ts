import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, TEST_OPERATOR_TOKEN, type TestApp } from "../../test/support/app.js";
import { makeCompany, makeUser, TEST_PASSWORD } from "../../test/support/factories.js";

let t: TestApp;
let companyId: string;
let user: Awaited<ReturnType<typeof makeUser>>;

beforeAll(async () => {
  t = await createTestApp();
  companyId = await makeCompany(t.ctx, { name: "Acme" });
  user = await makeUser(t.ctx, companyId, { erpIntegrations: "standard", canPushToAccounting: true });
});
afterAll(async () => t.close());

describe("bearer tokens", () => {
  it("signs in with email and password and reads /me", async () => {
    const res = await t.app.inject({
      method: "POST",
      url: "/api/v1/auth/token",
      headers: { "content-type": "application/json" },
      payload: { email: user.email.toUpperCase(), password: TEST_PASSWORD },
    });
    expect(res.statusCode).toBe(200);
    const { token, user: u } = res.json();
    expect(u.email).toBe(user.email);
    const me = await t.app.inject({ url: "/api/v1/me", headers: { authorization: `Bearer ${token}` } });
    expect(me.statusCode).toBe(200);
    expect(me.json().companies).toEqual([
      {
        id: companyId,
        name: "Acme",
        // Every date the UI shows is in this zone.
        timeZone: "America/New_York",
        permissions: {
          erpIntegrations: "standard",
          directory: "none",
          budget: "none",
          lockBudget: false,
          sendAndRetrieveBudget: false,
          canPushToAccounting: true,
          subscribeErpDigest: true,
        },
      },
    ]);
  });

  it("stores tokens hashed, never in the clear", async () => {
    const rows = await t.ctx.db.selectFrom("auth_tokens").select("token_hash").execute();
    expect(rows.some((r) => r.token_hash === user.token)).toBe(false);
    expect(rows.every((r) => /^[0-9a-f]{64}$/.test(r.token_hash))).toBe(true);
  });

  it("answers a wrong password with 401 invalid_credentials", async () => {
    const res = await t.app.inject({
      method: "POST",
      url: "/api/v1/auth/token",
      payload: { email: user.email, password: "nope" },
    });
    expect(res.statusCode).toBe(401);
    expect(res.json()).toEqual({ error: { code: "invalid_credentials", message: expect.any(String) } });
  });

  it("revokes the token in use", async () => {
    const other = await makeUser(t.ctx, companyId);
    const del = await t.app.inject({ method: "DELETE", url: "/api/v1/auth/token", headers: other.auth });
    expect(del.statusCode).toBe(204);
    const me = await t.app.inject({ url: "/api/v1/me", headers: other.auth });
    expect(me.statusCode).toBe(401);
    expect(me.json().error.code).toBe("invalid_token");
  });

  it("rejects tampered and missing tokens, and the operator token outside operator routes", async () => {
    const tampered = `${user.token.slice(0, -2)}xx`;
    for (const authorization of [`Bearer ${tampered}`, `Bearer ${TEST_OPERATOR_TOKEN}`, "Basic abc"]) {
      const res = await t.app.inject({ url: "/api/v1/me", headers: { authorization } });
      expect(res.statusCode).toBe(401);
    }
    const none = await t.app.inject({ url: "/api/v1/me" });
    expect(none.statusCode).toBe(401);
    expect(none.json().error.code).toBe("unauthenticated");
  });

  it("rate limits failed sign-ins per account only after at least 10 failures answered 401", async () => {
    const victim = await makeUser(t.ctx, companyId);
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++) {
      const res = await t.app.inject({
        method: "POST",
        url: "/api/v1/auth/token",
        payload: { email: victim.email, password: `wrong-${i}` },
      });
      statuses.push(res.statusCode);
    }
    expect(statuses.slice(0, 10)).toEqual(Array(10).fill(401));
    expect(statuses.slice(10)).toEqual([429, 429]);
    // even the right password waits out the window
    const right = await t.app.inject({
      method: "POST",
      url: "/api/v1/auth/token",
      payload: { email: victim.email, password: TEST_PASSWORD },
    });
    expect(right.statusCode).toBe(429);
    expect(right.headers["retry-after"]).toBe("60");
  });
});

describe("cookie sessions", () => {
  async function signInSession(cookie?: string) {
    const res = await t.app.inject({
      method: "POST",
      url: "/api/v1/auth/session",
      headers: cookie ? { cookie } : {},
      payload: { email: user.email, password: TEST_PASSWORD },
    });
    expect(res.statusCode).toBe(200);
    const set = res.cookies.find((c) => c.name === "cb_session")!;
    expect(set.httpOnly).toBe(true);
    expect(set.sameSite).toBe("Lax");
    return { cookie: `cb_session=${set.value}`, csrf: res.json().csrfToken as string };
  }

  it("needs the CSRF header for mutations, not for reads", async () => {
    const s = await signInSession();
    expect((await t.app.inject({ url: "/api/v1/me", headers: { cookie: s.cookie } })).statusCode).toBe(200);
    const noCsrf = await t.app.inject({
      method: "POST",
      url: "/api/v1/me/password",
      headers: { cookie: s.cookie },
      payload: { currentPassword: "x", newPassword: "y" },
    });
    expect(noCsrf.statusCode).toBe(403);
    expect(noCsrf.json().error.code).toBe("csrf_failed");
    const withCsrf = await t.app.inject({
      method: "DELETE",
      url: "/api/v1/auth/session",
      headers: { cookie: s.cookie, "x-csrf-token": s.csrf },
    });
    expect(withCsrf.statusCode).toBe(204);
    expect((await t.app.inject({ url: "/api/v1/me", headers: { cookie: s.cookie } })).statusCode).toBe(401);
  });

  it("issues a new session on every sign-in and ends the one presented (no fixation)", async () => {
    const first = await signInSession();
    const second = await signInSession(first.cookie);
    expect(second.cookie).not.toBe(first.cookie);
    expect((await t.app.inject({ url: "/api/v1/me", headers: { cookie: first.cookie } })).statusCode).toBe(
      401,
    );
    expect((await t.app.inject({ url: "/api/v1/me", headers: { cookie: second.cookie } })).statusCode).toBe(
      200,
    );
  });
});

describe("password change", () => {
  it("refuses a weak password and keeps the old one", async () => {
    const u = await makeUser(t.ctx, companyId);
    const res = await t.app.inject({
      method: "POST",
      url: "/api/v1/me/password",
      headers: u.auth,
      payload: { currentPassword: TEST_PASSWORD, newPassword: "password1" },
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toMatchObject({ code: "weak_password", field: "newPassword" });
  });

  it("changes it, and other tokens of the user stop working", async () => {
    const u = await makeUser(t.ctx, companyId);
    const other = await t.app.inject({
      method: "POST",
      url: "/api/v1/auth/token",
      payload: { email: u.email, password: TEST_PASSWORD },
    });
    const otherToken = other.json().token;
    const res = await t.app.inject({
      method: "POST",
      url: "/api/v1/me/password",
      headers: u.auth,
      payload: { currentPassword: TEST_PASSWORD, newPassword: "a much better passphrase" },
    });
    expect(res.statusCode).toBe(200);
    expect((await t.app.inject({ url: "/api/v1/me", headers: u.auth })).statusCode).toBe(200);
    expect(
      (await t.app.inject({ url: "/api/v1/me", headers: { authorization: `Bearer ${otherToken}` } }))
        .statusCode,
    ).toBe(401);
  });
});

describe("bad input", () => {
  it("answers malformed JSON, wrong types, unknown fields and oversized bodies with 400/413 and the error shape", async () => {
    const malformed = await t.app.inject({
      method: "POST",
      url: "/api/v1/auth/token",
      headers: { "content-type": "application/json" },
      payload: '{"email": ',
    });
    expect(malformed.statusCode).toBe(400);
    expect(malformed.json().error.code).toBe("malformed_json");

    const wrongType = await t.app.inject({
      method: "POST",
      url: "/api/v1/auth/token",
      payload: { email: 5, password: "x" },
    });
    expect(wrongType.statusCode).toBe(400);
    expect(wrongType.json().error).toMatchObject({ code: "invalid_input", field: "email" });

    const unknown = await t.app.inject({
      method: "POST",
      url: "/api/v1/auth/token",
      payload: { email: "a@b.c", password: "x", admin: true },
    });
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json().error).toMatchObject({ code: "unknown_field", field: "admin" });

    const huge = await t.app.inject({
      method: "POST",
      url: "/api/v1/auth/token",
      headers: { "content-type": "application/json" },
      payload: JSON.stringify({ email: "a@b.c", password: "x".repeat(2 * 1024 * 1024) }),
    });
    expect(huge.statusCode).toBe(413);
    expect(huge.json().error.code).toBe("body_too_large");
  });

  it("answers unknown routes with 404 in the error shape", async () => {
    const res = await t.app.inject({ url: "/api/v1/nothing-here", headers: user.auth });
    expect(res.statusCode).toBe(404);
    expect(res.json().error.code).toBe("not_found");
  });

  it("sends security headers", async () => {
    const res = await t.app.inject({ url: "/api/v1/public-config" });
    expect(res.headers["x-content-type-options"]).toBe("nosniff");
    expect(res.headers["content-security-policy"]).toContain("default-src 'self'");
  });
});

describe("service endpoints", () => {
  it("serves health, metrics and the OpenAPI document", async () => {
    expect((await t.app.inject({ url: "/healthz" })).json()).toEqual({ ok: true });
    const metrics = await t.app.inject({ url: "/metrics" });
    expect(metrics.body).toContain("costbridge_http_requests_total");
    const doc = (await t.app.inject({ url: "/api/v1/openapi.json" })).json();
    expect(doc.openapi).toMatch(/^3\./);
    expect(Object.keys(doc.paths)).toContain("/api/v1/auth/token");
    expect((await t.app.inject({ url: "/docs" })).statusCode).toBeLessThan(400);
  });

  it("reports not ready while the worker is down", async () => {
    const original = t.ctx.readiness.workerRunning;
    t.ctx.readiness.workerRunning = () => false;
    try {
      expect((await t.app.inject({ url: "/healthz" })).statusCode).toBe(503);
    } finally {
      t.ctx.readiness.workerRunning = original;
    }
  });
});
