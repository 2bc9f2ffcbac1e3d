import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type StartedQboEmulator, startQboEmulator } from "../../../emulators/quickbooks-online/index.js";
import { createTestApp, type TestApp } from "../../../test/support/app.js";
import { makeCompany, makeUser } from "../../../test/support/factories.js";
import { qboServiceFor } from "../erp/qbo-service.js";

// biome-ignore lint/suspicious/noExplicitAny: response bodies are inspected structurally
type Json = Record<string, any>;

let qbo: StartedQboEmulator;
let t: TestApp;
let companyId: string;
let realmId: string;
let admin: Awaited<ReturnType<typeof makeUser>>;
let pm: Awaited<ReturnType<typeof makeUser>>;

async function call(method: string, url: string, headers: Record<string, string>, payload?: unknown) {
  const res = await t.app.inject({
    method: method as "GET",
    url,
    headers,
    ...(payload === undefined ? {} : { payload: payload as object }),
  });
  return { status: res.statusCode, body: (res.body ? res.json() : null) as Json };
}

const erp = () => `/api/v1/companies/${companyId}/erp`;

async function addVendor(id: string, name: string) {
  await t.ctx.db.insertInto("vendors").values({ company_id: companyId, id, name }).execute();
}

async function qboVendor(name: string): Promise<string> {
  const tokens = qbo.emulator.issueTokens(realmId);
  const res = await fetch(`${qbo.url}/v3/company/${realmId}/vendor?minorversion=75`, {
    method: "POST",
    headers: {
      authorization: `Bearer ${tokens.access_token}`,
      accept: "application/json",
      "content-type": "application/json",
    },
    body: JSON.stringify({ DisplayName: name }),
  });
  return ((await res.json()) as Json).Vendor.Id;
}

beforeAll(async () => {
  qbo = await startQboEmulator({
    port: 0,
    limits: { perMinute: 100_000, perSecond: 100_000, concurrent: 1000, batchPerMinute: 1000 },
  });
  realmId = qbo.emulator.defaultRealmId;
  t = await createTestApp({ env: { QUICKBOOKS_ENVIRONMENT: qbo.url } });
  companyId = await makeCompany(t.ctx);
  admin = await makeUser(t.ctx, companyId, { erpIntegrations: "admin", directory: "admin", budget: "admin" });
  pm = await makeUser(t.ctx, companyId, { budget: "admin" });
  const tokens = qbo.emulator.issueTokens(realmId);
  const now = new Date();
  const sealed = qboServiceFor(t.ctx).vault.encode({
    realmId,
    accessToken: tokens.access_token,
    accessTokenExpiresAt: new Date(now.getTime() + tokens.expires_in * 1000),
    refreshToken: tokens.refresh_token,
    refreshTokenExpiresAt: new Date(now.getTime() + tokens.x_refresh_token_expires_in * 1000),
  });
  await t.ctx.db
    .insertInto("erp_connections")
    .values({
      company_id: companyId,
      type: "quickbooks_online",
      status: "connected",
      ...sealed,
      connected_at: now,
    })
    .execute();
  await addVendor("v-concrete", "concrete  supply co");
  await addVendor("v-drywall", "Acme Drywall");
  await addVendor("v-steel", "Harbor Steel");
});
afterAll(async () => {
  await t?.close();
  await qbo?.close();
});

describe("vendor mappings", () => {
  it("lists QuickBooks vendors and suggests the one with the same name", async () => {
    const pick = await call("GET", `${erp()}/quickbooks/vendors`, admin.auth);
    expect(pick.status).toBe(200);
    expect(pick.body.items.map((v: Json) => v.name)).toContain("Concrete Supply Co");
    const list = await call("GET", `${erp()}/mappings/vendors`, admin.auth);
    expect(list.status).toBe(200);
    const byId = Object.fromEntries(list.body.items.map((i: Json) => [i.vendorId, i]));
    expect(byId["v-concrete"]).toMatchObject({ erpVendor: null, suggestion: { name: "Concrete Supply Co" } });
    expect(byId["v-drywall"]).toMatchObject({ erpVendor: null, suggestion: null });
  });

  it("links a chosen vendor (audited as vendor.linked), refuses an unknown one, and unlinks with null", async () => {
    const ref = await qboVendor("Harbor Steel Inc");
    const set = await call("PUT", `${erp()}/mappings/vendors/v-steel`, admin.auth, { vendorRef: ref });
    expect(set.status).toBe(200);
    expect(set.body).toEqual({
      vendorId: "v-steel",
      name: "Harbor Steel",
      erpVendor: { ref, name: "Harbor Steel Inc" },
    });
    const row = await t.ctx.db
      .selectFrom("vendors")
      .select(["erp_vendor_ref", "erp_vendor_name"])
      .where("id", "=", "v-steel")
      .executeTakeFirstOrThrow();
    expect(row).toEqual({ erp_vendor_ref: ref, erp_vendor_name: "Harbor Steel Inc" });
    const audit = await t.ctx.db
      .selectFrom("audit_events")
      .select(["action", "entity_type"])
      .where("company_id", "=", companyId)
      .where("entity_id", "=", "v-steel")
      .execute();
    expect(audit).toEqual([{ action: "vendor.linked", entity_type: "vendor" }]);
    const unknown = await call("PUT", `${erp()}/mappings/vendors/v-steel`, admin.auth, { vendorRef: "9999" });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error).toMatchObject({ code: "unknown_erp_reference", field: "vendorRef" });
    const cleared = await call("PUT", `${erp()}/mappings/vendors/v-steel`, admin.auth, { vendorRef: null });
    expect(cleared.body.erpVendor).toBeNull();
    const missing = await call("PUT", `${erp()}/mappings/vendors/nope`, admin.auth, { vendorRef: null });
    expect(missing.status).toBe(404);
  });

  it("auto-match links every unlinked vendor with exactly one QuickBooks vendor of its name", async () => {
    const res = await call("POST", `${erp()}/mappings/vendors/auto-match`, admin.auth);
    expect(res.status).toBe(200);
    expect(res.body.matched).toEqual([
      {
        vendorId: "v-concrete",
        name: "concrete  supply co",
        erpVendor: expect.objectContaining({ name: "Concrete Supply Co" }),
      },
    ]);
  });

  it("is for ERP admins only", async () => {
    const res = await call("GET", `${erp()}/mappings/vendors`, pm.auth);
    expect(res.status).toBe(403);
  });
});
