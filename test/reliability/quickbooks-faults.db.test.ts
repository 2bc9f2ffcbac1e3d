/**
 * QuickBooks Online faults through the whole product: an approver accepts through the API, the real worker runs
 * the export job, and the emulator's control plane injects the fault. Each case must end exported exactly once
 * (one estimate in QuickBooks) or in Failed to Export with a clear reason — never duplicated, never lost.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  accept,
  connect,
  estimatesOf,
  type Json,
  knownSecrets,
  leaks,
  newTenant,
  type Product,
  sentBudget,
  settled,
  startProduct,
  type Tenant,
} from "./harness.js";

let p: Product;
const secrets = new Set<string>();

beforeAll(async () => {
  p = await startProduct();
  // A short client timeout, so the delayed-response case times out quickly; normal calls take milliseconds.
  await p.startWorker({ timeoutMs: 1_500 });
});
afterAll(async () => p?.close());

async function remember() {
  for (const s of await knownSecrets(p)) secrets.add(s);
}

async function requests(path: string) {
  const r = (await p.control("GET", `/requests?path=${encodeURIComponent(path)}`)) as {
    items: { method: string; path: string; status: number; replayed: boolean; requestid: string | null }[];
  };
  return r.items;
}

async function exportedOnce(t: Tenant, b: { submissionId: string }, projectName: string) {
  const s = await settled(p, t, b.submissionId);
  expect(s.status, JSON.stringify(s.export)).toBe("exported");
  const { estimates, jobs } = await estimatesOf(p, t, projectName);
  expect(jobs).toHaveLength(1);
  expect(estimates).toHaveLength(1);
  return { s, estimate: estimates[0]! };
}

describe.concurrent("QuickBooks Online faults, accept → job → QuickBooks", () => {
  it("a burst of 429s: waits, retries with the same requestid, exports once", async () => {
    const t = await newTenant(p, "Throttled Co");
    await p.control("POST", "/faults", {
      method: "POST",
      path: `/v3/company/${t.realmId}/estimate`,
      status: 429,
      count: 2,
    });
    const b = await sentBudget(p, t);
    await accept(p, t, b.submissionId);
    await exportedOnce(t, b, b.name);
    const writes = await requests(`/v3/company/${t.realmId}/estimate`);
    const posts = writes.filter((r) => r.method === "POST");
    expect(posts.map((r) => r.status)).toEqual([429, 429, 200]);
    expect(new Set(posts.map((r) => r.requestid)).size).toBe(1);
  });

  it("5xx answers: retried until QuickBooks answers, exported once", async () => {
    const t = await newTenant(p, "Flaky Co");
    await p.control("POST", "/faults", { path: `/v3/company/${t.realmId}/`, status: 503, count: 2 });
    const b = await sentBudget(p, t);
    await accept(p, t, b.submissionId);
    await exportedOnce(t, b, b.name);
    const all = await requests(`/v3/company/${t.realmId}/`);
    expect(all.filter((r) => r.status === 503)).toHaveLength(2);
  });

  it("a write that times out but still lands in QuickBooks: the retry does not duplicate it", async () => {
    const t = await newTenant(p, "Slow Co");
    await p.control("POST", "/faults", {
      method: "POST",
      path: `/v3/company/${t.realmId}/estimate`,
      mode: "delay",
      delayMs: 3_000,
      count: 1,
    });
    const b = await sentBudget(p, t);
    await accept(p, t, b.submissionId);
    await exportedOnce(t, b, b.name);
    // Let the delayed original finish too: it must replay, not add a second estimate.
    await new Promise((r) => setTimeout(r, 2_000));
    const { estimates } = await estimatesOf(p, t, b.name);
    expect(estimates).toHaveLength(1);
  });

  it("a write whose response is lost (commit_then_fail): replayed by requestid, exported once", async () => {
    const t = await newTenant(p, "Lost Reply Co");
    await p.control("POST", "/faults", {
      method: "POST",
      path: `/v3/company/${t.realmId}/estimate`,
      mode: "commit_then_fail",
      status: 502,
      count: 1,
    });
    const b = await sentBudget(p, t);
    await accept(p, t, b.submissionId);
    await exportedOnce(t, b, b.name);
    const posts = (await requests(`/v3/company/${t.realmId}/estimate`)).filter((r) => r.method === "POST");
    expect(posts[0]!.status).toBe(502);
    // The next run finds the estimate the lost write created (or replays it): no second real write.
    expect(posts.slice(1).filter((r) => !r.replayed)).toEqual([]);
  });

  it("an expired access token: refreshed once, exported, connection stays healthy", async () => {
    const t = await newTenant(p, "Expired Co");
    await p.control("POST", "/tokens/expire", { realmId: t.realmId });
    const b = await sentBudget(p, t);
    await accept(p, t, b.submissionId);
    await exportedOnce(t, b, b.name);
    const conn = await p.call("GET", `/api/v1/companies/${t.companyId}/erp/connection`, { auth: t.auth });
    expect(conn.json.status).toBe("connected");
    await remember();
  });

  it("invalid_grant: exports pause, the connection asks for a reconnect, nothing is lost; after it they finish", async () => {
    const t = await newTenant(p, "Revoked Co");
    await remember();
    await p.control("POST", "/tokens/revoke", { realmId: t.realmId });
    const first = await sentBudget(p, t);
    const second = await sentBudget(p, t);
    await accept(p, t, first.submissionId);
    await accept(p, t, second.submissionId);
    const paused = async () => {
      const rows = await p.ctx.db
        .selectFrom("exports")
        .select(["submission_id", "waiting_for"])
        .where("company_id", "=", t.companyId)
        .execute();
      return rows.length === 2 && rows.every((r) => r.waiting_for === "reconnect");
    };
    for (let i = 0; !(await paused()); i++) {
      if (i > 200) throw new Error("exports did not pause");
      await new Promise((r) => setTimeout(r, 100));
    }
    const conn = await p.call("GET", `/api/v1/companies/${t.companyId}/erp/connection`, { auth: t.auth });
    expect(conn.json.status).toBe("reconnect_needed");
    expect((conn.json.details as Json).tokenHealth).toBe("reconnect_needed");
    for (const b of [first, second]) {
      const s = await p.call(
        "GET",
        `/api/v1/companies/${t.companyId}/erp/budget-submissions/${b.submissionId}`,
        { auth: t.auth },
      );
      expect(s.json.status).toBe("exporting");
    }
    await connect(p, t);
    await exportedOnce(t, first, first.name);
    await exportedOnce(t, second, second.name);
    await remember();
  });

  it("an estimate edited in QuickBooks between exports: Failed to Export with a clear reason; Retry overwrites", async () => {
    const t = await newTenant(p, "Edited Co");
    const b = await sentBudget(p, t);
    await accept(p, t, b.submissionId);
    const { estimate } = await exportedOnce(t, b, b.name);
    // A bookkeeper changes an amount Costbridge wrote (a memo or address edit would not count).
    const lines = (estimate.Line as Json[])
      .filter((l: Json) => l.DetailType === "SalesItemLineDetail")
      .map((l: Json, i: number) =>
        i === 0
          ? { ...l, Amount: 1, SalesItemLineDetail: { ...(l.SalesItemLineDetail as Json), UnitPrice: 1 } }
          : l,
      );
    await p.control("POST", `/edit/${t.realmId}/Estimate/${estimate.Id}`, { Line: lines });

    const resent = await resend(t, b.base);
    await accept(p, t, resent);
    const failed = await settled(p, t, resent);
    expect(failed.status).toBe("failed");
    const lastError = (failed.export as Json).lastError as Json;
    expect(lastError.code).toBe("changed_in_quickbooks");
    expect(String(lastError.message)).toMatch(/changed in QuickBooks/i);
    expect(String(lastError.remedy).length).toBeGreaterThan(10);

    const retry = await p.call(
      "POST",
      `/api/v1/companies/${t.companyId}/erp/budget-submissions/${resent}/retry`,
      { auth: t.auth },
    );
    expect(retry.status).toBe(202);
    await exportedOnce(t, { submissionId: resent }, b.name);
    const { estimates } = await estimatesOf(p, t, b.name);
    expect(Number(estimates[0]!.TotalAmt)).toBeCloseTo(1250 + 800.1 + 100, 2);
  });

  it("a stale SyncToken on the update (5010): read again, written once", async () => {
    const t = await newTenant(p, "Stale Co");
    const b = await sentBudget(p, t);
    await accept(p, t, b.submissionId);
    await exportedOnce(t, b, b.name);
    const resent = await resend(t, b.base);
    await p.control("POST", "/faults", {
      method: "POST",
      path: `/v3/company/${t.realmId}/estimate.*operation=update`,
      status: 400,
      body: {
        Fault: {
          Error: [
            {
              Message: "Stale Object Error",
              Detail: "Stale Object Error : You and API API were working on this at the same time.",
              code: "5010",
            },
          ],
          type: "ValidationFault",
        },
        time: new Date().toISOString(),
      },
      count: 1,
    });
    await accept(p, t, resent);
    await exportedOnce(t, { submissionId: resent }, b.name);
    const updates = (await requests(`/v3/company/${t.realmId}/estimate`)).filter(
      (r) => r.method === "POST" && r.status === 400,
    );
    expect(updates).toHaveLength(1);
  });
});

// Alone, so that the refresh count is this case's own.
describe("QuickBooks Online token rotation", () => {
  it("a refresh token rotated while two workers refresh at once: one refresh, both get the new token", async () => {
    const t = await newTenant(p, "Rotating Co");
    await p.control("PUT", "/tokens/policy", { rotation: "always" });
    const before = await p.qbo.vault.read(t.companyId);
    await p.control("POST", "/tokens/expire", { realmId: t.realmId });
    const refreshesBefore = (await requests("/oauth2/v1/tokens/bearer")).length;
    // Two more processes' token managers, each refusing the same dead access token at the same moment.
    const { createQboService } = await import("../../src/app/erp/qbo-service.js");
    const a = createQboService(p.ctx.config, p.ctx.db).tokens;
    const c = createQboService(p.ctx.config, p.ctx.db).tokens;
    const b = await sentBudget(p, t);
    const [ta, tc] = await Promise.all([
      a.refreshAccessToken(t.companyId, before!.accessToken),
      c.refreshAccessToken(t.companyId, before!.accessToken),
      accept(p, t, b.submissionId),
    ]);
    expect(ta).toBe(tc);
    expect(ta).not.toBe(before!.accessToken);
    await exportedOnce(t, b, b.name);
    const refreshes = (await requests("/oauth2/v1/tokens/bearer")).slice(refreshesBefore);
    expect(refreshes.map((r) => `${r.method} ${r.status}`)).toEqual(["POST 200"]);
    const conn = await p.call("GET", `/api/v1/companies/${t.companyId}/erp/connection`, { auth: t.auth });
    expect(conn.json.status).toBe("connected");
    await remember();
  });
});

/** A budget change of +100.00 on the first line, approved, and the budget re-sent; returns the submission. */
async function resend(t: Tenant, base: string): Promise<string> {
  const budget = await p.call("GET", base, { auth: t.auth });
  const lineId = String((budget.json.lines as Json[])[0]!.id);
  const change = await p.call("POST", `${base}/changes`, {
    auth: t.auth,
    body: { description: "More concrete", adjustments: [{ lineId, amount: "100.00" }] },
  });
  expect(change.status).toBe(201);
  expect((await p.call("POST", `${base}/changes/${change.json.id}/approve`, { auth: t.auth })).status).toBe(
    200,
  );
  const sent = await p.call("POST", `${base}/send-to-erp`, { auth: t.auth });
  expect(sent.status, sent.text).toBe(201);
  return String(sent.json.id);
}

describe("secrets", () => {
  it("never shows QuickBooks tokens, the client secret, password hashes or keys in logs or API responses", async () => {
    await remember();
    // The capture is the product's own logger: a line written through it must show up.
    p.ctx.log.info({ check: "capture" }, "log capture works");
    expect(p.logs.some((l) => l.includes("log capture works"))).toBe(true);
    expect(leaks(p.logs, [...secrets])).toEqual([]);
    expect(leaks(p.responses, [...secrets])).toEqual([]);
  });
});
