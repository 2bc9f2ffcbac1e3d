/**
 * Throttling that a stranger cannot turn against the victim: the Web Connector is slowed per source address (its
 * password is long and random; its user name is not a secret), people per account and address, with a device
 * cookie that keeps the owner's browser signing in while strangers are refused. Unknown and known emails both run
 * the password hash.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { passwordChecksRun } from "../../src/lib/passwords.js";
import { createTestApp, type TestApp } from "../support/app.js";
import { makeCompany, makeUser, TEST_PASSWORD } from "../support/factories.js";
import { setUpQbdCompany } from "../support/qbd.js";

let t: TestApp;
let offsetMs = 0;

beforeAll(async () => {
  t = await createTestApp({ now: () => new Date(Date.now() + offsetMs) });
});
afterAll(async () => {
  await t?.close();
});

function soapAuthenticate(
  username: string,
  password: string,
  remoteAddress: string,
  via: { app: TestApp; forwardedFor: string } | null = null,
) {
  const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
  return (via?.app ?? t).app.inject({
    method: "POST",
    url: "/qbwc",
    remoteAddress,
    headers: {
      "content-type": "text/xml; charset=utf-8",
      soapaction: '"http://developer.intuit.com/authenticate"',
      ...(via ? { "x-forwarded-for": via.forwardedFor } : {}),
    },
    payload:
      '<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/">' +
      `<soap:Body><authenticate xmlns="http://developer.intuit.com/"><strUserName>${esc(username)}</strUserName>` +
      `<strPassword>${esc(password)}</strPassword></authenticate></soap:Body></soap:Envelope>`,
  });
}

/** The status the Web Connector reads: "nvu" refused, "none" or "" signed in. */
async function qbwcStatus(
  username: string,
  password: string,
  remoteAddress: string,
  via: { app: TestApp; forwardedFor: string } | null = null,
): Promise<string> {
  const res = await soapAuthenticate(username, password, remoteAddress, via);
  expect(res.statusCode).toBe(200);
  const strings = [...res.body.matchAll(/<string>([^<]*)<\/string>/g)].map((m) => m[1]);
  return strings[1] ?? "";
}

describe("the Web Connector sign-in", () => {
  it("keeps signing in the real Web Connector while an attacker's address is refused", async () => {
    const c = await setUpQbdCompany(t);
    const attacker = "198.51.100.7";
    const webConnector = "192.0.2.10";
    for (let i = 0; i < 15; i++) {
      expect(await qbwcStatus(c.username, `guess-${i}`, attacker)).toBe("nvu");
    }
    // Even the right password is refused from the attacker's address for now…
    expect(await qbwcStatus(c.username, c.password, attacker)).toBe("nvu");
    // …while the Web Connector signs in from its own, again and again.
    for (let i = 0; i < 3; i++) {
      expect(await qbwcStatus(c.username, c.password, webConnector)).not.toBe("nvu");
    }
    // A failure of another address does not count against the Web Connector's.
    expect(await qbwcStatus(c.username, "wrong", "198.51.100.8")).toBe("nvu");
    expect(await qbwcStatus(c.username, c.password, webConnector)).not.toBe("nvu");
  });

  it("counts per client behind a trusted proxy (TRUST_PROXY), not per proxy", async () => {
    const proxied = await createTestApp({ env: { TRUST_PROXY: "10.9.0.1" } });
    try {
      const c = await setUpQbdCompany(proxied);
      const proxy = "10.9.0.1";
      for (let i = 0; i < 12; i++) {
        const status = await qbwcStatus(c.username, `guess-${i}`, proxy, {
          app: proxied,
          forwardedFor: "198.51.100.20",
        });
        expect(status).toBe("nvu");
      }
      expect(
        await qbwcStatus(c.username, c.password, proxy, { app: proxied, forwardedFor: "198.51.100.20" }),
      ).toBe("nvu");
      expect(
        await qbwcStatus(c.username, c.password, proxy, { app: proxied, forwardedFor: "192.0.2.30" }),
      ).not.toBe("nvu");
      // A client that is not the trusted proxy cannot pick its address by sending the header itself.
      for (let i = 0; i < 10; i++) {
        await qbwcStatus(c.username, `x-${i}`, "198.51.100.21", {
          app: proxied,
          forwardedFor: `192.0.2.${100 + i}`,
        });
      }
      expect(
        await qbwcStatus(c.username, c.password, "198.51.100.21", {
          app: proxied,
          forwardedFor: "192.0.2.200",
        }),
      ).toBe("nvu");
    } finally {
      await proxied.close();
    }
  });
});

async function signIn(
  email: string,
  password: string,
  opts: { from: string; device?: string; via?: "token" | "session" },
) {
  const res = await t.app.inject({
    method: "POST",
    url: opts.via === "session" ? "/api/v1/auth/session" : "/api/v1/auth/token",
    remoteAddress: opts.from,
    headers: opts.device ? { cookie: `cb_device=${opts.device}` } : {},
    payload: { email, password },
  });
  const device = res.cookies.find((c) => c.name === "cb_device");
  return { status: res.statusCode, code: res.statusCode === 200 ? null : res.json().error.code, device };
}

