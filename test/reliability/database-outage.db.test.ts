/**
 * PostgreSQL goes away in the middle of work and comes back. Requests during the outage fail cleanly with 503;
 * the worker survives, and every accepted submission (including one whose export was running when the database
 * stopped) is exported exactly once afterwards. Runs on a PostgreSQL server of its own, never the shared one.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createQboService } from "../../src/app/erp/qbo-service.js";
import { type EmbeddedCluster, startEmbeddedCluster } from "../../src/db/embedded-postgres.js";
import { migrate } from "../../src/db/migrator.js";
import {
  accept,
  estimatesOf,
  newTenant,
  type Product,
  sentBudget,
  settled,
  startProduct,
  type Tenant,
} from "./harness.js";

let dir: string;
let cluster: EmbeddedCluster;
let p: Product;
let t: Tenant;

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), "cb-outage-"));
  cluster = await startEmbeddedCluster(dir);
  await migrate(cluster.databaseUrl);
  p = await startProduct({ databaseUrl: cluster.databaseUrl });
  // Liveness checks every half second with a 3 s dead-after window (production: 5 s and 20 s).
  await p.startWorker({ timeoutMs: 10_000, heartbeatMs: 500, deadAfterMs: 3_000 });
  t = await newTenant(p, "Outage Co");
}, 120_000);

afterAll(async () => {
  await p?.close().catch(() => {});
  await cluster?.stop().catch(() => {});
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("a PostgreSQL outage during work", () => {
  it("answers 503 while it lasts, resumes after, and loses nothing", { timeout: 150_000 }, async () => {
    const before = await sentBudget(p, t);
    await accept(p, t, before.submissionId);
    expect((await settled(p, t, before.submissionId)).status).toBe("exported");

    // One export will be in the middle of its QuickBooks call when the database stops; one waits to be accepted.
    const inFlight = await sentBudget(p, t);
    const waiting = await sentBudget(p, t);
    await p.control("POST", "/faults", {
      method: "POST",
      path: `/v3/company/${t.realmId}/estimate`,
      mode: "delay",
      delayMs: 1_500,
      count: 1,
    });
    await accept(p, t, inFlight.submissionId);
    for (let i = 0; ; i++) {
      const calls = (await p.control(
        "GET",
        `/requests?path=${encodeURIComponent(`/v3/company/${t.realmId}/`)}`,
      )) as {
        items: unknown[];
      };
      // The export has started talking to QuickBooks once its first calls show up.
      if (calls.items.length > 12) break;
      if (i > 100) throw new Error("the export did not start");
      await new Promise((r) => setTimeout(r, 50));
    }
    await cluster.stop();

    const me = await p.call("GET", "/api/v1/me", { auth: t.auth });
    expect(me.status).toBe(503);
    expect(me.json).toEqual({ error: { code: "database_unavailable", message: expect.any(String) } });
    const decide = await p.call(
      "POST",
      `/api/v1/companies/${t.companyId}/erp/budget-submissions/${waiting.submissionId}/accept`,
      { auth: t.auth },
    );
    expect(decide.status).toBe(503);
    expect((await p.app.inject({ url: "/healthz" })).statusCode).toBe(503);
    // Ten seconds, as an operator's restart takes: the in-flight export finishes its QuickBooks call and cannot
    // record it, the queue's runner gives up, and its completion retries run out of patience.
    await new Promise((r) => setTimeout(r, 10_000));
    // A worker that cannot reach the database cannot take jobs: it says so.
    const during = p.workers[0]!.health();
    expect(during.ok).toBe(false);
    expect(during.databaseReachable).toBe(false);

    cluster = await startEmbeddedCluster(dir);
    for (let i = 0; ; i++) {
      const res = await p.call("GET", "/api/v1/me", { auth: t.auth });
      if (res.status === 200) break;
      if (i > 100) throw new Error(`still ${res.status} after the restart`);
      await new Promise((r) => setTimeout(r, 100));
    }
    // The refused decision left nothing behind: the submission still waits for acceptance.
    const still = await p.call(
      "GET",
      `/api/v1/companies/${t.companyId}/erp/budget-submissions/${waiting.submissionId}`,
      { auth: t.auth },
    );
    expect(still.json.status).toBe("ready_to_export");
    await accept(p, t, waiting.submissionId);

    for (const b of [inFlight, waiting]) {
      const s = await settled(p, t, b.submissionId, { timeoutMs: 45_000 });
      expect(s.status, JSON.stringify(s.export)).toBe("exported");
      const { estimates } = await estimatesOf(p, t, b.name);
      expect(estimates).toHaveLength(1);
    }
    expect(p.workers.every((w) => w.isRunning())).toBe(true);
    // The same worker took the job accepted after the outage (it is the only one): it listens and polls again,
    // and says it is healthy without a restart of its process.
    for (let i = 0; !p.workers[0]!.health().ok; i++) {
      if (i > 100) throw new Error(`worker still unhealthy: ${JSON.stringify(p.workers[0]!.health())}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  });

  it("keeps a refresh token QuickBooks issued while the database was away, and stores it when it is back", {
    timeout: 90_000,
  }, async () => {
    // Two processes' token managers: A refreshes, B needs a token at the same time and must wait for A.
    const a = p.qbo;
    const b = createQboService(p.ctx.config, p.database.db);
    const pending: string[] = [];
    const first = await a.vault.read(t.companyId);
    expect(first).not.toBeNull();
    // The access token is about to expire, so the next call refreshes it; Intuit takes 1.5 s to answer.
    await p.ctx.db
      .updateTable("erp_connections")
      .set({ access_token_expires_at: new Date(Date.now() - 1_000) })
      .where("company_id", "=", t.companyId)
      .execute();
    await p.control("POST", "/faults", {
      method: "POST",
      path: "/oauth2/v1/tokens/bearer",
      mode: "delay",
      delayMs: 1_500,
      count: 1,
    });
    const original = (a.tokens as unknown as { options: { onPending?: (id: string) => void } }).options;
    original.onPending = (id) => pending.push(id);
    const refreshing = a.tokens.getAccessToken(t.companyId);
    await new Promise((r) => setTimeout(r, 300));
    // B finds A's lease and waits for A's pair instead of spending the same refresh token.
    const waiting = b.tokens.getAccessToken(t.companyId).then(
      (token) => ({ token }),
      (err: Error) => ({ err }),
    );
    await cluster.stop();
    // Intuit answers while the database is down: the new pair cannot be stored, and A keeps it.
    const fresh = await refreshing;
    expect(fresh).not.toBe(first!.accessToken);
    expect(pending).toContain(t.companyId);
    expect(a.tokens.pendingConnections()).toEqual([t.companyId]);
    await new Promise((r) => setTimeout(r, 2_000));
    cluster = await startEmbeddedCluster(dir);

    // Stored as soon as the database is back, without anyone asking.
    for (let i = 0; a.tokens.pendingConnections().length > 0; i++) {
      if (i > 200) throw new Error("the refreshed tokens were never stored");
      await new Promise((r) => setTimeout(r, 100));
    }
    const stored = await b.vault.read(t.companyId);
    expect(stored?.accessToken).toBe(fresh);
    const outcome = await waiting;
    if ("token" in outcome) expect(outcome.token).toBe(fresh);
    // B's next token is A's: one refresh for both; and the stored refresh token is live at QuickBooks.
    expect(await b.tokens.getAccessToken(t.companyId)).toBe(fresh);
    await p.ctx.db
      .updateTable("erp_connections")
      .set({ access_token_expires_at: new Date(Date.now() - 1_000) })
      .where("company_id", "=", t.companyId)
      .execute();
    const again = await b.tokens.getAccessToken(t.companyId);
    expect(again).not.toBe(fresh);
    const conn = await p.ctx.db
      .selectFrom("erp_connections")
      .select(["status", "token_lease_owner"])
      .where("company_id", "=", t.companyId)
      .executeTakeFirstOrThrow();
    expect(conn).toEqual({ status: "connected", token_lease_owner: null });
    const client = await b.clientFor(t.companyId);
    expect(await client.query("SELECT * FROM Customer MAXRESULTS 1")).toBeInstanceOf(Array);
  });
});
