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
let admin: Awaited<ReturnType<typeof makeUser>>;
let realmId: string;
const codes: Record<string, string> = {};

async function call(method: string, url: string, headers: Record<string, string>, payload?: unknown) {
  const res = await t.app.inject({
    method: method as "GET",
    url,
    headers,
    ...(payload === undefined ? {} : { payload: payload as object }),
  });
  return { status: res.statusCode, body: (res.body ? res.json() : null) as Json };
}

async function emulatorState(): Promise<Json> {
  const res = await fetch(`${qbo.url}/__emulator/state`);
  return ((await res.json()) as Json).realms[realmId];
}

async function connect(company: string) {
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
      company_id: company,
      type: "quickbooks_online",
      status: "connected",
      ...sealed,
      connected_at: now,
    })
    .execute();
}

const base = () => `/api/v1/companies/${companyId}`;

beforeAll(async () => {
  qbo = await startQboEmulator({
    port: 0,
    limits: { perMinute: 100_000, perSecond: 100_000, concurrent: 1000, batchPerMinute: 1000 },
  });
  realmId = qbo.emulator.defaultRealmId;
  t = await createTestApp({ env: { QUICKBOOKS_ENVIRONMENT: qbo.url } });
  companyId = await makeCompany(t.ctx);
  admin = await makeUser(t.ctx, companyId, { erpIntegrations: "admin", directory: "admin", budget: "admin" });
  for (const [code, description] of [
    ["03-300", "Cast-in-place concrete"],
    ["09-900", "painting"],
    ["05-500", "Structural steel"],
  ] as const) {
    const res = await call("POST", `${base()}/cost-codes`, admin.auth, { code, description });
    codes[code] = res.body.id;
  }
});
afterAll(async () => {
  await t?.close();
  await qbo?.close();
});

describe("before QuickBooks is connected", () => {
  it("says to connect first", async () => {
    const res = await call("GET", `${base()}/erp/mappings/cost-codes`, admin.auth);
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe("not_connected");
  });
});

