import { createHmac } from "node:crypto";
import { createServer, type Server } from "node:http";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type AnyJson, faultCode, type Harness, json, startHarness } from "./test-support.js";

let h: Harness;
beforeEach(async () => {
  h = await startHarness();
});
afterEach(async () => {
  await h.close();
});

interface Received {
  body: string;
  signature: string | undefined;
}

/** An app's webhook endpoint: answers with the statuses given in turn (then 200) and records what arrived. */
async function receiver(
  statuses: number[] = [],
): Promise<{ url: string; got: Received[]; close(): Promise<void> }> {
  const got: Received[] = [];
  const server: Server = createServer((req, res) => {
    let body = "";
    req.on("data", (c) => {
      body += c;
    });
    req.on("end", () => {
      got.push({ body, signature: req.headers["intuit-signature"] as string | undefined });
      res.statusCode = statuses.shift() ?? 200;
      res.end();
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const address = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${address.port}/hooks`,
    got,
    close: () => new Promise((r) => server.close(() => r())),
  };
}

async function configure(body: AnyJson) {
  const res = await h.control("PUT", "/webhooks", body);
  expect(res.status, await res.clone().text()).toBe(200);
  return json(res);
}

async function createEstimate(): Promise<AnyJson> {
  const res = await h.api("POST", "/estimate", {
    CustomerRef: { value: "2" },
    Line: [
      {
        DetailType: "SalesItemLineDetail",
        Amount: 100,
        SalesItemLineDetail: { ItemRef: { value: "3" }, Qty: 1, UnitPrice: 100 },
      },
    ],
  });
  return (await json(res)).Estimate;
}

describe("webhooks", () => {
  it("posts one signed notification in Intuit's shape for the changes of a short while", async () => {
    const app = await receiver();
    try {
      await configure({ url: app.url, verifierToken: "verifier-1", batchDelayMs: 100 });
      const estimate = await createEstimate();
      await h.control("POST", `/edit/${h.realmId}/Estimate/${estimate.Id}`, { PrivateNote: "edited" });
      await h.control("POST", `/edit/${h.realmId}/Item/3`, { Description: "changed" });
      await h.control("POST", "/webhooks/flush");
      expect(app.got).toHaveLength(1);
      const { body, signature } = app.got[0] as Received;
      expect(signature).toBe(createHmac("sha256", "verifier-1").update(body).digest("base64"));
      const payload = JSON.parse(body);
      expect(payload.eventNotifications).toHaveLength(1);
      expect(payload.eventNotifications[0].realmId).toBe(h.realmId);
      const entities = payload.eventNotifications[0].dataChangeEvent.entities;
      expect(entities.map((e: AnyJson) => [e.name, e.id, e.operation])).toEqual([
        ["Estimate", estimate.Id, "Create"],
        ["Estimate", estimate.Id, "Update"],
        ["Item", "3", "Update"],
      ]);
      for (const e of entities) expect(Number.isNaN(Date.parse(e.lastUpdated))).toBe(false);
    } finally {
      await app.close();
    }
  });

  it("delivers on its own shortly after a change, and not at all without a URL and a token", async () => {
    const app = await receiver();
    try {
      await configure({ url: app.url, batchDelayMs: 50 });
      await createEstimate();
      await new Promise((r) => setTimeout(r, 200));
      expect(app.got).toHaveLength(0);
      await configure({ verifierToken: "t" });
      await createEstimate();
      const deadline = Date.now() + 3000;
      while (app.got.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      expect(app.got).toHaveLength(1);
    } finally {
      await app.close();
    }
  });

  it("leaves out entities the app did not subscribe to", async () => {
    const app = await receiver();
    try {
      await configure({ url: app.url, verifierToken: "t", entities: ["Estimate"] });
      await h.control("POST", `/edit/${h.realmId}/Item/3`, { Description: "changed" });
      await h.control("POST", "/webhooks/flush");
      expect(app.got).toHaveLength(0);
    } finally {
      await app.close();
    }
  });

  it("retries a delivery answered with an error, waiting longer each time, with the same body and signature", async () => {
    const app = await receiver([500, 503]);
    try {
      await configure({ url: app.url, verifierToken: "t", retryBaseMs: 50, maxAttempts: 5 });
      await createEstimate();
      await h.control("POST", "/webhooks/flush");
      expect(app.got).toHaveLength(3);
      expect(new Set(app.got.map((g) => g.body)).size).toBe(1);
      expect(new Set(app.got.map((g) => g.signature)).size).toBe(1);
      const state = await json(await h.control("GET", "/webhooks"));
      expect(state.verifierToken).toBeUndefined();
      expect(state.deliveries[0].state).toBe("delivered");
      expect(state.deliveries[0].attempts.map((a: AnyJson) => a.status)).toEqual([500, 503, 200]);
    } finally {
      await app.close();
    }
  });

  it("gives up after the last attempt when the endpoint does not answer", async () => {
    await configure({
      url: "http://127.0.0.1:9/unreachable",
      verifierToken: "t",
      retryBaseMs: 10,
      maxAttempts: 2,
      timeoutMs: 500,
    });
    await createEstimate();
    await h.control("POST", "/webhooks/flush");
    const state = await json(await h.control("GET", "/webhooks"));
    expect(state.deliveries[0].state).toBe("failed");
    expect(state.deliveries[0].attempts).toHaveLength(2);
    expect(state.deliveries[0].attempts[0].status).toBeNull();
  });

  it("refuses settings it cannot use", async () => {
    const bad = await h.control("PUT", "/webhooks", { url: "ftp://x" });
    expect(bad.status).toBe(400);
    expect((await json(bad)).error.field).toBe("url");
    const entities = await h.control("PUT", "/webhooks", { entities: ["Invoice"] });
    expect((await json(entities)).error.field).toBe("entities");
  });
});

describe("change data capture", () => {
  const since = (msAgo: number) => new Date(Date.now() - msAgo).toISOString();
  const cdc = async (entities: string, changedSince: string) =>
    h.api("GET", `/cdc?entities=${entities}&changedSince=${encodeURIComponent(changedSince)}`);

  it("answers the changed objects per entity as they are now, and deleted ones with status Deleted", async () => {
    const kept = await createEstimate();
    const gone = await createEstimate();
    await h.control("POST", `/edit/${h.realmId}/Estimate/${kept.Id}`, { PrivateNote: "edited" });
    await h.control("POST", `/delete/${h.realmId}/Estimate/${gone.Id}`);
    await h.control("POST", `/edit/${h.realmId}/Customer/2`, { Notes: "n" });
    const res = await cdc("Estimate,Customer,Item", since(60_000));
    expect(res.status).toBe(200);
    const body = await json(res);
    const [estimates, customers, items] = body.CDCResponse[0].QueryResponse;
    expect(estimates.Estimate.map((e: AnyJson) => e.Id)).toEqual([kept.Id, gone.Id]);
    expect(estimates.Estimate[0].PrivateNote).toBe("edited");
    expect(estimates.Estimate[0].SyncToken).toBe("1");
    expect(estimates.Estimate[1]).toMatchObject({ status: "Deleted", Id: gone.Id });
    expect(estimates.totalCount).toBe(2);
    expect(customers.Customer.map((c: AnyJson) => c.Id)).toEqual(["2"]);
    expect(items).toEqual({});
    expect(typeof body.time).toBe("string");
  });

  it("leaves out what changed before changedSince", async () => {
    await createEstimate();
    await h.control("POST", "/clock/advance", { seconds: 120 });
    const res = await cdc("Estimate", since(-60_000));
    expect((await json(res)).CDCResponse[0].QueryResponse).toEqual([{}]);
  });

  it("looks back at most 30 days", async () => {
    const res = await cdc("Estimate", since(31 * 24 * 3600 * 1000));
    expect(res.status).toBe(400);
    expect(faultCode(await json(res))).toBe("4001");
    const missing = await h.api("GET", "/cdc?entities=Estimate");
    expect(faultCode(await json(missing))).toBe("2020");
    const garbage = await cdc("Estimate", "yesterday");
    expect(faultCode(await json(garbage))).toBe("2010");
  });

  it("answers at most 1,000 objects, the oldest changes first", async () => {
    // 1,005 distinct objects changed: new estimates first, then every customer, item and class.
    const state = await json(await h.control("GET", "/state"));
    const realm = state.realms[h.realmId];
    const targets = [
      ...realm.Customer.map((c: AnyJson) => ["Customer", c.Id]),
      ...realm.Item.map((i: AnyJson) => ["Item", i.Id]),
      ...realm.Class.map((c: AnyJson) => ["Class", c.Id]),
    ];
    const created: string[] = [];
    while (created.length + targets.length < 1005) created.push((await createEstimate()).Id);
    for (const [entity, id] of targets) await h.control("POST", `/edit/${h.realmId}/${entity}/${id}`, {});
    const body = await json(await cdc("Estimate,Customer,Item,Class", since(60_000)));
    const responses = body.CDCResponse[0].QueryResponse;
    const total = responses.reduce((n: number, r: AnyJson) => n + (r.totalCount ?? 0), 0);
    expect(total).toBe(1000);
    // The newest changes (the name-list edits, made last) are the ones left for the next call.
    expect(responses[0].Estimate).toHaveLength(created.length);
  }, 60_000);
});
