import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type AnyJson, faultCode, type Harness, json, startHarness } from "./test-support.js";

let h: Harness;
beforeEach(async () => {
  h = await startHarness();
});
afterEach(async () => {
  await h.close();
});

function salesLine(amount: number) {
  return {
    DetailType: "SalesItemLineDetail",
    Amount: amount,
    SalesItemLineDetail: { ItemRef: { value: "3" }, Qty: 1, UnitPrice: amount },
  };
}

async function createEstimate(requestid?: string): Promise<Response> {
  return h.api("POST", `/estimate${requestid ? `?requestid=${requestid}` : ""}`, {
    CustomerRef: { value: "2" },
    Line: [salesLine(100)],
  });
}

async function estimateCount(): Promise<number> {
  const response = await h.api("GET", `/query?query=${encodeURIComponent("select count(*) from Estimate")}`);
  return (await json(response)).QueryResponse.totalCount;
}

describe("state and requests", () => {
  it("lists realms with their objects by entity", async () => {
    const state = await json(await h.control("GET", "/state"));
    const realm = state.realms[h.realmId];
    expect(realm.Customer.map((c: AnyJson) => c.DisplayName)).toContain("Acme Builders Jobs");
    expect(realm.Class.map((c: AnyJson) => c.Name)).toEqual([
      "Labor",
      "Material",
      "Equipment",
      "Subcontract",
      "Other",
    ]);
    expect(realm.Account.some((a: AnyJson) => a.AccountType === "Income")).toBe(true);
    expect(realm.Item.filter((i: AnyJson) => i.Type === "Service").length).toBeGreaterThanOrEqual(3);
    expect(realm.Estimate).toEqual([]);
    expect(h.server.emulator.state().realms[h.realmId]).toEqual(realm);
  });

  it("logs each API request with method, path, requestid, status and replayed", async () => {
    await createEstimate("log-1");
    await createEstimate("log-1");
    await h.api("GET", "/item/3");
    const log = await json(await h.control("GET", "/requests"));
    expect(
      log.items.map(({ method, path, requestid, status, replayed }: AnyJson) => ({
        method,
        path,
        requestid,
        status,
        replayed,
      })),
    ).toEqual([
      {
        method: "POST",
        path: `/v3/company/${h.realmId}/estimate`,
        requestid: "log-1",
        status: 200,
        replayed: false,
      },
      {
        method: "POST",
        path: `/v3/company/${h.realmId}/estimate`,
        requestid: "log-1",
        status: 200,
        replayed: true,
      },
      {
        method: "GET",
        path: `/v3/company/${h.realmId}/item/3`,
        requestid: null,
        status: 200,
        replayed: false,
      },
    ]);
  });

  it("resets to the seeded state, keeping the default realm id", async () => {
    await createEstimate();
    const reset = await json(await h.control("POST", "/reset", { keepTokens: true }));
    expect(reset.defaultRealmId).toBe(h.realmId);
    expect(await estimateCount()).toBe(0);
    expect((await json(await h.control("GET", "/requests"))).items.length).toBe(1);
  });

  it("drops tokens on a plain reset", async () => {
    await h.control("POST", "/reset");
    expect((await h.api("GET", "/item/3")).status).toBe(401);
  });
});

describe("out-of-band edits", () => {
  it("edits an estimate as a bookkeeper would, so the client's next update is stale (5010)", async () => {
    const created = (await json(await createEstimate())).Estimate;
    const edit = await h.control("POST", `/edit/${h.realmId}/Estimate/${created.Id}`, {
      PrivateNote: "edited in QuickBooks",
    });
    expect(edit.status).toBe(200);
    expect((await json(edit)).Estimate.SyncToken).toBe("1");
    const update = await h.api("POST", "/estimate", {
      Id: created.Id,
      SyncToken: created.SyncToken,
      sparse: true,
      DocNumber: "X",
    });
    expect(faultCode(await json(update))).toBe("5010");
    const reread = (await json(await h.api("GET", `/estimate/${created.Id}`))).Estimate;
    expect(reread.PrivateNote).toBe("edited in QuickBooks");
  });

  it("recomputes totals when lines are edited out of band", async () => {
    const created = (await json(await createEstimate())).Estimate;
    const edit = await json(
      await h.control("POST", `/edit/${h.realmId}/estimate/${created.Id}`, {
        Line: [salesLine(10), salesLine(15.25)],
      }),
    );
    expect(edit.Estimate.TotalAmt).toBe(25.25);
  });

  it("deletes a transaction out of band; the client then gets 610", async () => {
    const created = (await json(await createEstimate())).Estimate;
    expect((await h.control("POST", `/delete/${h.realmId}/Estimate/${created.Id}`)).status).toBe(200);
    const update = await h.api("POST", "/estimate", {
      Id: created.Id,
      SyncToken: "0",
      sparse: true,
      DocNumber: "X",
    });
    expect(faultCode(await json(update))).toBe("610");
  });

  it("switches preferences, e.g. turning estimates off", async () => {
    await h.control("POST", `/edit/${h.realmId}/Preferences/1`, {
      SalesFormsPrefs: { AllowEstimates: false },
    });
    const response = await createEstimate();
    expect(faultCode(await json(response))).toBe("6000");
    const prefs = (await json(await h.api("GET", "/preferences"))).Preferences;
    expect(prefs.SalesFormsPrefs.CustomTxnNumbers).toBe(true);
  });

  it("answers 404 for an unknown object", async () => {
    expect((await h.control("POST", `/edit/${h.realmId}/Estimate/424242`, {})).status).toBe(404);
    expect((await h.control("POST", "/edit/000/Estimate/1", {})).status).toBe(404);
  });
});

