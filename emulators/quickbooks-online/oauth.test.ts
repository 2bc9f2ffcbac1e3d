import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startQboEmulator } from "./index.js";
import { authorize, type Harness, json, REDIRECT_URI, startHarness, tokenRequest } from "./test-support.js";

let h: Harness;
beforeEach(async () => {
  h = await startHarness();
});
afterEach(async () => {
  await h.close();
});

async function connect(): Promise<{ access_token: string; refresh_token: string }> {
  const callback = await authorize(h.url);
  const response = await tokenRequest(h.url, {
    grant_type: "authorization_code",
    code: callback.searchParams.get("code") as string,
    redirect_uri: REDIRECT_URI,
  });
  expect(response.status).toBe(200);
  return json(response);
}

function companyInfo(token: string, realmId = h.realmId) {
  return fetch(`${h.url}/v3/company/${realmId}/companyinfo/${realmId}`, {
    headers: { authorization: `Bearer ${token}`, accept: "application/json" },
  });
}

describe("authorization endpoint", () => {
  it("consents automatically and redirects with code, state and realmId", async () => {
    const callback = await authorize(h.url);
    expect(`${callback.origin}${callback.pathname}`).toBe(REDIRECT_URI);
    expect(callback.searchParams.get("state")).toBe("csrf-123");
    expect(callback.searchParams.get("realmId")).toBe(h.realmId);
    expect(callback.searchParams.get("code")).toMatch(/^AB11\w{20,}$/);
  });

  it("redirects with access_denied when consent is switched to deny", async () => {
    expect((await h.control("PUT", "/consent", { mode: "deny" })).status).toBe(200);
    const callback = await authorize(h.url);
    expect(callback.searchParams.get("error")).toBe("access_denied");
    expect(callback.searchParams.get("state")).toBe("csrf-123");
    expect(callback.searchParams.has("code")).toBe(false);
  });

  it("consents for another realm when told to", async () => {
    const created = await json(await h.control("POST", "/realms"));
    await h.control("PUT", "/consent", { realmId: created.realmId });
    const callback = await authorize(h.url);
    expect(callback.searchParams.get("realmId")).toBe(created.realmId);
  });

  it("refuses an unknown client_id or a missing redirect_uri with an error page, not a redirect", async () => {
    const badClient = await fetch(
      `${h.url}/connect/oauth2?client_id=nope&response_type=code&scope=com.intuit.quickbooks.accounting&redirect_uri=${encodeURIComponent(REDIRECT_URI)}`,
      { redirect: "manual" },
    );
    expect(badClient.status).toBe(400);
    expect(badClient.headers.get("location")).toBeNull();
    const noRedirect = await fetch(
      `${h.url}/connect/oauth2?client_id=demo-client-id&response_type=code&scope=com.intuit.quickbooks.accounting`,
      { redirect: "manual" },
    );
    expect(noRedirect.status).toBe(400);
  });

  it("redirects with invalid_scope or unsupported_response_type for a bad request", async () => {
    expect((await authorize(h.url, { scope: "openid" })).searchParams.get("error")).toBe("invalid_scope");
    expect((await authorize(h.url, { response_type: "token" })).searchParams.get("error")).toBe(
      "unsupported_response_type",
    );
  });

  it("enforces the redirect allow-list when one is configured", async () => {
    const strict = await startQboEmulator({ port: 0, allowedRedirectUris: ["http://127.0.0.1:9/ok"] });
    try {
      const base = `${strict.url}/connect/oauth2?client_id=demo-client-id&response_type=code&scope=com.intuit.quickbooks.accounting`;
      const refused = await fetch(`${base}&redirect_uri=${encodeURIComponent(REDIRECT_URI)}`, {
        redirect: "manual",
      });
      expect(refused.status).toBe(400);
      const allowed = await fetch(`${base}&redirect_uri=${encodeURIComponent("http://127.0.0.1:9/ok")}`, {
        redirect: "manual",
      });
      expect(allowed.status).toBe(302);
    } finally {
      await strict.close();
    }
  });
});

