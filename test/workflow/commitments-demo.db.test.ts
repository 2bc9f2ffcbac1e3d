/**
 * The demo's commitments (docs/product.md §commitments): every demo company has vendors in its directory and two or
 * three approved commitments ready to send, one of them with a pending change order; seeding twice adds nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { issueToken } from "../../src/app/auth/issue-token.js";
import { seedDemoBudgets } from "../../src/app/demo-budgets.js";
import { seedDemoBase } from "../../src/app/demo-seed.js";
import { createTestApp, type TestApp } from "../support/app.js";
import { http, type Obj } from "./fixture.js";

let t: TestApp;
let companies: Record<string, string>;

beforeAll(async () => {
  t = await createTestApp();
  ({ companies } = await seedDemoBase(t.ctx));
  await seedDemoBudgets(t.ctx);
  await seedDemoBudgets(t.ctx);
});
afterAll(async () => {
  await t?.close();
});

async function as(email: string) {
  const user = await t.ctx.db
    .selectFrom("users")
    .select("id")
    .where("email", "=", email)
    .executeTakeFirstOrThrow();
  const { token } = await issueToken(t.ctx, user.id, "bearer");
  return { id: user.id, auth: { authorization: `Bearer ${token}` } } as never;
}

describe("demo commitments", () => {
  for (const [name, email] of [
    ["Acme Builders", "admin@acme.test"],
    ["Zenith Construction", "admin@zenith.test"],
  ] as const) {
    it(`${name} has vendors and approved commitments ready to send, one with a pending change order`, async () => {
      const api = http(t);
      const user = await as(email);
      const companyId = companies[name]!;
      const vendors = await api.get(`/api/v1/companies/${companyId}/vendors`, user);
      expect(vendors.body.items.length).toBeGreaterThanOrEqual(2);
      expect(vendors.body.items.length).toBeLessThanOrEqual(3);
      const projects = await api.get(`/api/v1/companies/${companyId}/projects?limit=200`, user);
      const all: Obj[] = [];
      for (const p of projects.body.items) {
        const list = await api.get(`/api/v1/companies/${companyId}/projects/${p.id}/commitments`, user);
        for (const c of list.body.items) {
          const detail = await api.get(
            `/api/v1/companies/${companyId}/projects/${p.id}/commitments/${c.id}`,
            user,
          );
          all.push(detail.body);
        }
      }
      expect(all.length).toBeGreaterThanOrEqual(2);
      expect(all.length).toBeLessThanOrEqual(3);
      for (const c of all) {
        expect(c).toMatchObject({ status: "approved", locked: false, erpState: "not_sent" });
        expect(c.lines.length).toBeGreaterThan(0);
        expect(Number(c.totals.revised)).toBeGreaterThan(0);
        // Ready: nothing about the commitment stands in the way, only the company's ERP (the demo connects Acme
        // when it starts, which this test does not, and an ERP may not write purchase orders yet).
        const erpOnly = new Set(["erp_not_connected", "erp_cannot_take_commitments"]);
        const reasons = c.actions.send.reasons.map((r: Obj) => r.code as string);
        expect(reasons.filter((code: string) => !erpOnly.has(code))).toEqual([]);
      }
      const pending = all.filter((c) => c.changeOrders.some((o: Obj) => o.status === "pending"));
      expect(pending).toHaveLength(1);
      expect(Number(pending[0]!.totals.pendingChanges)).toBeGreaterThan(0);
    });
  }
});
