import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, type TestApp } from "../../../test/support/app.js";
import { makeCompany } from "../../../test/support/factories.js";
import { refKey } from "../../erp/quickbooks-online/reference-cache.js";
import { PgReferenceCache } from "./pg-reference-cache.js";
import { takeInChanges } from "./qbo-changes.js";
import { qboServiceFor } from "./qbo-service.js";

const REALM = "9341000000000777";
let t: TestApp;

beforeAll(async () => {
  t = await createTestApp();
  const companyId = await makeCompany(t.ctx);
  const now = new Date();
  const sealed = qboServiceFor(t.ctx).vault.encode({
    realmId: REALM,
    accessToken: "access",
    accessTokenExpiresAt: new Date(now.getTime() + 3_600_000),
    refreshToken: "refresh",
    refreshTokenExpiresAt: new Date(now.getTime() + 86_400_000),
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
});
afterAll(async () => t?.close());

describe("change notices about vendors and purchase orders", () => {
  it("forget what the reference cache holds about a vendor or purchase order changed in QuickBooks", async () => {
    const cache = new PgReferenceCache(t.ctx.db);
    const earlier = { LastUpdatedTime: "2026-12-01T10:00:00-08:00" };
    await cache.store(REALM, [
      [
        refKey.vendorById("58"),
        { entityType: "Vendor", entityId: "58", syncToken: "0", data: { Id: "58", MetaData: earlier } },
      ],
      [
        refKey.vendorByName("Acme Drywall"),
        { entityType: "Vendor", entityId: "58", syncToken: "0", data: { Id: "58", MetaData: earlier } },
      ],
      [
        refKey.purchaseOrder("101"),
        {
          entityType: "PurchaseOrder",
          entityId: "101",
          syncToken: "3",
          data: { Id: "101", MetaData: earlier },
        },
      ],
      [
        refKey.purchaseOrder("102"),
        {
          entityType: "PurchaseOrder",
          entityId: "102",
          syncToken: "0",
          data: { Id: "102", MetaData: earlier },
        },
      ],
    ]);
    const later = new Date("2026-12-02T10:00:00-08:00");
    await takeInChanges(t.ctx, REALM, [
      { entity: "Vendor", id: "58", operation: "Update", lastUpdated: later },
      { entity: "PurchaseOrder", id: "101", operation: "Delete", lastUpdated: later },
    ]);
    const left = await cache.load(REALM, [
      refKey.vendorById("58"),
      refKey.vendorByName("Acme Drywall"),
      refKey.purchaseOrder("101"),
      refKey.purchaseOrder("102"),
    ]);
    expect([...left.keys()]).toEqual([refKey.purchaseOrder("102")]);
  });
});