describe("token endpoint", () => {
  it("exchanges a code for tokens in Intuit's response shape", async () => {
    const tokens = await connect();
    expect(tokens).toEqual({
      access_token: expect.any(String),
      refresh_token: expect.stringMatching(/^AB11/),
      token_type: "bearer",
      expires_in: 3600,
      x_refresh_token_expires_in: 8726400,
    });
    expect((await companyInfo(tokens.access_token)).status).toBe(200);
  });

  it("adds the hard expiry only when the opt-in header is sent", async () => {
    const callback = await authorize(h.url);
    const response = await tokenRequest(
      h.url,
      {
        grant_type: "authorization_code",
        code: callback.searchParams.get("code") as string,
        redirect_uri: REDIRECT_URI,
      },
      { "x-include-refresh-token-hard-expires-in": "true" },
    );
    const body = await json(response);
    expect(body.x_refresh_token_hard_expires_in).toBe(5 * 365 * 24 * 3600);
  });

  it("accepts a code once; a replay fails and kills the tokens the code produced", async () => {
    const callback = await authorize(h.url);
    const params = {
      grant_type: "authorization_code",
      code: callback.searchParams.get("code") as string,
      redirect_uri: REDIRECT_URI,
    };
    const first = await json(await tokenRequest(h.url, params));
    const replay = await tokenRequest(h.url, params);
    expect(replay.status).toBe(400);
    expect(await json(replay)).toEqual({ error: "invalid_grant" });
    expect((await companyInfo(first.access_token)).status).toBe(401);
  });

  it("expires an unused code after ten minutes", async () => {
    const callback = await authorize(h.url);
    await h.control("POST", "/clock/advance", { seconds: 601 });
    const response = await tokenRequest(h.url, {
      grant_type: "authorization_code",
      code: callback.searchParams.get("code") as string,
      redirect_uri: REDIRECT_URI,
    });
    expect(response.status).toBe(400);
    expect((await json(response)).error).toBe("invalid_grant");
  });

  it("refuses a code exchanged with a different redirect_uri", async () => {
    const callback = await authorize(h.url);
    const response = await tokenRequest(h.url, {
      grant_type: "authorization_code",
      code: callback.searchParams.get("code") as string,
      redirect_uri: "http://127.0.0.1:9/elsewhere",
    });
    expect(response.status).toBe(400);
  });

  it("answers invalid_client (401) for wrong client credentials", async () => {
    const wrong = `Basic ${Buffer.from("demo-client-id:wrong").toString("base64")}`;
    const response = await tokenRequest(
      h.url,
      { grant_type: "refresh_token", refresh_token: "x" },
      { authorization: wrong },
    );
    expect(response.status).toBe(401);
    expect(await json(response)).toEqual({ error: "invalid_client" });
  });

  it("rejects unknown grant types", async () => {
    const response = await tokenRequest(h.url, { grant_type: "password" });
    expect(response.status).toBe(400);
    expect((await json(response)).error).toBe("unsupported_grant_type");
  });
});

