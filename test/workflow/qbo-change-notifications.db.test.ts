/**
 * QuickBooks Online tells Costbridge what changed: the emulator posts signed webhooks to the running product over
 * HTTP, and change data capture covers a company whose webhooks are off. An estimate edited in QuickBooks on what
 * Costbridge owns shows as changed on the budget and in ERP Integrations within seconds; other edits do not; a
 * forged or repeated delivery changes nothing.
 */
import { createHmac } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runChangeCapture } from "../../src/app/erp/qbo-changes.js";
import { createExportWorld, type ExportWorld, eventually } from "../support/worker.js";
import {
  budgetUrl,
  buildLockedBudget,
  erpUrl,
  expectError,
  http,
  makeProject,
  makeWorkflowCompany,
  type Obj,
  sendBudget,
} from "./fixture.js";

const VERIFIER = "test-verifier-token-0123456789abcdef";

let w: ExportWorld;
let api: ReturnType<typeof http>;
let realmId: string;
let hookUrl: string;

beforeAll(async () => {
  w = await createExportWorld({ env: { QUICKBOOKS_WEBHOOK_VERIFIER_TOKEN: VERIFIER } });
  api = http(w);
  realmId = w.qbo.emulator.defaultRealmId;
  await w.app.listen({ port: 0, host: "127.0.0.1" });
  const address = w.app.server.address() as { port: number };
  hookUrl = `http://127.0.0.1:${address.port}/webhooks/quickbooks`;
  w.qbo.emulator.configureWebhooks({ url: hookUrl, verifierToken: VERIFIER, batchDelayMs: 100 });
}, 60_000);
afterAll(async () => {
  await w?.close();
});

type Company = Awaited<ReturnType<typeof makeWorkflowCompany>>;

async function control(method: string, path: string, body?: unknown) {
  const res = await w.control(method, path, body);
  const text = await res.text();
  expect(res.status, text).toBeLessThan(300);
  return (text ? JSON.parse(text) : {}) as Obj;
}

/** A company connected to the emulator with one exported budget; returns the estimate QuickBooks holds. */
async function exported(name: string, projectName: string) {
  const co = await makeWorkflowCompany(w.ctx, name);
  await w.connectQuickBooksOnline(co.companyId);
  const p = await makeProject(w.ctx, co.companyId, { name: projectName });
  await buildLockedBudget(w, co.pm, co.companyId, p.id, [
    ["03-300", "L", "1000.00"],
    ["26-100", "S", "250.00"],
  ]);
  const submissionId = await sendBudget(w, co.pm, co.companyId, p.id);
  const accepted = await api.post(`${erpUrl(co.companyId)}/${submissionId}/accept`, co.approver);
  expect(accepted.status, JSON.stringify(accepted.body)).toBe(202);
  await eventually(
    async () => {
      const r = await api.get(`${erpUrl(co.companyId)}/${submissionId}`, co.approver);
      return r.body.status === "exported" ? true : undefined;
    },
    { what: "the export" },
  );
  const row = await w.ctx.db
    .selectFrom("erp_estimates")
    .selectAll()
    .where("company_id", "=", co.companyId)
    .where("project_id", "=", p.id)
    .executeTakeFirstOrThrow();
  // Our own write comes back as a notification too; it must not count as a change, and is recognised from what
  // the write returned: no metered read.
  const readsBefore = (await control("GET", `calls/${realmId}`)).reads as number;
  await settle();
  expect((await control("GET", `calls/${realmId}`)).reads).toBe(readsBefore);
  expect(await budgetFlag(co, p.id)).toBeNull();
  await nextQuickBooksSecond();
  return { co, projectId: p.id, submissionId, estimateId: row.estimate_id };
}

/**
 * QuickBooks stamps changes to the second, and a notice carries no SyncToken: an edit in the same second as
 * Costbridge's own write reads as that write (the export's stale-object check still catches it before any
 * overwrite). A bookkeeper's edit comes later; the tests wait for the next second to act as one.
 */
async function nextQuickBooksSecond() {
  const second = Math.floor(Date.now() / 1000);
  while (Math.floor(Date.now() / 1000) === second) await new Promise((r) => setTimeout(r, 20));
}

/** Waits until the emulator has delivered everything and the product has processed every delivery. */
async function settle() {
  await control("POST", "webhooks/flush");
  await eventually(
    async () => {
      const open = await w.ctx.db
        .selectFrom("qbo_webhook_deliveries")
        .select((eb) => eb.fn.countAll<string>().as("n"))
        .where("processed_at", "is", null)
        .executeTakeFirstOrThrow();
      return Number(open.n) === 0 ? true : undefined;
    },
    { what: "webhook deliveries to be processed" },
  );
}

