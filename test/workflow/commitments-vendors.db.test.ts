/**
 * The company's vendors through the HTTP API (docs/product.md §vendors): who may add and edit them, names unique
 * regardless of case, bad input named by field, inactive vendors hidden unless asked for, and the company setting
 * that lets an export create a vendor the ERP lacks.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectError, type Obj, type TwoCompanies, twoCompanies } from "./fixture.js";

let t: TwoCompanies["t"];
let co: TwoCompanies["co"];
let other: TwoCompanies["other"];
let api: TwoCompanies["api"];

const url = (companyId: string) => `/api/v1/companies/${companyId}/vendors`;

beforeAll(async () => {
  ({ t, co, other, api } = await twoCompanies());
});
afterAll(async () => {
  await t?.close();
});

describe("vendors in the company directory", () => {
  it("are added by a directory or ERP admin and read by everyone in the company", async () => {
    const created = await api.post(url(co.companyId), co.admin, {
      name: "  Keystone Concrete  ",
      contactName: "Dana Ruiz",
      email: "ap@keystone.test",
      phone: "555-0101",
      address: { line1: "12 Quarry Rd", city: "Dayton", region: "OH", postalCode: "45402", country: "US" },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body).toEqual({
      id: expect.any(String),
      name: "Keystone Concrete",
      contactName: "Dana Ruiz",
      email: "ap@keystone.test",
      phone: "555-0101",
      address: { line1: "12 Quarry Rd", city: "Dayton", region: "OH", postalCode: "45402", country: "US" },
      active: true,
      erpVendor: null,
    });
    expectError(await api.post(url(co.companyId), co.pm, { name: "Somebody" }), 403, "forbidden");
    const seen = await api.get(url(co.companyId), co.viewer);
    expect(seen.body.items.map((v: Obj) => v.name)).toContain("Keystone Concrete");
    const audit = await t.ctx.db
      .selectFrom("audit_events")
      .select("action")
      .where("company_id", "=", co.companyId)
      .where("entity_id", "=", created.body.id)
      .execute();
    expect(audit.map((a) => a.action)).toEqual(["vendor.created"]);
  });

  it("refuses a name the company already has, whatever its case, with 409 vendor_name_taken", async () => {
    await api.post(url(co.companyId), co.admin, { name: "Ridge Roofing" });
    const again = await api.post(url(co.companyId), co.admin, { name: "RIDGE roofing " });
    expect(expectError(again, 409, "vendor_name_taken").field).toBe("name");
    // Another company may have its own vendor of that name.
    expect((await api.post(url(other.companyId), other.admin, { name: "Ridge Roofing" })).status).toBe(201);
    const second = await api.post(url(co.companyId), co.admin, { name: "Ridge Roofing West" });
    const renamed = await api.patch(`${url(co.companyId)}/${second.body.id}`, co.admin, {
      name: "ridge roofing",
    });
    expect(expectError(renamed, 409, "vendor_name_taken").field).toBe("name");
  });

  it("answers bad input with 400 and the field", async () => {
    for (const [body, field] of [
      [{ name: "   " }, "name"],
      [{ name: "Tab\tSupply" }, "name"],
      [{ name: "x".repeat(101) }, "name"],
      [{ name: "Mail Co", email: "not an email" }, "email"],
      [{ name: "Phone Co", phone: "5".repeat(31) }, "phone"],
      [{ name: "Addr Co", address: { line1: "1 Main", zip: "1" } }, "address.zip"],
    ] as const) {
      const r = await api.post(url(co.companyId), co.admin, body);
      expect({ status: r.status, field: r.body.error?.field }, JSON.stringify(r.body)).toEqual({
        status: 400,
        field,
      });
    }
    const v = await api.post(url(co.companyId), co.admin, { name: "Patch Co" });
    expectError(await api.patch(`${url(co.companyId)}/${v.body.id}`, co.admin, {}), 400, "invalid_input");
  });

  it("hides inactive vendors unless asked, edits fields, and answers 404 for another company's vendor", async () => {
    const v = await api.post(url(co.companyId), co.admin, { name: "Old Glass Co", phone: "555-0199" });
    const edited = await api.patch(`${url(co.companyId)}/${v.body.id}`, co.admin, {
      contactName: "Lee",
      phone: "",
      active: false,
    });
    expect(edited.status).toBe(200);
    expect(edited.body).toMatchObject({ contactName: "Lee", phone: null, active: false });
    const active = await api.get(url(co.companyId), co.pm);
    expect(active.body.items.map((x: Obj) => x.id)).not.toContain(v.body.id);
    const all = await api.get(`${url(co.companyId)}?includeInactive=true`, co.pm);
    expect(all.body.items.map((x: Obj) => x.id)).toContain(v.body.id);
    expectError(
      await api.patch(`${url(other.companyId)}/${v.body.id}`, other.admin, { phone: "1" }),
      404,
      "not_found",
    );
    expectError(await api.get(url(co.companyId), other.admin), 404, "not_found");
  });

  it("lets an ERP admin turn off creating missing vendors (on by default)", async () => {
    const settings = `/api/v1/companies/${co.companyId}/settings`;
    expect((await api.get(settings, co.viewer)).body.createMissingVendors).toBe(true);
    expectError(await api.patch(settings, co.pm, { createMissingVendors: false }), 403, "forbidden");
    const off = await api.patch(settings, co.admin, { createMissingVendors: false });
    expect(off.status).toBe(200);
    expect(off.body.createMissingVendors).toBe(false);
    expect((await api.patch(settings, co.admin, { createMissingVendors: "no" })).body.error.field).toBe(
      "createMissingVendors",
    );
  });
});
