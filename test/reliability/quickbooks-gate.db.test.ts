/**
 * Every QuickBooks Online call of the product goes through the one pace shared by all processes (PostgreSQL), and
 * a 429 on a company pauses that company's calls only: the admin's pick lists included, which once built a client
 * of their own, ignored the pause and kept drawing 429s.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { QboClient, resolveQboEndpoints } from "../../src/erp/quickbooks-online/index.js";
import { newTenant, type Product, startProduct, type Tenant } from "./harness.js";

let p: Product;
let a: Tenant;
let b: Tenant;

beforeAll(async () => {
  p = await startProduct({ env: { QUICKBOOKS_THROTTLE_BACKOFF_SECONDS: "60" } });
  a = await newTenant(p, "Paused Co");
  b = await newTenant(p, "Busy Co");
}, 60_000);

afterAll(async () => {
  await p?.close();
});

const customers = (t: Tenant) =>
  p.call("GET", `/api/v1/companies/${t.companyId}/erp/quickbooks/customers`, { auth: t.auth });

async function callsTo(t: Tenant): Promise<number> {
  const r = (await p.control("GET", `/requests?path=${encodeURIComponent(`/v3/company/${t.realmId}/`)}`)) as {
    items: unknown[];
  };
  return r.items.length;
}

describe("the shared QuickBooks gate", () => {
  it("a 429 on one company pauses that company's calls, pick lists included, and not the others'", async () => {
    expect((await customers(a)).status).toBe(200);
    await p.control("POST", "/faults", {
      method: "GET",
      path: `/v3/company/${a.realmId}/query`,
      status: 429,
      count: 1,
    });
    const throttled = await customers(a);
    expect(throttled.status).toBe(429);
    expect(throttled.json).toMatchObject({ error: { code: "rate_limited" } });
    const before = await callsTo(a);

    // The pause is the company's, shared through the database: the next pick list does not reach QuickBooks.
    const paused = await customers(a);
    expect(paused.status).toBe(429);
    expect(paused.json).toMatchObject({ error: { code: "rate_limited" } });
    expect(await callsTo(a)).toBe(before);
    // Another process (the worker's service) sees the same pause.
    const fromElsewhere = await p.qbo.clientFor(a.companyId, { maxPauseMs: 0 });
    await expect(fromElsewhere.query("SELECT * FROM Customer")).rejects.toThrow(/paused/);

    // Another company is not held up.
    const other = await customers(b);
    expect(other.status).toBe(200);
  });

  it("a QuickBooks Online client cannot be built without the shared gate", () => {
    const endpoints = resolveQboEndpoints("sandbox");
    const tokens = { getAccessToken: async () => "t", refreshAccessToken: async () => "t" };
    // @ts-expect-error rateGate is required: a client with a gate of its own would ignore the other processes.
    const build = () => new QboClient({ endpoints, realmId: "1", tokens });
    expect(build).toBeTypeOf("function");

    // In the product's code, clients are built in two places only, both handed the service's shared gate.
    const allowed = new Set(["src/app/erp/qbo-service.ts", "src/erp/quickbooks-online/index.ts"]);
    const offenders: string[] = [];
    const walk = (dir: string) => {
      for (const name of readdirSync(dir)) {
        const full = path.join(dir, name);
        if (statSync(full).isDirectory()) walk(full);
        else if (/\.tsx?$/.test(name) && !/\.test\.tsx?$/.test(name)) {
          const rel = path.relative(process.cwd(), full).split(path.sep).join("/");
          const text = readFileSync(full, "utf8");
          if (/new\s+QboClient\s*\(/.test(text) && !allowed.has(rel)) offenders.push(rel);
          if (/new\s+InProcessRateGate\s*\(/.test(text)) offenders.push(`${rel} (in-process gate)`);
        }
      }
    };
    walk(path.join(process.cwd(), "src"));
    expect(offenders).toEqual([]);
  });
});