async function budgetFlag(co: Company, projectId: string) {
  const r = await api.get(budgetUrl(co.companyId, projectId), co.pm);
  expect(r.status).toBe(200);
  return r.body.changedInQuickBooks as { at: string } | null;
}

async function estimate(id: string): Promise<Obj> {
  const state = await control("GET", "state");
  return (state.realms[realmId].Estimate as Obj[]).find((e) => e.Id === id) as Obj;
}

/** The bookkeeper changes the amount of the first line in QuickBooks (a field Costbridge owns). */
async function editAmount(estimateId: string, amount: number) {
  const est = await estimate(estimateId);
  const lines = (est.Line as Obj[])
    .filter((l) => l.DetailType === "SalesItemLineDetail")
    .map((l, i) =>
      i === 0
        ? {
            ...l,
            Amount: amount,
            SalesItemLineDetail: { ...l.SalesItemLineDetail, Qty: 1, UnitPrice: amount },
          }
        : l,
    );
  await control("POST", `edit/${realmId}/Estimate/${estimateId}`, { Line: lines });
}

function sign(body: string, token = VERIFIER) {
  return createHmac("sha256", token).update(body).digest("base64");
}

async function postHook(body: string, signature?: string) {
  return fetch(hookUrl, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      ...(signature === undefined ? {} : { "intuit-signature": signature }),
    },
    body,
  });
}

