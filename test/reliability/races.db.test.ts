/**
 * Races through the HTTP API: many people acting on one submission or one budget at the same moment. Each race
 * has one consistent outcome; every loser gets 409 (never 500, never a second winner).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createWorld, type World } from "../security/world.js";

let w: World;

beforeAll(async () => {
  w = await createWorld();
});
afterAll(async () => w.close());

type Req = { method: string; url: string; auth: Record<string, string>; body?: unknown };

async function all(reqs: Req[]) {
  const res = await Promise.all(
    reqs.map((r) =>
      w.t.app.inject({
        method: r.method as "POST",
        url: r.url,
        headers: r.auth,
        ...(r.body !== undefined ? { payload: r.body as Record<string, unknown> } : {}),
      }),
    ),
  );
  return res.map((r, i) => ({ req: reqs[i]!, status: r.statusCode, json: safeJson(r.body) }));
}

function safeJson(text: string): Record<string, unknown> {
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch {
    return {};
  }
}

async function jobsFor(submissionId: string) {
  const r = await w.t.ctx.pool.query<{ n: string }>(
    "select count(*)::text as n from graphile_worker._private_jobs where payload->>'submissionId' = $1",
    [submissionId],
  );
  return Number(r.rows[0]!.n);
}

async function auditCount(entityId: string) {
  const r = await w.t.ctx.db
    .selectFrom("audit_events")
    .select((eb) => eb.fn.countAll<string>().as("n"))
    .where("entity_id", "=", entityId)
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

const erp = (w: World, submissionId: string, action: string) =>
  `/api/v1/companies/${w.companies.acme}/erp/budget-submissions/${submissionId}/${action}`;
const budgetUrl = (w: World, projectId: string) =>
  `/api/v1/companies/${w.companies.acme}/projects/${projectId}/budget`;

describe("races on one submission", () => {
  it("accept, reject and retrieve at once: exactly one wins, the rest get 409, the effects match the winner", async () => {
    for (let round = 0; round < 3; round++) {
      const fx = await w.budget("acme", "awaiting");
      const approver = w.users["approver@acme.test"].auth;
      const pm = w.users["pm@acme.test"].auth;
      const sid = fx.submissionId!;
      const reqs: Req[] = [];
      for (let i = 0; i < 6; i++) {
        reqs.push({ method: "POST", url: erp(w, sid, "accept"), auth: approver });
        reqs.push({
          method: "POST",
          url: erp(w, sid, "reject"),
          auth: approver,
          body: { reason: `no ${i}` },
        });
        reqs.push({ method: "POST", url: `${budgetUrl(w, fx.projectId)}/retrieve-from-erp`, auth: pm });
      }
      const res = await all(reqs.sort(() => Math.random() - 0.5));
      const winners = res.filter((r) => r.status < 300);
      const losers = res.filter((r) => r.status >= 300);
      expect(winners, JSON.stringify(res.map((r) => r.status))).toHaveLength(1);
      expect(new Set(losers.map((r) => r.status))).toEqual(new Set([409]));

      const row = await w.t.ctx.db
        .selectFrom("submissions")
        .select(["status", "reason"])
        .where("id", "=", sid)
        .executeTakeFirstOrThrow();
      const won = winners[0]!.req.url;
      const expected = won.endsWith("/accept")
        ? "exporting"
        : won.endsWith("/reject")
          ? "rejected"
          : "retrieved";
      expect(row.status).toBe(expected);
      expect(await jobsFor(sid)).toBe(expected === "exporting" ? 1 : 0);
      // sent + exactly one decision
      expect(await auditCount(sid)).toBe(2);
    }
  });

  it("many retries of one failed export: one new attempt, one job, the rest 409", async () => {
    const fx = await w.budget("acme", "failed");
    const sid = fx.submissionId!;
    const before = await w.t.ctx.db
      .selectFrom("export_attempts")
      .select("attempt")
      .where("submission_id", "=", sid)
      .execute();
    await w.t.ctx.pool.query(
      "delete from graphile_worker._private_jobs where payload->>'submissionId' = $1",
      [sid],
    );
    const approver = w.users["approver@acme.test"].auth;
    const res = await all(
      Array.from({ length: 12 }, () => ({ method: "POST", url: erp(w, sid, "retry"), auth: approver })),
    );
    expect(res.filter((r) => r.status === 202)).toHaveLength(1);
    expect(res.filter((r) => r.status === 409)).toHaveLength(11);
    const after = await w.t.ctx.db
      .selectFrom("export_attempts")
      .select("attempt")
      .where("submission_id", "=", sid)
      .execute();
    expect(after.length).toBe(before.length + 1);
    expect(await jobsFor(sid)).toBe(1);
  });

  it("the Export button pressed twice at once: each submission decided once", async () => {
    const a = await w.budget("acme", "awaiting");
    const b = await w.budget("acme", "awaiting");
    const approver = w.users["approver@acme.test"].auth;
    const url = `/api/v1/companies/${w.companies.acme}/erp/budget-submissions/decisions`;
    const body = {
      decisions: [
        { submissionId: a.submissionId, action: "accept" },
        { submissionId: b.submissionId, action: "reject", reason: "Not this one" },
      ],
    };
    const res = await all(Array.from({ length: 5 }, () => ({ method: "POST", url, auth: approver, body })));
    expect(res.every((r) => r.status === 200)).toBe(true);
    const results = res.flatMap(
      (r) => r.json.results as { submissionId: string; ok: boolean; error?: { code: string } }[],
    );
    for (const sid of [a.submissionId, b.submissionId]) {
      const mine = results.filter((x) => x.submissionId === sid);
      expect(mine.filter((x) => x.ok)).toHaveLength(1);
      expect(mine.filter((x) => !x.ok).every((x) => x.error?.code)).toBe(true);
    }
    expect(await jobsFor(a.submissionId!)).toBe(1);
  });
});

describe("races on one budget", () => {
  it("concurrent sends: one submission, the other sends get 409", async () => {
    const fx = await w.budget("acme", "locked");
    const pm = w.users["pm@acme.test"].auth;
    const admin = w.users["admin@acme.test"].auth;
    const res = await all(
      Array.from({ length: 10 }, (_, i) => ({
        method: "POST",
        url: `${budgetUrl(w, fx.projectId)}/send-to-erp`,
        auth: i % 2 ? pm : admin,
      })),
    );
    expect(res.filter((r) => r.status === 201)).toHaveLength(1);
    expect(res.filter((r) => r.status === 409)).toHaveLength(9);
    const subs = await w.t.ctx.db
      .selectFrom("submissions")
      .select("id")
      .where("project_id", "=", fx.projectId)
      .execute();
    expect(subs).toHaveLength(1);
  });

  it("budget edits racing a send: the snapshot is exactly the budget as it was frozen; late edits get 409", async () => {
    for (let round = 0; round < 3; round++) {
      const fx = await w.budget("acme", "locked");
      const pm = w.users["pm@acme.test"].auth;
      const base = budgetUrl(w, fx.projectId);
      const codes = await w.t.ctx.db
        .selectFrom("cost_codes")
        .select("code")
        .where("company_id", "=", w.companies.acme)
        .orderBy("code")
        .execute();
      const edits: Req[] = codes.slice(1, 6).map((c) => ({
        method: "POST",
        url: `${base}/lines`,
        auth: pm,
        body: { costCode: c.code, category: "S", originalBudget: "0.00" },
      }));
      edits.push({
        method: "POST",
        url: `${base}/changes`,
        auth: pm,
        body: { description: "race", adjustments: [{ lineId: fx.lineId, amount: "25.00" }] },
      });
      const send: Req = { method: "POST", url: `${base}/send-to-erp`, auth: pm };
      const reqs = [...edits];
      reqs.splice(Math.floor(Math.random() * reqs.length), 0, send);
      const res = await all(reqs);
      const sendRes = res.find((r) => r.req === send)!;
      expect([201, 409]).toContain(sendRes.status);
      for (const r of res) expect([201, 409], `${r.req.url} → ${r.status}`).toContain(r.status);

      const lines = await w.t.ctx.db
        .selectFrom("budget_lines")
        .innerJoin("budgets", "budgets.id", "budget_lines.budget_id")
        .select(["budget_lines.id", "budget_lines.original_minor"])
        .where("budgets.project_id", "=", fx.projectId)
        .execute();
      if (sendRes.status === 201) {
        const snap = await w.t.ctx.db
          .selectFrom("submission_lines")
          .select(["line_id", "original_minor"])
          .where("submission_id", "=", String(sendRes.json.id))
          .execute();
        // Whatever landed before the send is in the snapshot; nothing landed after it.
        expect(new Set(snap.map((l) => l.line_id))).toEqual(new Set(lines.map((l) => l.id)));
        const landed = res.filter((r) => r.req !== send && r.status === 201 && r.req.url.endsWith("/lines"));
        expect(landed.length).toBe(lines.length - 1);
      }
    }
  });
});