describe("fault injection", () => {
  it("respond: answers the configured fault without executing, and does not store it for replay", async () => {
    const created = await h.control("POST", "/faults", {
      method: "POST",
      path: "/estimate$",
      status: 503,
      count: 1,
    });
    expect(created.status).toBe(201);
    const failed = await createEstimate("inject-1");
    expect(failed.status).toBe(503);
    expect(await failed.text()).toContain("Service Temporarily Unavailable");
    expect(await estimateCount()).toBe(0);
    const retry = await createEstimate("inject-1");
    expect(retry.status).toBe(200);
    expect(await estimateCount()).toBe(1);
  });

  it("commit_then_fail: executes and stores, answers the fault; the retry with the same requestid is replayed", async () => {
    await h.control("POST", "/faults", {
      path: "estimate",
      status: 500,
      count: 1,
      mode: "commit_then_fail",
      body: { Fault: { Error: [{ Message: "boom", code: "10000" }], type: "SystemFault" } },
    });
    const failed = await createEstimate("lost-response");
    expect(failed.status).toBe(500);
    expect((await json(failed)).Fault.type).toBe("SystemFault");
    const retry = await createEstimate("lost-response");
    expect(retry.status).toBe(200);
    expect(await estimateCount()).toBe(1);
    const log = await json(await h.control("GET", "/requests?path=estimate$"));
    expect(log.items.map((entry: AnyJson) => [entry.status, entry.replayed])).toEqual([
      [500, false],
      [200, true],
    ]);
  });

  it("delay: executes normally after the delay", async () => {
    await h.control("POST", "/faults", { path: "/item/", count: 1, mode: "delay", delayMs: 50 });
    const response = await h.api("GET", "/item/3");
    expect(response.status).toBe(200);
    expect((await json(await h.control("GET", "/faults"))).items).toEqual([]);
  });

  it("applies a rule only count times and only to matching requests", async () => {
    await h.control("POST", "/faults", { method: "GET", path: "/class/", status: 500, count: 2 });
    expect((await h.api("GET", "/item/3")).status).toBe(200);
    expect((await h.api("GET", "/class/5000000000000001")).status).toBe(500);
    expect((await h.api("GET", "/class/5000000000000001")).status).toBe(500);
    expect((await h.api("GET", "/class/5000000000000001")).status).toBe(200);
  });

  it("validates the rule", async () => {
    expect((await h.control("POST", "/faults", { path: "(", count: 1 })).status).toBe(400);
    expect((await h.control("POST", "/faults", { count: 1, mode: "explode" })).status).toBe(400);
  });
});