describe("people's sign-in", () => {
  it("lets the owner in from the browser that signed in before while strangers are throttled on the account", async () => {
    const companyId = await makeCompany(t.ctx);
    const owner = await makeUser(t.ctx, companyId, { budget: "standard" });
    const other = await makeUser(t.ctx, companyId, { budget: "standard" });

    // A successful sign-in earns a device cookie: httpOnly, and only for the sign-in routes.
    const first = await signIn(owner.email, TEST_PASSWORD, { from: "10.0.0.2", via: "session" });
    expect(first.status).toBe(200);
    expect(first.device).toMatchObject({ httpOnly: true, path: "/api/v1/auth" });
    const device = first.device!.value;
    const otherDevice = (await signIn(other.email, TEST_PASSWORD, { from: "10.0.0.3" })).device!.value;

    // Strangers guess at the owner's account, from several addresses, until it is throttled.
    for (let i = 0; i < 10; i++) {
      const r = await signIn(owner.email, `guess-${i}`, { from: `203.0.113.${i % 3}` });
      expect(r.code).toBe("invalid_credentials");
    }
    // Without the cookie, even the right password is refused now, from any address.
    expect((await signIn(owner.email, TEST_PASSWORD, { from: "203.0.113.1" })).code).toBe(
      "too_many_attempts",
    );
    expect((await signIn(owner.email, TEST_PASSWORD, { from: "10.0.0.2" })).code).toBe("too_many_attempts");
    // A forged or edited cookie, or one earned on another account, does not get past it.
    for (const cookie of [
      `${device}x`,
      device.replace(/^./, (ch) => (ch === "A" ? "B" : "A")),
      otherDevice,
    ]) {
      expect((await signIn(owner.email, TEST_PASSWORD, { from: "10.0.0.2", device: cookie })).code).toBe(
        "too_many_attempts",
      );
    }
    // The owner's browser, with its cookie, signs in (a typo first: that counts against this device only).
    expect((await signIn(owner.email, "typo", { from: "10.0.0.2", device })).code).toBe(
      "invalid_credentials",
    );
    const owners = await signIn(owner.email, TEST_PASSWORD, { from: "10.0.0.2", device });
    expect(owners.status).toBe(200);
    expect(owners.device).toBeDefined();

    // Strangers holding a cookie of their own get nothing for the owner's account either.
    expect((await signIn(owner.email, TEST_PASSWORD, { from: "203.0.113.9" })).code).toBe(
      "too_many_attempts",
    );

    // A minute later the account takes passwords again from anywhere.
    offsetMs = 61_000;
    try {
      expect((await signIn(owner.email, TEST_PASSWORD, { from: "203.0.113.9" })).status).toBe(200);
    } finally {
      offsetMs = 0;
    }
  });

  it("slows one address guessing at many accounts, and only that address", async () => {
    const companyId = await makeCompany(t.ctx);
    const victim = await makeUser(t.ctx, companyId, { budget: "standard" });
    const guesser = "203.0.113.77";
    for (let i = 0; i < 50; i++) {
      expect((await signIn(`nobody-${i}@example.test`, "guess", { from: guesser })).code).toBe(
        "invalid_credentials",
      );
    }
    expect((await signIn(victim.email, TEST_PASSWORD, { from: guesser })).code).toBe("too_many_attempts");
    expect((await signIn(victim.email, TEST_PASSWORD, { from: "10.0.0.9" })).status).toBe(200);
  });

  it("runs the password hash for unknown emails, accounts without a password and known ones alike", async () => {
    const companyId = await makeCompany(t.ctx);
    const known = await makeUser(t.ctx, companyId);
    const pending = await makeUser(t.ctx, companyId);
    await t.ctx.db.updateTable("users").set({ password_hash: null }).where("id", "=", pending.id).execute();
    const cases: [string, string][] = [
      ["nobody-at-all@example.test", "whatever it is"],
      [pending.email, "whatever it is"],
      [known.email, "not the password"],
      [known.email, TEST_PASSWORD],
    ];
    for (const [email, password] of cases) {
      const before = passwordChecksRun();
      await signIn(email, password, { from: "10.0.1.1" });
      expect(passwordChecksRun() - before, email).toBe(1);
    }
    // Both answers for a wrong guess are the same, whether or not the account exists.
    const unknown = await signIn("nobody-at-all@example.test", "x", { from: "10.0.1.2" });
    const wrong = await signIn(known.email, "x", { from: "10.0.1.2" });
    expect([unknown.status, unknown.code]).toEqual([401, "invalid_credentials"]);
    expect([wrong.status, wrong.code]).toEqual([401, "invalid_credentials"]);
  });
});