describe("cost code ↔ item mapping", () => {
  beforeAll(async () => {
    await connect(companyId);
  });

  it("reads the pick list from QuickBooks and suggests items with the same name", async () => {
    const res = await call("GET", `${base()}/erp/mappings/cost-codes`, admin.auth);
    expect(res.status).toBe(200);
    const names = res.body.quickbooksItems.map((i: Json) => i.name);
    expect(names).toEqual(
      expect.arrayContaining([
        "Services",
        "01-100 General Requirements",
        "03-300 Cast-in-place concrete",
        "09-900 Painting",
      ]),
    );
    // A category item cannot go on an estimate line, so it is not offered.
    expect(names).not.toContain("Construction");
    const byCode = Object.fromEntries(res.body.items.map((i: Json) => [i.costCode.code, i]));
    expect(byCode["03-300"].suggestion.name).toBe("03-300 Cast-in-place concrete");
    expect(byCode["09-900"].suggestion.name).toBe("09-900 Painting");
    expect(byCode["05-500"].suggestion).toBeNull();
    expect(byCode["05-500"].item).toBeNull();
  });

  it("refuses references QuickBooks does not have, or cannot use, and keeps the mapping", async () => {
    const state = await emulatorState();
    const category = state.Item.find((i: Json) => i.Name === "Construction");
    for (const itemRef of ["987654", "not-an-id", String(category.Id)]) {
      const res = await call("PUT", `${base()}/erp/mappings/cost-codes/${codes["05-500"]}`, admin.auth, {
        itemRef,
      });
      expect(res.status).toBe(400);
      expect(res.body.error).toMatchObject({ code: "unknown_erp_reference", field: "itemRef" });
    }
    const row = await t.ctx.db
      .selectFrom("cost_codes")
      .select(["erp_item_ref"])
      .where("company_id", "=", companyId)
      .where("id", "=", codes["05-500"]!)
      .executeTakeFirstOrThrow();
    expect(row.erp_item_ref).toBeNull();
  });

  it("maps a chosen item, and auto-matches the rest by name", async () => {
    const state = await emulatorState();
    const services = state.Item.find((i: Json) => i.Name === "Services");
    const set = await call("PUT", `${base()}/erp/mappings/cost-codes/${codes["05-500"]}`, admin.auth, {
      itemRef: String(services.Id),
    });
    expect(set.status).toBe(200);
    expect(set.body.item).toEqual({ ref: String(services.Id), name: "Services" });

    const matched = await call("POST", `${base()}/erp/mappings/cost-codes/auto-match`, admin.auth);
    expect(matched.status).toBe(200);
    expect(matched.body.matched.map((m: Json) => m.code).sort()).toEqual(["03-300", "09-900"]);

    const list = await call("GET", `${base()}/cost-codes`, admin.auth);
    const mapped = Object.fromEntries(list.body.items.map((c: Json) => [c.code, c.erpItem?.name]));
    expect(mapped).toEqual({
      "03-300": "03-300 Cast-in-place concrete",
      "05-500": "Services",
      "09-900": "09-900 Painting",
    });
    const audit = await call(
      "GET",
      `${base()}/audit-events?entityType=cost_code&entityId=${codes["09-900"]}`,
      admin.auth,
    );
    expect(audit.body.items[0]).toMatchObject({
      action: "mapping.cost_code_item_set",
      data: { how: "matched_by_name" },
    });
  });

  it("refuses an item made inactive in QuickBooks and flags a mapped item QuickBooks no longer lists", async () => {
    const state = await emulatorState();
    const painting = state.Item.find((i: Json) => i.Name === "09-900 Painting");
    const edit = await fetch(`${qbo.url}/__emulator/edit/${realmId}/Item/${painting.Id}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ Active: false }),
    });
    expect(edit.status).toBeLessThan(300);
    const res = await call("PUT", `${base()}/erp/mappings/cost-codes/${codes["05-500"]}`, admin.auth, {
      itemRef: String(painting.Id),
    });
    expect(res.status).toBe(400);
    expect(res.body.error.message).toContain("inactive");
    const list = await call("GET", `${base()}/erp/mappings/cost-codes`, admin.auth);
    const row = list.body.items.find((i: Json) => i.costCode.code === "09-900");
    expect(row.itemMissing).toBe(true);
  });

  it("is for ERP admins only", async () => {
    const approver = await makeUser(t.ctx, companyId, {
      erpIntegrations: "standard",
      canPushToAccounting: true,
    });
    const res = await call("GET", `${base()}/erp/mappings/cost-codes`, approver.auth);
    expect(res.status).toBe(403);
    const put = await call("PUT", `${base()}/erp/mappings/cost-codes/${codes["03-300"]}`, approver.auth, {
      itemRef: null,
    });
    expect(put.status).toBe(403);
  });
});

describe("project ↔ QuickBooks job", () => {
  let projectId: string;
  beforeAll(async () => {
    const p = await call("POST", `${base()}/projects`, admin.auth, {
      number: "24-007",
      name: "Mill Creek Lofts",
    });
    projectId = p.body.id;
  });

  it("lists customers and jobs from QuickBooks", async () => {
    const res = await call("GET", `${base()}/erp/quickbooks/customers`, admin.auth);
    expect(res.status).toBe(200);
    const riverside = res.body.items.find((c: Json) => c.name === "Riverside Phase 1");
    expect(riverside).toMatchObject({
      isJob: true,
      fullyQualifiedName: "Riverside Office Park:Riverside Phase 1",
    });
    expect(res.body.items.map((c: Json) => c.name)).toContain("Acme Builders Jobs");
  });

  it("links an existing job or a parent customer, which the send rules then see", async () => {
    await call("PATCH", `${base()}/settings`, admin.auth, {
      createMissingItems: false,
      defaultParentCustomer: null,
    });
    const customers = (await call("GET", `${base()}/erp/quickbooks/customers`, admin.auth)).body
      .items as Json[];
    const job = customers.find((c) => c.name === "Riverside Phase 1")!;
    const parent = customers.find((c) => c.name === "Acme Builders Jobs")!;
    const sendReasons = async () =>
      (
        (await call("GET", `${base()}/projects/${projectId}/budget`, admin.auth)).body.actions.send
          .reasons as Json[]
      ).map((r) => r.code);
    expect(await sendReasons()).toContain("project_not_linked");

    const unknown = await call("PUT", `${base()}/projects/${projectId}/erp-job`, admin.auth, {
      existingJobRef: "424242",
    });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error).toMatchObject({ code: "unknown_erp_reference", field: "existingJobRef" });
    const both = await call("PUT", `${base()}/projects/${projectId}/erp-job`, admin.auth, {
      existingJobRef: job.ref,
      parentCustomerRef: parent.ref,
    });
    expect(both.status).toBe(400);

    const linked = await call("PUT", `${base()}/projects/${projectId}/erp-job`, admin.auth, {
      existingJobRef: job.ref,
    });
    expect(linked.status).toBe(200);
    expect(linked.body.erpJob).toEqual({ ref: job.ref, name: "Riverside Phase 1" });
    expect(await sendReasons()).not.toContain("project_not_linked");
    const projects = await call("GET", `${base()}/projects`, admin.auth);
    expect(projects.body.items.find((p: Json) => p.id === projectId).erpJob).toEqual({
      ref: job.ref,
      name: "Riverside Phase 1",
    });

    const underParent = await call("PUT", `${base()}/projects/${projectId}/erp-job`, admin.auth, {
      parentCustomerRef: parent.ref,
    });
    expect(underParent.body).toMatchObject({
      erpJob: null,
      parentCustomer: { ref: parent.ref, name: "Acme Builders Jobs" },
    });
    expect(await sendReasons()).not.toContain("project_not_linked");

    const cleared = await call("DELETE", `${base()}/projects/${projectId}/erp-job`, admin.auth);
    expect(cleared.status).toBe(200);
    expect(await sendReasons()).toContain("project_not_linked");
  });

  it("cannot be read from QuickBooks Desktop while the admin waits", async () => {
    const desktop = await makeCompany(t.ctx);
    const deskAdmin = await makeUser(t.ctx, desktop, { erpIntegrations: "admin" });
    await t.ctx.db
      .insertInto("erp_connections")
      .values({ company_id: desktop, type: "quickbooks_desktop", status: "connected" })
      .execute();
    const res = await call("GET", `/api/v1/companies/${desktop}/erp/quickbooks/customers`, deskAdmin.auth);
    expect(res.status).toBe(409);
    expect(res.body.error).toMatchObject({
      code: "not_connected",
      details: { rule: "pick_list_unavailable" },
    });
  });
});