describe("throttling", () => {
  it("answers 429 with the XML ThrottleExceeded body once the per-minute limit is used up", async () => {
    await h.control("PUT", "/limits", { perMinute: 3 });
    for (let i = 0; i < 3; i += 1) expect((await h.api("GET", "/item/3")).status).toBe(200);
    const throttled = await h.api("GET", "/item/3");
    expect(throttled.status).toBe(429);
    expect(throttled.headers.get("content-type")).toMatch(/application\/xml/);
    const text = await throttled.text();
    expect(text).toContain('<Fault type="SERVICE"><Error code="3001">');
    expect(text).toContain("message=ThrottleExceeded; errorCode=003001; statusCode=429");
    await h.control("POST", "/clock/advance", { seconds: 61 });
    expect((await h.api("GET", "/item/3")).status).toBe(200);
  });

  it("limits requests per second and batch requests per minute", async () => {
    await h.control("PUT", "/limits", { perSecond: 2, batchPerMinute: 1 });
    const statuses = [];
    for (let i = 0; i < 3; i += 1) statuses.push((await h.api("GET", "/item/3")).status);
    expect(statuses).toEqual([200, 200, 429]);
    await h.control("POST", "/clock/advance", { seconds: 1 });
    const batch = { BatchItemRequest: [{ bId: "1", Query: "select * from Class" }] };
    expect((await h.api("POST", "/batch", batch)).status).toBe(200);
    await h.control("POST", "/clock/advance", { seconds: 1 });
    expect((await h.api("POST", "/batch", batch)).status).toBe(429);
    expect((await h.api("GET", "/item/3")).status).toBe(200);
  });

  it("counts limits per realm", async () => {
    await h.control("PUT", "/limits", { perMinute: 1 });
    expect((await h.api("GET", "/item/3")).status).toBe(200);
    expect((await h.api("GET", "/item/3")).status).toBe(429);
    const other = await json(
      await h.control("POST", "/tokens/issue", {
        realmId: (await json(await h.control("POST", "/realms"))).realmId,
      }),
    );
    const response = await fetch(`${h.url}/v3/company/${other.realmId}/item/3`, {
      headers: { authorization: `Bearer ${other.access_token}`, accept: "application/json" },
    });
    expect(response.status).toBe(200);
  });

  it("refuses requests beyond the concurrency limit", async () => {
    await h.control("PUT", "/limits", { concurrent: 2 });
    await h.control("POST", "/faults", { path: "/item/", count: 2, mode: "delay", delayMs: 400 });
    const slow = [h.api("GET", "/item/3"), h.api("GET", "/item/3")];
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect((await h.api("GET", "/class/5000000000000001")).status).toBe(429);
    expect((await Promise.all(slow)).map((r) => r.status)).toEqual([200, 200]);
    expect((await h.api("GET", "/class/5000000000000001")).status).toBe(200);
  });

  it("does not store throttled requests for replay", async () => {
    await h.control("PUT", "/limits", { perMinute: 1 });
    await h.api("GET", "/item/3");
    expect((await createEstimate("throttled-1")).status).toBe(429);
    await h.control("PUT", "/limits", { perMinute: 100 });
    expect((await createEstimate("throttled-1")).status).toBe(200);
    expect(await estimateCount()).toBe(1);
  });

  it("validates limits", async () => {
    expect((await h.control("PUT", "/limits", { perMinute: 0 })).status).toBe(400);
    expect(await json(await h.control("PUT", "/limits", { perSecond: 5 }))).toMatchObject({ perSecond: 5 });
  });
});

describe("tokens", () => {
  it("expires access tokens of a realm on demand", async () => {
    await h.control("POST", "/tokens/expire", { realmId: h.realmId });
    const response = await h.api("GET", "/item/3");
    expect(response.status).toBe(401);
    expect((await json(response)).fault.error[0].detail).toMatch(/^Token expired/);
  });
});

describe("metered calls", () => {
  it("counts reads and writes per realm, and resets them", async () => {
    await createEstimate("calls-1");
    await createEstimate("calls-1");
    await h.api("GET", "/item/3");
    await h.api("GET", "/preferences");
    await h.api("GET", `/companyinfo/${h.realmId}`);
    await h.api("GET", `/query?query=${encodeURIComponent("select * from Item")}`);
    await h.api("POST", "/query", "select * from Class", { "content-type": "application/text" });
    await h.api("POST", "/batch", {
      BatchItemRequest: [
        { bId: "1", Query: "select * from Customer" },
        { bId: "2", Class: { Name: "Batch class" } },
      ],
    });
    const other = (await json(await h.control("POST", "/realms"))).realmId;

    expect(await json(await h.control("GET", `/calls/${h.realmId}`))).toEqual({
      realmId: h.realmId,
      reads: 6,
      writes: 3,
      total: 9,
    });
    expect(await json(await h.control("GET", `/calls/${other}`))).toEqual({
      realmId: other,
      reads: 0,
      writes: 0,
      total: 0,
    });
    expect((await json(await h.control("GET", "/calls"))).items).toEqual([
      { realmId: h.realmId, reads: 6, writes: 3, total: 9 },
    ]);

    expect((await h.control("DELETE", `/calls/${h.realmId}`)).status).toBe(204);
    expect((await json(await h.control("GET", `/calls/${h.realmId}`))).total).toBe(0);
    expect((await h.control("GET", "/calls/nope")).status).toBe(404);
  });

  it("does not count calls refused with 429 or a bad token", async () => {
    await h.control("PUT", "/limits", { perSecond: 1 });
    await h.api("GET", "/item/3");
    const throttled = await h.api("GET", "/item/3");
    expect(throttled.status).toBe(429);
    await h.api("GET", "/item/3", undefined, { authorization: "Bearer nope" });
    expect(await json(await h.control("GET", `/calls/${h.realmId}`))).toMatchObject({ reads: 1, writes: 0 });
    await h.control("POST", "/reset", { keepTokens: true });
    expect((await json(await h.control("GET", "/calls"))).items).toEqual([]);
  });
});
