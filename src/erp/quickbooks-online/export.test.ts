import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  SEED_PARENT_CUSTOMER,
  type StartedQboEmulator,
  startQboEmulator,
} from "../../../emulators/quickbooks-online/index.js";
import type { EstimateExportRequest, ExportOutcome } from "../connector.js";
import { QboClient } from "./client.js";
import { resolveQboEndpoints } from "./endpoints.js";
import { exportEstimate } from "./export.js";
import { createQboConnector } from "./index.js";
import { parseMarker } from "./mapping.js";
import { InProcessRateGate } from "./rate-gate.js";
import { InMemoryReferenceCache } from "./reference-cache.js";
import { InMemoryTokenVault, QboOAuthClient, QboTokenManager } from "./tokens.js";

const REDIRECT_URI = "http://127.0.0.1:9/oauth/quickbooks/callback";
const CONNECTION = "company-1";

type Obj = Record<string, unknown>;

let emu: StartedQboEmulator;

beforeEach(async () => {
  // Generous limits keep the suite fast; the throttling test lowers them on purpose.
  emu = await startQboEmulator({ port: 0, limits: { perSecond: 1000, perMinute: 100_000, concurrent: 50 } });
});
afterEach(async () => {
  await emu.close();
});

async function control(method: string, path: string, body?: unknown): Promise<Obj> {
  const res = await fetch(`${emu.url}/__emulator${path}`, {
    method,
    headers: body === undefined ? {} : { "content-type": "application/json" },
    body: body === undefined ? null : JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`control ${method} ${path} → ${res.status} ${await res.text()}`);
  return res.status === 204 ? {} : ((await res.json()) as Obj);
}

/** Connects through the real authorization-code leg, as an admin clicking "Connect to QuickBooks" would. */
async function connect(options: { timeoutMs?: number; throttleBackoffMs?: number } = {}) {
  const endpoints = resolveQboEndpoints(emu.url);
  const oauth = new QboOAuthClient({
    endpoints,
    clientId: "demo-client-id",
    clientSecret: "demo-client-secret",
  });
  const consent = await fetch(oauth.buildAuthorizeUrl({ redirectUri: REDIRECT_URI, state: "csrf-1" }), {
    redirect: "manual",
  });
  const callback = new URL(consent.headers.get("location")!);
  expect(callback.searchParams.get("state")).toBe("csrf-1");
  const realmId = callback.searchParams.get("realmId")!;
  const grant = await oauth.exchangeAuthorizationCode(callback.searchParams.get("code")!, REDIRECT_URI);
  const vault = new InMemoryTokenVault();
  vault.set(CONNECTION, { ...grant, realmId });
  const tokens = new QboTokenManager({ vault, oauth });
  const makeClient = (
    gate = new InProcessRateGate({ perSecond: 1000, perMinute: 100_000, concurrent: 10 }),
  ) =>
    new QboClient({
      endpoints,
      realmId,
      tokens: tokens.forConnection(CONNECTION),
      rateGate: gate,
      timeoutMs: options.timeoutMs ?? 5_000,
      throttleBackoffMs: options.throttleBackoffMs ?? 60_000,
    });
  const client = makeClient();
  const run = (req: EstimateExportRequest, c: QboClient = client) =>
    exportEstimate(req, { client: c, throttleBackoffMs: options.throttleBackoffMs ?? 60_000 });
  return { endpoints, oauth, vault, tokens, realmId, client, makeClient, run };
}

function request(over: Partial<EstimateExportRequest> = {}): EstimateExportRequest {
  return {
    companyId: "co-1",
    submissionId: "sub-1",
    attempt: 1,
    project: { number: "2024-017", name: "Harbor View Tower", parentCustomerName: SEED_PARENT_CUSTOMER },
    lines: [
      {
        costCode: "03-300",
        costCodeDescription: "Cast-in-place concrete",
        category: "L",
        categoryName: "Labor",
        revisedEstimate: 12_500_000n,
      },
      {
        costCode: "03-300",
        costCodeDescription: "Cast-in-place concrete",
        category: "M",
        categoryName: "Material",
        revisedEstimate: 8_000_010n,
      },
      {
        costCode: "26-100",
        costCodeDescription: "Electrical: rough-in",
        category: "S",
        categoryName: "Subcontract",
        revisedEstimate: 4_250_099n,
      },
    ],
    createMissingItems: true,
    estimateMode: "update_in_place",
    previous: null,
    overwriteChangedInErp: false,
    useClasses: false,
    ...over,
  };
}

interface Snapshot {
  Customer: Obj[];
  Item: Obj[];
  Estimate: Obj[];
  Class: Obj[];
}

async function snapshot(realmId: string): Promise<Snapshot> {
  const state = (await control("GET", "/state")) as { realms: Record<string, Snapshot> };
  return state.realms[realmId]!;
}

async function estimatesOfJob(realmId: string, jobName: string) {
  const s = await snapshot(realmId);
  const job = s.Customer.find((c) => c.DisplayName === jobName);
  if (!job) return [];
  return s.Estimate.filter((e) => (e.CustomerRef as Obj).value === job.Id && e.status !== "Deleted");
}

function amounts(estimate: Obj): string[] {
  return (estimate.Line as Obj[])
    .filter((l) => l.DetailType === "SalesItemLineDetail")
    .map((l) => Number(l.Amount).toFixed(2));
}

/** A bookkeeper changes the amount of one line of the estimate in QuickBooks (a change to what Costbridge owns). */
async function editLineAmount(realmId: string, estimateId: string, index: number, amount: number) {
  const est = (await snapshot(realmId)).Estimate.find((e) => e.Id === estimateId)!;
  const lines = (est.Line as Obj[])
    .filter((l) => l.DetailType === "SalesItemLineDetail")
    .map((l, i) => {
      const detail = { ...(l.SalesItemLineDetail as Obj) };
      if (i !== index) return l;
      detail.UnitPrice = amount;
      return { ...l, Amount: amount, SalesItemLineDetail: detail };
    });
  await control("POST", `/edit/${realmId}/estimate/${estimateId}`, { Line: lines });
}

function done(outcome: ExportOutcome) {
  if (outcome.kind !== "done") throw new Error(`expected done, got ${JSON.stringify(outcome)}`);
  return outcome;
}

async function requestLog(
  path: string,
): Promise<{ method: string; path: string; requestid?: string | null }[]> {
  const log = (await control("GET", `/requests?path=${encodeURIComponent(path)}`)) as {
    items: { method: string; path: string; requestid?: string | null }[];
  };
  return log.items;
}

describe("exporting a budget to QuickBooks Online", () => {
  it("creates the job, the missing item and one estimate whose lines and total match the budget", async () => {
    const qbo = await connect();
    const outcome = done(await qbo.run(request()));

    expect(outcome.createdJob).toBe(true);
    expect(outcome.createdItems).toEqual(["26-100 Electrical - rough-in"]);
    expect(Object.keys(outcome.itemRefs).sort()).toEqual(["03-300", "26-100"]);
    expect(outcome.erpRef.docNumber).toBe("CB-2024-017");

    const s = await snapshot(qbo.realmId);
    const job = s.Customer.find((c) => c.DisplayName === "Harbor View Tower")!;
    const parent = s.Customer.find((c) => c.DisplayName === SEED_PARENT_CUSTOMER)!;
    expect(job).toMatchObject({ Job: true, ParentRef: { value: parent.Id } });
    expect(outcome.erpRef.jobRef).toBe(job.Id);
    // The seeded concrete item is reused, not duplicated.
    expect(s.Item.filter((i) => String(i.Name).startsWith("03-300"))).toHaveLength(1);

    const estimates = await estimatesOfJob(qbo.realmId, "Harbor View Tower");
    expect(estimates).toHaveLength(1);
    const est = estimates[0]!;
    expect(est.Id).toBe(outcome.erpRef.estimateId);
    expect(amounts(est)).toEqual(["125000.00", "80000.10", "42500.99"]);
    expect(Number(est.TotalAmt).toFixed(2)).toBe("247501.09");
    expect(est).toMatchObject({ TxnStatus: "Pending", EmailStatus: "NotSet", DocNumber: "CB-2024-017" });
    expect(parseMarker(est.PrivateNote as string)).toEqual({
      projectNumber: "2024-017",
      submissionId: "sub-1",
    });
    expect(
      (est.Line as Obj[])
        .filter((l) => l.DetailType === "SalesItemLineDetail")
        .map((l) => ((l.SalesItemLineDetail as Obj).TaxCodeRef as Obj).value),
    ).toEqual(["NON", "NON", "NON"]);
  });

  it("puts categories in classes when asked and the company tracks classes per line", async () => {
    const qbo = await connect();
    await control("POST", `/edit/${qbo.realmId}/preferences/1`, {
      AccountingInfoPrefs: { ClassTrackingPerTxn: false, ClassTrackingPerTxnLine: true },
    });
    const outcome = done(await qbo.run(request({ useClasses: true })));
    const s = await snapshot(qbo.realmId);
    const est = s.Estimate.find((e) => e.Id === outcome.erpRef.estimateId)!;
    const classNames = (est.Line as Obj[])
      .filter((l) => l.DetailType === "SalesItemLineDetail")
      .map((l) => s.Class.find((c) => c.Id === ((l.SalesItemLineDetail as Obj).ClassRef as Obj).value)?.Name);
    expect(classNames).toEqual(["Labor", "Material", "Subcontract"]);
  });

  it("re-sends update the same estimate in place", async () => {
    const qbo = await connect();
    const first = done(await qbo.run(request()));
    const changed = request({
      submissionId: "sub-2",
      project: { number: "2024-017", name: "Harbor View Tower", existingJobRef: first.erpRef.jobRef },
      previous: first.erpRef,
    });
    changed.lines[0]!.revisedEstimate = 13_000_000n;
    const second = done(await qbo.run(changed));

    expect(second.erpRef.estimateId).toBe(first.erpRef.estimateId);
    expect(second.erpRef.version).not.toBe(first.erpRef.version);
    expect(second.createdJob).toBe(false);
    const estimates = await estimatesOfJob(qbo.realmId, "Harbor View Tower");
    expect(estimates).toHaveLength(1);
    expect(amounts(estimates[0]!)).toEqual(["130000.00", "80000.10", "42500.99"]);
    expect(parseMarker(estimates[0]!.PrivateNote as string)?.submissionId).toBe("sub-2");
  });

  it("adds a new estimate per submission when the company chose that mode", async () => {
    const qbo = await connect();
    const first = done(await qbo.run(request({ estimateMode: "new_estimate_per_submission" })));
    const second = done(
      await qbo.run(
        request({
          submissionId: "sub-2",
          estimateMode: "new_estimate_per_submission",
          previous: first.erpRef,
        }),
      ),
    );
    expect(second.erpRef.estimateId).not.toBe(first.erpRef.estimateId);
    expect(await estimatesOfJob(qbo.realmId, "Harbor View Tower")).toHaveLength(2);
  });

  it("refuses unmapped cost codes when creating missing items is off, naming them", async () => {
    const qbo = await connect();
    const outcome = await qbo.run(request({ createMissingItems: false }));
    expect(outcome).toMatchObject({ kind: "rejected", code: "cost_code_not_mapped" });
    expect(outcome.kind === "rejected" && outcome.message).toContain("03-300, 26-100");
    expect(await estimatesOfJob(qbo.realmId, "Harbor View Tower")).toHaveLength(0);
  });

  it("fails an export to an inactive job with a remedy naming the job", async () => {
    const qbo = await connect();
    const first = done(await qbo.run(request()));
    await control("POST", `/edit/${qbo.realmId}/customer/${first.erpRef.jobRef}`, { Active: false });
    const outcome = await qbo.run(
      request({
        submissionId: "sub-2",
        project: { number: "2024-017", name: "Harbor View Tower", existingJobRef: first.erpRef.jobRef },
        previous: first.erpRef,
      }),
    );
    expect(outcome).toMatchObject({ kind: "rejected", code: "job_inactive" });
    expect(outcome.kind === "rejected" && outcome.remedy).toMatch(/Harbor View Tower.*make the job active/);
  });

  it("fails with a remedy when estimates are turned off in QuickBooks", async () => {
    const qbo = await connect();
    await control("POST", `/edit/${qbo.realmId}/preferences/1`, {
      SalesFormsPrefs: { AllowEstimates: false },
    });
    const outcome = await qbo.run(request());
    expect(outcome).toMatchObject({ kind: "rejected", code: "estimates_disabled" });
    expect(outcome.kind === "rejected" && outcome.remedy).toContain("turn on estimates");
  });
});

describe("an estimate edited in QuickBooks between exports", () => {
  it("is not overwritten silently; the approver's retry overwrites it", async () => {
    const qbo = await connect();
    const first = done(await qbo.run(request()));
    await editLineAmount(qbo.realmId, first.erpRef.estimateId, 0, 120000);

    const resend = request({
      submissionId: "sub-2",
      project: { number: "2024-017", name: "Harbor View Tower", existingJobRef: first.erpRef.jobRef },
      previous: first.erpRef,
    });
    resend.lines[2]!.revisedEstimate = 5_000_000n;
    const refused = await qbo.run(resend);
    expect(refused).toMatchObject({ kind: "rejected", code: "changed_in_quickbooks" });
    expect(refused.kind === "rejected" && refused.remedy).toMatch(/Retry .* overwrite/);
    let [est] = await estimatesOfJob(qbo.realmId, "Harbor View Tower");
    expect(amounts(est!)).toEqual(["120000.00", "80000.10", "42500.99"]);

    const overwritten = done(await qbo.run({ ...resend, attempt: 2, overwriteChangedInErp: true }));
    const estimates = await estimatesOfJob(qbo.realmId, "Harbor View Tower");
    expect(estimates).toHaveLength(1);
    est = estimates[0];
    expect(est!.Id).toBe(first.erpRef.estimateId);
    expect(amounts(est!)).toEqual(["125000.00", "80000.10", "50000.00"]);
    expect(parseMarker(est!.PrivateNote as string)?.submissionId).toBe("sub-2");
    expect(overwritten.erpRef.version).toBe(est!.SyncToken);
  });

  it("treats an estimate deleted in QuickBooks as changed, and re-adds it on the approver's retry", async () => {
    const qbo = await connect();
    const first = done(await qbo.run(request()));
    await control("POST", `/delete/${qbo.realmId}/estimate/${first.erpRef.estimateId}`);
    const resend = request({ submissionId: "sub-2", previous: first.erpRef });
    expect(await qbo.run(resend)).toMatchObject({ kind: "rejected", code: "changed_in_quickbooks" });
    const again = done(await qbo.run({ ...resend, attempt: 2, overwriteChangedInErp: true }));
    expect(again.erpRef.estimateId).not.toBe(first.erpRef.estimateId);
    expect(await estimatesOfJob(qbo.realmId, "Harbor View Tower")).toHaveLength(1);
  });

  it("notices an edit that lands between its read and its write (5010) and does not overwrite it", async () => {
    const qbo = await connect();
    const first = done(await qbo.run(request()));
    // Hold the update long enough for a bookkeeper's edit to land first; QuickBooks then answers 5010.
    await control("POST", "/faults", {
      method: "POST",
      path: "/estimate",
      mode: "delay",
      delayMs: 300,
      count: 1,
    });
    const resend = request({ submissionId: "sub-2", previous: first.erpRef });
    resend.lines[0]!.revisedEstimate = 1n;
    const pending = qbo.run(resend);
    await new Promise((r) => setTimeout(r, 100));
    await editLineAmount(qbo.realmId, first.erpRef.estimateId, 1, 90000);
    expect(await pending).toMatchObject({ kind: "rejected", code: "changed_in_quickbooks" });
    const [est] = await estimatesOfJob(qbo.realmId, "Harbor View Tower");
    expect(amounts(est!)).toEqual(["125000.00", "90000.00", "42500.99"]);
    // The first export's create, then the one refused update: no blind second try over the bookkeeper's edit.
    const posts = (await requestLog("/estimate")).filter((r) => r.method === "POST") as { status?: number }[];
    expect(posts.map((r) => r.status)).toEqual([200, 400]);
  });

  it("re-reads and re-applies after a 5010 when nobody else changed the estimate", async () => {
    const qbo = await connect();
    const first = done(await qbo.run(request()));
    await control("POST", "/faults", {
      method: "POST",
      path: "/estimate",
      status: 400,
      count: 1,
      body: {
        Fault: {
          Error: [{ Message: "Stale Object Error", Detail: "Stale Object Error", code: "5010", element: "" }],
          type: "ValidationFault",
        },
      },
    });
    const resend = request({ submissionId: "sub-2", previous: first.erpRef });
    resend.lines[1]!.revisedEstimate = 0n;
    const second = done(await qbo.run(resend));
    expect(second.erpRef.estimateId).toBe(first.erpRef.estimateId);
    const estimates = await estimatesOfJob(qbo.realmId, "Harbor View Tower");
    expect(estimates).toHaveLength(1);
    expect(amounts(estimates[0]!)).toEqual(["125000.00", "0.00", "42500.99"]);
  });
});

describe("transient failures never duplicate", () => {
  it("a write committed but whose response was lost is found on the retry, not added again", async () => {
    const qbo = await connect();
    await control("POST", "/faults", {
      method: "POST",
      path: "/estimate",
      status: 502,
      mode: "commit_then_fail",
    });
    const lost = await qbo.run(request());
    expect(lost).toMatchObject({ kind: "retryable", code: "quickbooks_unavailable" });
    expect(await estimatesOfJob(qbo.realmId, "Harbor View Tower")).toHaveLength(1);

    const retried = done(await qbo.run(request()));
    const estimates = await estimatesOfJob(qbo.realmId, "Harbor View Tower");
    expect(estimates).toHaveLength(1);
    expect(retried.erpRef.estimateId).toBe(estimates[0]!.Id);
  });

  it("the same requestid replays instead of executing twice", async () => {
    const qbo = await connect();
    await control("POST", "/faults", {
      method: "POST",
      path: "/estimate",
      status: 500,
      mode: "commit_then_fail",
    });
    await qbo.run(request());
    // Hide the first estimate from the look-up so the retry has to send the create again: QuickBooks replays it.
    const [est] = await estimatesOfJob(qbo.realmId, "Harbor View Tower");
    await control("POST", `/edit/${qbo.realmId}/estimate/${est!.Id}`, { PrivateNote: "hidden" });
    await qbo.run(request());
    expect(await estimatesOfJob(qbo.realmId, "Harbor View Tower")).toHaveLength(1);
    const creates = (await requestLog("/estimate")) as {
      method: string;
      requestid?: string | null;
      replayed?: boolean;
    }[];
    const posts = creates.filter((r) => r.method === "POST");
    expect(posts).toHaveLength(2);
    expect(posts[0]!.requestid).toBeTruthy();
    expect(posts[1]!.requestid).toBe(posts[0]!.requestid);
    expect(posts[1]!.replayed).toBe(true);
  });

  it("a new attempt after a lost response updates what the earlier attempt wrote", async () => {
    const qbo = await connect();
    await control("POST", "/faults", {
      method: "POST",
      path: "/estimate",
      status: 504,
      mode: "commit_then_fail",
    });
    expect(await qbo.run(request())).toMatchObject({ kind: "retryable" });
    const second = done(await qbo.run(request({ attempt: 2 })));
    const estimates = await estimatesOfJob(qbo.realmId, "Harbor View Tower");
    expect(estimates).toHaveLength(1);
    expect(second.erpRef.estimateId).toBe(estimates[0]!.Id);
    expect(amounts(estimates[0]!)).toEqual(["125000.00", "80000.10", "42500.99"]);
  });

  it("5xx answers are retryable and the retry completes the export", async () => {
    const qbo = await connect();
    await control("POST", "/faults", { path: "/v3/company/", status: 503, count: 1 });
    expect(await qbo.run(request())).toMatchObject({ kind: "retryable", code: "quickbooks_unavailable" });
    done(await qbo.run(request()));
    expect(await estimatesOfJob(qbo.realmId, "Harbor View Tower")).toHaveLength(1);
  });

  it("a timeout is retryable, and the late write is not duplicated", async () => {
    const qbo = await connect({ timeoutMs: 200 });
    await control("POST", "/faults", {
      method: "POST",
      path: "/estimate",
      mode: "delay",
      delayMs: 600,
      count: 1,
    });
    expect(await qbo.run(request())).toMatchObject({ kind: "retryable", code: "quickbooks_timeout" });
    // The abandoned request still completes inside QuickBooks.
    await new Promise((r) => setTimeout(r, 700));
    done(await qbo.run(request()));
    expect(await estimatesOfJob(qbo.realmId, "Harbor View Tower")).toHaveLength(1);
  });

  it("a 429 burst backs off at least the configured time, then the export completes", async () => {
    const qbo = await connect({ throttleBackoffMs: 45_000 });
    await control("PUT", "/limits", { perMinute: 3 });
    const gate = new InProcessRateGate({ perSecond: 1000, perMinute: 100_000, concurrent: 10 });
    const throttled = await qbo.run(request(), qbo.makeClient(gate));
    expect(throttled).toMatchObject({ kind: "retryable", code: "quickbooks_throttled" });
    expect(throttled.kind === "retryable" && throttled.retryAfterMs).toBeGreaterThanOrEqual(45_000);

    await control("PUT", "/limits", { perMinute: 500 });
    done(await qbo.run(request()));
    expect(await estimatesOfJob(qbo.realmId, "Harbor View Tower")).toHaveLength(1);
  });
});

describe("tokens", () => {
  it("refreshes an expired access token once, stores the new pair, and repeats the call", async () => {
    const qbo = await connect();
    const before = (await qbo.vault.read(CONNECTION))!;
    await control("POST", "/tokens/expire", { realmId: qbo.realmId });
    done(await qbo.run(request()));
    const after = (await qbo.vault.read(CONNECTION))!;
    expect(after.accessToken).not.toBe(before.accessToken);
    const refreshes = (await requestLog("tokens/bearer")).filter((r) => r.method === "POST");
    // One for the authorization code, one refresh.
    expect(refreshes).toHaveLength(2);
  });

  it("two processes racing to refresh a rotating token end up with one refresh and a working token", async () => {
    const qbo = await connect();
    await control("PUT", "/tokens/policy", { rotation: "always" });
    await control("POST", "/tokens/expire", { realmId: qbo.realmId });
    const stale = (await qbo.vault.read(CONNECTION))!.accessToken;
    // Two managers over one vault: two processes sharing the database.
    const a = new QboTokenManager({ vault: qbo.vault, oauth: qbo.oauth });
    const b = new QboTokenManager({ vault: qbo.vault, oauth: qbo.oauth });
    const [ta, tb] = await Promise.all([
      a.refreshAccessToken(CONNECTION, stale),
      b.refreshAccessToken(CONNECTION, stale),
    ]);
    expect(ta).toBe(tb);
    expect(qbo.vault.reconnectNeeded.size).toBe(0);
    const refreshes = (await requestLog("tokens/bearer")).filter((r) => r.method === "POST");
    expect(refreshes).toHaveLength(2);
    done(await qbo.run(request()));
  });

  it("a refused refresh token pauses the export as reconnect-needed, without retrying", async () => {
    const qbo = await connect();
    await control("POST", "/tokens/revoke", { realmId: qbo.realmId });
    const outcome = await qbo.run(request());
    expect(outcome.kind).toBe("reconnect_needed");
    expect(qbo.vault.reconnectNeeded.has(CONNECTION)).toBe(true);
    const refreshes = (await requestLog("tokens/bearer")).filter((r) => r.method === "POST");
    expect(refreshes).toHaveLength(2);
    expect(await estimatesOfJob(qbo.realmId, "Harbor View Tower")).toHaveLength(0);
  });

  it("refreshes ahead of expiry without waiting for a 401", async () => {
    const qbo = await connect();
    const before = (await qbo.vault.read(CONNECTION))!;
    qbo.vault.set(CONNECTION, { ...before, accessTokenExpiresAt: new Date(Date.now() + 60_000) });
    done(await qbo.run(request()));
    expect((await qbo.vault.read(CONNECTION))!.accessToken).not.toBe(before.accessToken);
    const unauthorized = (await requestLog("/v3/company/")).filter(
      (r) => (r as { status?: number }).status === 401,
    );
    expect(unauthorized).toHaveLength(0);
  });
});

describe("the connector the export job calls", () => {
  it("exports for a connected company and asks for a reconnect for one that is not", async () => {
    const qbo = await connect();
    const connector = createQboConnector({
      endpoints: qbo.endpoints,
      tokens: qbo.tokens,
      rateGate: new InProcessRateGate({ perSecond: 1000, perMinute: 100_000, concurrent: 10 }),
      throttleBackoffSeconds: 60,
      connectionIdFor: (companyId) => (companyId === "co-1" ? CONNECTION : `none-${companyId}`),
    });
    expect(connector.kind).toBe("quickbooks_online");
    done(await connector.exportEstimate(request()));
    expect(await estimatesOfJob(qbo.realmId, "Harbor View Tower")).toHaveLength(1);
    expect(await connector.exportEstimate(request({ companyId: "co-2" }))).toMatchObject({
      kind: "reconnect_needed",
    });
  });
});

describe("a bookkeeper's edits in QuickBooks survive every re-send", () => {
  it("keeps address, expiration date, customer memo, Accepted status, e-mail, terms and their memo words", async () => {
    const qbo = await connect();
    const first = done(await qbo.run(request()));
    const id = first.erpRef.estimateId;
    const before = (await snapshot(qbo.realmId)).Estimate.find((e) => e.Id === id)!;
    const kept = {
      BillAddr: {
        Line1: "Harbor View Tower LLC",
        Line2: "9 Quay Street",
        City: "Portside",
        PostalCode: "90001",
      },
      ShipAddr: { Line1: "Site office, Pier 4", City: "Portside" },
      ExpirationDate: "2027-01-31",
      CustomerMemo: { value: "Valid for 60 days." },
      TxnStatus: "Accepted",
      AcceptedBy: "Dana Owner",
      AcceptedDate: "2026-12-01",
      BillEmail: { Address: "owner@harbor.example" },
      SalesTermRef: { value: "3" },
      CustomField: [{ DefinitionId: "1", Name: "Crew", Type: "StringType", StringValue: "North" }],
      PrivateNote: `Call before visiting.\n${before.PrivateNote as string}`,
    };
    await control("POST", `/edit/${qbo.realmId}/estimate/${id}`, kept);

    const resend = request({ submissionId: "sub-2", previous: first.erpRef });
    resend.lines[2]!.revisedEstimate = 5_000_000n;
    const second = done(await qbo.run(resend));

    const estimates = await estimatesOfJob(qbo.realmId, "Harbor View Tower");
    expect(estimates).toHaveLength(1);
    const est = estimates[0]!;
    expect(second.erpRef.estimateId).toBe(id);
    expect(amounts(est)).toEqual(["125000.00", "80000.10", "50000.00"]);
    const { PrivateNote: _note, ...rest } = kept;
    expect(est).toMatchObject(rest);
    expect(est.PrivateNote).toBe(
      "Call before visiting.\nCostbridge budget · project 2024-017 · submission sub-2",
    );
    expect(est.DocNumber).toBe("CB-2024-017");
  });

  it("treats only a change to lines, amounts or job as changed in QuickBooks", async () => {
    const qbo = await connect();
    const first = done(await qbo.run(request()));
    const id = first.erpRef.estimateId;
    await control("POST", `/edit/${qbo.realmId}/estimate/${id}`, {
      DocNumber: "HV-7",
      TxnDate: "2026-11-02",
      CustomerMemo: { value: "Renumbered and redated by the bookkeeper" },
    });
    const second = done(await qbo.run(request({ submissionId: "sub-2", previous: first.erpRef })));
    const [est] = await estimatesOfJob(qbo.realmId, "Harbor View Tower");
    // Their number and date stay theirs.
    expect(est).toMatchObject({ DocNumber: "HV-7", TxnDate: "2026-11-02" });
    expect(second.erpRef.docNumber).toBe("HV-7");

    // A moved amount is a change to what Costbridge owns: the approver decides.
    await editLineAmount(qbo.realmId, id, 2, 1000);
    const third = await qbo.run(request({ submissionId: "sub-3", previous: second.erpRef }));
    expect(third).toMatchObject({ kind: "rejected", code: "changed_in_quickbooks" });
  });

  it("never modifies an estimate turned into an invoice, nor a closed one", async () => {
    const qbo = await connect();
    const first = done(await qbo.run(request()));
    const id = first.erpRef.estimateId;
    await control("POST", `/invoice/${qbo.realmId}/${id}`);
    const invoiced = (await snapshot(qbo.realmId)).Estimate.find((e) => e.Id === id)!;

    const resend = request({ submissionId: "sub-2", previous: first.erpRef });
    resend.lines[0]!.revisedEstimate = 1n;
    for (const overwriteChangedInErp of [false, true]) {
      const refused = await qbo.run({ ...resend, overwriteChangedInErp });
      expect(refused).toMatchObject({ kind: "rejected", code: "estimate_invoiced" });
      if (refused.kind !== "rejected") throw new Error("expected a refusal");
      expect(refused.message).toMatch(/invoice 1001/);
      expect(refused.remedy).toMatch(/new estimate per submission/);
      expect(refused.remedy).not.toMatch(/overwrite/i);
    }
    const after = (await snapshot(qbo.realmId)).Estimate.find((e) => e.Id === id)!;
    expect(after.SyncToken).toBe(invoiced.SyncToken);
    expect(amounts(after)).toEqual(amounts(invoiced));

    // A new estimate per submission leaves the invoiced one alone and records the budget beside it.
    done(await qbo.run({ ...resend, attempt: 2, estimateMode: "new_estimate_per_submission" }));
    expect(await estimatesOfJob(qbo.realmId, "Harbor View Tower")).toHaveLength(2);

    const other = await connect();
    const p2 = { number: "2024-018", name: "Closed Works", parentCustomerName: SEED_PARENT_CUSTOMER };
    const one = done(await other.run(request({ submissionId: "sub-9", project: p2 })));
    await control("POST", `/edit/${other.realmId}/estimate/${one.erpRef.estimateId}`, {
      TxnStatus: "Closed",
    });
    const closed = await other.run(request({ submissionId: "sub-10", project: p2, previous: one.erpRef }));
    expect(closed).toMatchObject({ kind: "rejected", code: "estimate_closed" });
  });
});

describe("following the company's preferences and country", () => {
  it("leaves numbering to QuickBooks when custom transaction numbers are off, and records its number", async () => {
    const qbo = await connect();
    await control("POST", `/edit/${qbo.realmId}/preferences/1`, {
      SalesFormsPrefs: { CustomTxnNumbers: false },
    });
    const first = done(await qbo.run(request()));
    const [est] = await estimatesOfJob(qbo.realmId, "Harbor View Tower");
    expect(est!.DocNumber).toMatch(/^\d+$/);
    expect(first.erpRef.docNumber).toBe(est!.DocNumber);
    const second = done(await qbo.run(request({ submissionId: "sub-2", previous: first.erpRef })));
    expect(second.erpRef.docNumber).toBe(est!.DocNumber);
  });

  for (const [country, currency, exemptName] of [
    ["CA", "CAD", "Exempt"],
    ["GB", "GBP", "Exempt"],
    ["AU", "AUD", "GST free"],
  ] as const) {
    it(`exports for a ${country} company with its own exempt tax code and GlobalTaxCalculation`, async () => {
      const qbo = await connect();
      await control("POST", `/preset/${qbo.realmId}`, { country });
      // A budget in another currency than the company's is refused before anything is written.
      const wrong = await qbo.run(request({ currency: "USD" }));
      expect(wrong).toMatchObject({ kind: "rejected", code: "currency_not_in_quickbooks" });
      expect(await estimatesOfJob(qbo.realmId, "Harbor View Tower")).toHaveLength(0);

      const outcome = done(await qbo.run(request({ attempt: 2, currency })));
      const s = await snapshot(qbo.realmId);
      const codes = (s as unknown as { TaxCode: Obj[] }).TaxCode;
      const exempt = codes.find((c) => c.Name === exemptName)!;
      const est = s.Estimate.find((e) => e.Id === outcome.erpRef.estimateId)!;
      expect(est.GlobalTaxCalculation).toBe("TaxExcluded");
      expect(
        (est.Line as Obj[])
          .filter((l) => l.DetailType === "SalesItemLineDetail")
          .map((l) => ((l.SalesItemLineDetail as Obj).TaxCodeRef as Obj).value),
      ).toEqual([exempt.Id, exempt.Id, exempt.Id]);
      expect(Number(est.TotalAmt).toFixed(2)).toBe("247501.09");
      expect((est.CurrencyRef as Obj).value).toBe(currency);

      // The re-send updates the same estimate under the same rules.
      const again = done(
        await qbo.run(request({ submissionId: "sub-2", currency, previous: outcome.erpRef })),
      );
      expect(again.erpRef.estimateId).toBe(outcome.erpRef.estimateId);
    });
  }

  it("sends CurrencyRef with multicurrency, and refuses a currency the company does not hold", async () => {
    const qbo = await connect();
    await control("POST", `/preset/${qbo.realmId}`, {
      country: "CA",
      multicurrency: true,
      currencies: ["USD"],
    });
    const eur = await qbo.run(request({ currency: "EUR" }));
    expect(eur).toMatchObject({ kind: "rejected", code: "currency_not_in_quickbooks" });
    expect(eur.kind === "rejected" && eur.remedy).toMatch(/Add EUR in QuickBooks/);

    const usd = done(await qbo.run(request({ attempt: 2, currency: "USD" })));
    const s = await snapshot(qbo.realmId);
    const est = s.Estimate.find((e) => e.Id === usd.erpRef.estimateId)!;
    expect((est.CurrencyRef as Obj).value).toBe("USD");
    // The new job deals in the budget's currency, as the estimate must.
    const job = s.Customer.find((c) => c.Id === usd.erpRef.jobRef)!;
    expect((job.CurrencyRef as Obj).value).toBe("USD");
  });
});

describe("with the reference cache", () => {
  async function calls(realmId: string): Promise<{ reads: number; writes: number }> {
    const c = await control("GET", `/calls/${realmId}`);
    return { reads: c.reads as number, writes: c.writes as number };
  }

  it("a re-send is one write; a class deleted in QuickBooks is replaced and the write retried in the same run", async () => {
    const qbo = await connect();
    await control("POST", `/edit/${qbo.realmId}/preferences/1`, {
      AccountingInfoPrefs: { ClassTrackingPerTxn: false, ClassTrackingPerTxnLine: true },
    });
    const cache = new InMemoryReferenceCache();
    const run = (req: EstimateExportRequest) =>
      exportEstimate(req, { client: qbo.client, throttleBackoffMs: 60_000, referenceCache: cache });
    const first = done(await run(request({ useClasses: true })));
    expect(cache.size).toBeGreaterThan(0);

    await control("DELETE", `/calls/${qbo.realmId}`);
    const second = done(
      await run(request({ useClasses: true, submissionId: "sub-2", previous: first.erpRef })),
    );
    expect(await calls(qbo.realmId)).toEqual({ reads: 0, writes: 1 });
    expect(second.erpRef.estimateId).toBe(first.erpRef.estimateId);

    const labor = (await snapshot(qbo.realmId)).Class.find((c) => c.Name === "Labor")!;
    await control("POST", `/delete/${qbo.realmId}/Class/${labor.Id}`);
    await control("DELETE", `/calls/${qbo.realmId}`);
    const third = done(
      await run(request({ useClasses: true, submissionId: "sub-3", attempt: 1, previous: second.erpRef })),
    );
    // The refused update, the class list, the new class, the update again.
    expect(await calls(qbo.realmId)).toEqual({ reads: 1, writes: 3 });
    const s = await snapshot(qbo.realmId);
    const est = s.Estimate.find((e) => e.Id === third.erpRef.estimateId)!;
    const newLabor = s.Class.find((c) => c.Name === "Labor" && c.Active !== false)!;
    expect(newLabor.Id).not.toBe(labor.Id);
    const classIds = (est.Line as Obj[])
      .filter((l) => l.DetailType === "SalesItemLineDetail")
      .map((l) => ((l.SalesItemLineDetail as Obj).ClassRef as Obj).value);
    expect(classIds[0]).toBe(newLabor.Id);
    expect(await estimatesOfJob(qbo.realmId, "Harbor View Tower")).toHaveLength(1);
  });
});
