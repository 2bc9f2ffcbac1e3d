/**
 * Paging cursors cannot be forged: every list that pages hands out signed cursors, and anything it never handed out
 * (made up, edited, decoding to a number PostgreSQL cannot hold or to February 31st, or another list's or company's)
 * is a 400 naming the cursor, never a 500.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { recordAudit } from "../../src/app/audit.js";
import { queueEmail } from "../../src/app/email/outbox.js";
import { createTestApp, type TestApp } from "../support/app.js";
import { insertSubmission } from "../support/email.js";
import { makeCompany, makeUser } from "../support/factories.js";

let t: TestApp;
let companyId: string;
let otherCompanyId: string;
let admin: { authorization: string };
let otherAdmin: { authorization: string };

const b64 = (text: string) => Buffer.from(text).toString("base64url");

async function fill(company: string, userId: string) {
  for (let i = 0; i < 3; i++) {
    await insertSubmission(t.ctx, company, {
      submittedBy: userId,
      submittedAt: new Date(Date.UTC(2026, 2, 9, 15, i)),
    });
    await recordAudit(t.ctx.db, {
      companyId: company,
      actor: { kind: "system" },
      action: "test.event",
      entityType: "test",
      entityId: `e${i}`,
      data: {},
      at: new Date(),
    });
    await queueEmail(t.ctx.db, {
      companyId: company,
      dedupeKey: `cursor-test:${i}`,
      to: `someone${i}@example.test`,
      message: {
        template: "added-to-company",
        data: {
          publicUrl: "http://costbridge.test",
          company: { id: company, name: "Cursor Co" },
          addedBy: { name: "Ada" },
        },
      },
    });
  }
}

beforeAll(async () => {
  t = await createTestApp();
  companyId = await makeCompany(t.ctx, { name: "Cursor Co" });
  otherCompanyId = await makeCompany(t.ctx, { name: "Other Co" });
  const everything = {
    erpIntegrations: "admin",
    directory: "admin",
    budget: "admin",
    canPushToAccounting: true,
  } as const;
  const a = await makeUser(t.ctx, companyId, everything);
  const o = await makeUser(t.ctx, otherCompanyId, everything);
  admin = a.auth;
  otherAdmin = o.auth;
  await fill(companyId, a.id);
  await fill(otherCompanyId, o.id);
});
afterAll(async () => {
  await t?.close();
});

const LISTS = {
  projects: (co: string) => `/api/v1/companies/${co}/projects?limit=1`,
  submissions: (co: string) => `/api/v1/companies/${co}/erp/budget-submissions?limit=1`,
  "audit log": (co: string) => `/api/v1/companies/${co}/audit-events?limit=1`,
  "email outbox": (co: string) => `/api/v1/companies/${co}/email-outbox?limit=1`,
} as const;
const CURSOR_FIELD: Record<keyof typeof LISTS, string> = {
  projects: "query.cursor",
  submissions: "query.cursor",
  "audit log": "cursor",
  "email outbox": "query.cursor",
};

async function get(url: string, auth = admin) {
  const res = await t.app.inject({ method: "GET", url, headers: auth });
  return { status: res.statusCode, body: res.json() };
}

describe("paging cursors", () => {
  for (const [name, url] of Object.entries(LISTS) as [keyof typeof LISTS, (co: string) => string][]) {
    it(`${name}: pages with the cursors it hands out and refuses any other with a 400`, async () => {
      // The cursors it hands out work, to the end of the list.
      const seen = new Set<string>();
      let cursor: string | null = null;
      let pages = 0;
      do {
        const page = await get(`${url(companyId)}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`);
        expect(page.status).toBe(200);
        for (const item of page.body.items) seen.add(item.id);
        cursor = page.body.nextCursor;
        pages++;
      } while (cursor && pages < 20);
      expect(cursor).toBeNull();
      expect(pages).toBeGreaterThanOrEqual(3);
      expect(seen.size).toBe(pages);

      const first = await get(url(companyId));
      const issued = String(first.body.nextCursor);
      const [body, sig] = issued.split(".");
      const forged = [
        // What the lists used to accept: unsigned positions, some that PostgreSQL cannot take.
        b64("99999999999999999999"),
        b64("9223372036854775808"),
        b64(JSON.stringify(["2026-02-31T10:00:00.000000Z", "eml_x"])),
        b64(JSON.stringify(["2026-03-09T15:00:00.000Z", "sub_x"])),
        b64("P-00001"),
        // A signed-looking cursor with a made-up position, an edited signature, and a cut one.
        `${b64(JSON.stringify(["99999999999999999999"]))}.${sig}`,
        `${b64(JSON.stringify(["2026-02-31T10:00:00.000000Z", "eml_x"]))}.${sig}`,
        `${body}.${sig!.slice(0, -2)}AA`,
        `${body}.`,
        `.${sig}`,
        `${issued}.${sig}`,
        "not a cursor",
      ];
      for (const bad of forged) {
        const res = await get(`${url(companyId)}&cursor=${encodeURIComponent(bad)}`);
        expect(res.status, bad).toBe(400);
        expect(res.body.error, bad).toMatchObject({ code: "invalid_input", field: CURSOR_FIELD[name] });
      }
      // A cursor of this company's list is not one of another company's (nor of another list).
      const elsewhere = await get(`${url(otherCompanyId)}&cursor=${encodeURIComponent(issued)}`, otherAdmin);
      expect(elsewhere.status).toBe(400);
      for (const [otherName, otherUrl] of Object.entries(LISTS)) {
        if (otherName === name) continue;
        const res = await get(`${otherUrl(companyId)}&cursor=${encodeURIComponent(issued)}`);
        expect(res.status, otherName).toBe(400);
      }
    });
  }
});