async function deliveryCount() {
  const r = await w.ctx.db
    .selectFrom("qbo_webhook_deliveries")
    .select((eb) => eb.fn.countAll<string>().as("n"))
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

describe("webhooks", () => {
  it("an edit in QuickBooks to what Costbridge owns marks the budget changed in QuickBooks within seconds", async () => {
    const { co, projectId, submissionId, estimateId } = await exported("Pier Builders", "Pier Nine Offices");
    expect(await budgetFlag(co, projectId)).toBeNull();

    const started = Date.now();
    await editAmount(estimateId, 1234.5);
    const flag = await eventually(async () => (await budgetFlag(co, projectId)) ?? undefined, {
      timeoutMs: 5_000,
      intervalMs: 100,
      what: "the budget to read changed in QuickBooks",
    });
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(Number.isNaN(Date.parse(flag.at))).toBe(false);

    // ERP Integrations shows it on the exported submission, in the list and on the submission.
    const list = await api.get(`${erpUrl(co.companyId)}?status=exported`, co.approver);
    const item = (list.body.items as Obj[]).find((i) => i.id === submissionId);
    expect(item?.changedInQuickBooksAt).toBe(flag.at);
    const one = await api.get(`${erpUrl(co.companyId)}/${submissionId}`, co.approver);
    expect(one.body.export.changedInQuickBooksAt).toBe(flag.at);

    // The Connection tab says webhooks are configured and when the last one arrived.
    const conn = await api.get(`/api/v1/companies/${co.companyId}/erp/connection`, co.approver);
    expect(conn.body.details.changeNotifications.webhooksConfigured).toBe(true);
    expect(conn.body.details.changeNotifications.lastWebhookAt).not.toBeNull();
  });

  it("an edit to anything else (memo, dates, address) does not", async () => {
    const { co, projectId, estimateId } = await exported("Dock Builders", "Dock Street Lofts");
    await control("POST", `edit/${realmId}/Estimate/${estimateId}`, {
      PrivateNote: "Called the owner about this one.",
      ExpirationDate: "2027-06-30",
      BillAddr: { Line1: "1 Dock Street" },
    });
    await settle();
    const seen = await w.ctx.db
      .selectFrom("qbo_entity_changes")
      .selectAll()
      .where("realm_id", "=", realmId)
      .where("entity", "=", "Estimate")
      .where("entity_id", "=", estimateId)
      .executeTakeFirstOrThrow();
    expect(seen.operation).toBe("Update");
    expect(await budgetFlag(co, projectId)).toBeNull();
  });

  it("a forged, unsigned or differently signed delivery is refused with 401 and changes nothing", async () => {
    const { co, projectId, estimateId } = await exported("Quay Builders", "Quay Side Hall");
    const body = JSON.stringify({
      eventNotifications: [
        {
          realmId,
          dataChangeEvent: {
            entities: [
              {
                name: "Estimate",
                id: estimateId,
                operation: "Delete",
                lastUpdated: new Date().toISOString(),
              },
            ],
          },
        },
      ],
    });
    const before = await deliveryCount();
    for (const signature of [undefined, "", sign(body, "not-the-verifier-token-at-all"), sign(`${body} `)]) {
      const res = await postHook(body, signature);
      expect(res.status).toBe(401);
      expectError({ status: res.status, body: await res.json() } as never, 401, "unauthenticated");
    }
    expect(await deliveryCount()).toBe(before);
    expect(await budgetFlag(co, projectId)).toBeNull();
    expect(await estimate(estimateId)).toBeTruthy();
  });

  it("a delivery repeated, or one about an older change arriving late, changes nothing", async () => {
    const { co, projectId, estimateId } = await exported("Mill Builders", "Mill Race Court");
    await editAmount(estimateId, 777);
    await settle();
    const flagged = await budgetFlag(co, projectId);
    expect(flagged).not.toBeNull();
    const hooks = await control("GET", "webhooks");
    const last = (hooks.deliveries as Obj[]).at(-1) as Obj;

    // The same delivery again: accepted (200, as Intuit expects), stored once, processed once.
    const count = await deliveryCount();
    const again = await postHook(last.body, last.signature);
    expect(again.status).toBe(200);
    expect(await deliveryCount()).toBe(count);

    // An export rewrites the estimate (the mark goes); then a late notification of the earlier edit arrives: it is
    // older than what was taken in, so the budget stays unmarked.
    await w.ctx.db
      .updateTable("erp_estimates")
      .set({ version: "re-exported" })
      .where("company_id", "=", co.companyId)
      .where("project_id", "=", projectId)
      .execute();
    expect(await budgetFlag(co, projectId)).toBeNull();
    const stale = JSON.stringify({
      eventNotifications: [
        {
          realmId,
          dataChangeEvent: {
            entities: [
              {
                name: "Estimate",
                id: estimateId,
                operation: "Update",
                lastUpdated: new Date(Date.now() - 3600_000).toISOString(),
              },
            ],
          },
        },
      ],
    });
    const late = await postHook(stale, sign(stale));
    expect(late.status).toBe(200);
    await settle();
    expect(await budgetFlag(co, projectId)).toBeNull();
  });

  it("refuses a body that is not a change notification, and a body over the size limit", async () => {
    const junk = JSON.stringify({ hello: "world" });
    const res = await postHook(junk, sign(junk));
    expect(res.status).toBe(400);
    const big = JSON.stringify({ eventNotifications: [], pad: "x".repeat(300 * 1024) });
    const tooBig = await postHook(big, sign(big));
    expect(tooBig.status).toBe(413);
  });
});

describe("change data capture", () => {
  it("with webhooks off, one call per company takes in an owned-field edit and marks the budget", async () => {
    w.qbo.emulator.configureWebhooks({ url: null });
    try {
      const { co, projectId, estimateId } = await exported("Forge Builders", "Forge Lane Depot");
      // Earlier exports' changes are taken in first, so the edit below is the only news.
      await runChangeCapture(w.ctx, { force: true, companyId: co.companyId });
      await control("DELETE", "requests");
      await editAmount(estimateId, 4321);
      expect(await budgetFlag(co, projectId)).toBeNull();
      const calls = await runChangeCapture(w.ctx, { force: true, companyId: co.companyId });
      expect(calls).toBe(1);
      expect(await budgetFlag(co, projectId)).not.toBeNull();
      const requests = (await control("GET", "requests")).items as Obj[];
      expect(requests.map((r) => r.path)).toEqual([`/v3/company/${realmId}/cdc`]);

      // A non-owned edit, then another call: nothing new is marked (the mark above stays as it was).
      const { co: co2, projectId: p2, estimateId: e2 } = await exported("Anvil Builders", "Anvil Yard");
      await runChangeCapture(w.ctx, { force: true, companyId: co2.companyId });
      await control("POST", `edit/${realmId}/Estimate/${e2}`, { CustomerMemo: { value: "Thanks!" } });
      await runChangeCapture(w.ctx, { force: true, companyId: co2.companyId });
      expect(await budgetFlag(co2, p2)).toBeNull();
      const sync = await w.ctx.db
        .selectFrom("qbo_realm_sync")
        .selectAll()
        .where("realm_id", "=", realmId)
        .executeTakeFirstOrThrow();
      expect(sync.cdc_changed_since).not.toBeNull();
      expect(sync.last_cdc_error).toBeNull();
    } finally {
      w.qbo.emulator.configureWebhooks({ url: hookUrl });
    }
  });

  it("with webhooks configured and arriving, the schedule makes no call", async () => {
    const co = await makeWorkflowCompany(w.ctx, "Quiet Builders");
    await w.connectQuickBooksOnline(co.companyId);
    await w.ctx.db
      .insertInto("qbo_realm_sync")
      .values({ realm_id: realmId, last_webhook_at: new Date(), last_cdc_at: new Date() })
      .onConflict((oc) =>
        oc.column("realm_id").doUpdateSet({ last_webhook_at: new Date(), last_cdc_at: new Date() }),
      )
      .execute();
    expect(await runChangeCapture(w.ctx, { companyId: co.companyId })).toBe(0);
  });
});