describe("refresh tokens", () => {
  it("keeps the refresh token value within 24 hours and rotates it afterwards", async () => {
    const tokens = await connect();
    const early = await json(
      await tokenRequest(h.url, { grant_type: "refresh_token", refresh_token: tokens.refresh_token }),
    );
    expect(early.refresh_token).toBe(tokens.refresh_token);
    expect(early.access_token).not.toBe(tokens.access_token);

    await h.control("POST", "/clock/advance", { seconds: 24 * 3600 });
    const rotated = await json(
      await tokenRequest(h.url, { grant_type: "refresh_token", refresh_token: tokens.refresh_token }),
    );
    expect(rotated.refresh_token).not.toBe(tokens.refresh_token);

    const stale = await tokenRequest(h.url, {
      grant_type: "refresh_token",
      refresh_token: tokens.refresh_token,
    });
    expect(stale.status).toBe(400);
    expect(await json(stale)).toEqual({
      error: "invalid_grant",
      error_description: "Incorrect or invalid refresh token",
    });
    expect(
      (await tokenRequest(h.url, { grant_type: "refresh_token", refresh_token: rotated.refresh_token }))
        .status,
    ).toBe(200);
  });

  it("rotates on every refresh under the 'always' policy, so only one of two racing refreshes wins", async () => {
    await h.control("PUT", "/tokens/policy", { rotation: "always" });
    const tokens = await connect();
    const results = await Promise.all([
      tokenRequest(h.url, { grant_type: "refresh_token", refresh_token: tokens.refresh_token }),
      tokenRequest(h.url, { grant_type: "refresh_token", refresh_token: tokens.refresh_token }),
    ]);
    expect(results.map((r) => r.status).sort()).toEqual([200, 400]);
  });

  it("lets an access token die after an hour while the refresh token still works", async () => {
    const tokens = await connect();
    await h.control("POST", "/clock/advance", { seconds: 3600 });
    const expired = await companyInfo(tokens.access_token);
    expect(expired.status).toBe(401);
    expect(expired.headers.get("www-authenticate")).toBe('Bearer realm="Intuit", error="invalid_token"');
    const body = await json(expired);
    expect(body.fault.type).toBe("AUTHENTICATION");
    expect(body.fault.error[0]).toMatchObject({
      message: "message=AuthenticationFailed; errorCode=003200; statusCode=401",
      code: "3200",
    });
    expect(body.fault.error[0].detail).toMatch(/^Token expired: /);
    const refreshed = await json(
      await tokenRequest(h.url, { grant_type: "refresh_token", refresh_token: tokens.refresh_token }),
    );
    expect((await companyInfo(refreshed.access_token)).status).toBe(200);
  });

  it("rejects a refresh token after its 101-day rolling window", async () => {
    const tokens = await connect();
    await h.control("POST", "/clock/advance", { seconds: 8726400 });
    const response = await tokenRequest(h.url, {
      grant_type: "refresh_token",
      refresh_token: tokens.refresh_token,
    });
    expect(response.status).toBe(400);
  });
});

describe("revocation and authorization", () => {
  it("revokes the whole token family through the revoke endpoint", async () => {
    const tokens = await connect();
    const response = await fetch(`${h.url}/oauth2/v1/tokens/revoke`, {
      method: "POST",
      headers: {
        authorization: `Basic ${Buffer.from("demo-client-id:demo-client-secret").toString("base64")}`,
        "content-type": "application/json",
        accept: "application/json",
      },
      body: JSON.stringify({ token: tokens.refresh_token }),
    });
    expect(response.status).toBe(200);
    expect((await companyInfo(tokens.access_token)).status).toBe(401);
    expect(
      (await tokenRequest(h.url, { grant_type: "refresh_token", refresh_token: tokens.refresh_token }))
        .status,
    ).toBe(400);
  });

  it("revokes every token of a realm from the control plane", async () => {
    const tokens = await connect();
    const response = await h.control("POST", "/tokens/revoke", { realmId: h.realmId });
    expect((await json(response)).revoked).toBeGreaterThanOrEqual(1);
    expect((await companyInfo(tokens.access_token)).status).toBe(401);
  });

  it("answers 403 with the lower-case gateway fault when a token is used on another realm", async () => {
    const other = await json(await h.control("POST", "/realms"));
    const response = await companyInfo(h.accessToken, other.realmId);
    expect(response.status).toBe(403);
    const body = await json(response);
    expect(body.fault.error[0].code).toBe("3100");
    expect(body.fault.error[0].message).toBe(
      "message=ApplicationAuthorizationFailed; errorCode=003100; statusCode=403",
    );
  });

  it("answers 401 for a missing or malformed bearer token", async () => {
    const missing = await fetch(`${h.url}/v3/company/${h.realmId}/companyinfo/${h.realmId}`, {
      headers: { accept: "application/json" },
    });
    expect(missing.status).toBe(401);
    const short = await companyInfo("abc");
    expect((await json(short)).fault.error[0].detail).toBe("Malformed bearer token: too short or too long");
  });

  it("serves a discovery document whose URLs include the mount point", async () => {
    const body = await json(await fetch(`${h.url}/.well-known/openid_configuration`));
    expect(body.token_endpoint).toBe(`${h.url}/oauth2/v1/tokens/bearer`);
    expect(body.authorization_endpoint).toBe(`${h.url}/connect/oauth2`);
  });
});
