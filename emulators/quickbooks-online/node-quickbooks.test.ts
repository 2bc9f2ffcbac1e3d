// Fidelity: a third-party client, unmodified, pointed at the emulator through its documented static base URLs.
import * as nodeQuickbooks from "node-quickbooks";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type StartedQboEmulator, startQboEmulator } from "./index.js";
import { type AnyJson, authorize, json, REDIRECT_URI, RELAXED_LIMITS, tokenRequest } from "./test-support.js";

// The package is CommonJS behind an ES-style declaration file: take the constructor whichever way the loader
// exposes it.
type QuickBooksClass = (typeof nodeQuickbooks)["default"]["default"];
const loaded = nodeQuickbooks as unknown as { default: unknown };
const QuickBooks = (
  typeof loaded.default === "function" ? loaded.default : (loaded.default as { default: unknown }).default
) as QuickBooksClass;

let server: StartedQboEmulator;
let qbo: InstanceType<QuickBooksClass>;
let realmId: string;

type Callback = (err: AnyJson, data?: AnyJson) => void;

function call(run: (callback: Callback) => void): Promise<AnyJson> {
  return new Promise((resolve, reject) => run((err, data) => (err ? reject(err) : resolve(data))));
}

function failure(run: (callback: Callback) => void): Promise<AnyJson> {
  return new Promise((resolve, reject) =>
    run((err, data) =>
      err ? resolve(err) : reject(new Error(`expected a fault, got ${JSON.stringify(data)}`)),
    ),
  );
}

function faultOf(err: AnyJson): AnyJson {
  return err?.Fault ?? err?.response?.data?.Fault;
}

beforeAll(async () => {
  server = await startQboEmulator({ port: 0, limits: RELAXED_LIMITS });
  QuickBooks.V3_ENDPOINT_BASE_URL = `${server.url}/v3/company/`;
  QuickBooks.TOKEN_URL = `${server.url}/oauth2/v1/tokens/bearer`;
  QuickBooks.REVOKE_URL = `${server.url}/oauth2/v1/tokens/revoke`;

  const callback = await authorize(server.url);
  realmId = callback.searchParams.get("realmId") as string;
  const tokens = await json(
    await tokenRequest(server.url, {
      grant_type: "authorization_code",
      code: callback.searchParams.get("code") as string,
      redirect_uri: REDIRECT_URI,
    }),
  );
  qbo = new QuickBooks(
    "demo-client-id",
    "demo-client-secret",
    tokens.access_token,
    false,
    realmId,
    true,
    false,
    null,
    "2.0",
    tokens.refresh_token,
  );
});

afterAll(async () => {
  await server.close();
});

describe("node-quickbooks against the emulator", () => {
  it("refreshes the access token with its refresh token, and the new token works", async () => {
    const before = qbo.token;
    await fetch(`${server.url}/__emulator/tokens/policy`, {
      method: "PUT",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ rotation: "always" }),
    });
    const previousRefresh = qbo.refreshToken;
    const response = await call((cb) => qbo.refreshAccessToken(cb));
    expect(response.token_type).toBe("bearer");
    expect(qbo.token).not.toBe(before);
    expect(qbo.refreshToken).not.toBe(previousRefresh);
    const info = await call((cb) => qbo.getCompanyInfo(realmId, cb));
    expect(info.CompanyName).toMatch(/Sandbox Company/);
  });

  it("reports an expired token as a 401 with the lower-case fault", async () => {
    await fetch(`${server.url}/__emulator/tokens/expire`, { method: "POST" });
    const err = await failure((cb) => qbo.getPreferences(cb));
    expect(err.response.status).toBe(401);
    expect(err.response.data.fault.error[0].code).toBe("3200");
    await call((cb) => qbo.refreshAccessToken(cb));
  });

  let jobId: string;
  let itemId: string;

  it("creates a customer:job under the seeded parent", async () => {
    const parents = await call((cb) => qbo.findCustomers({ DisplayName: "Acme Builders Jobs" }, cb));
    const parent = parents.QueryResponse.Customer[0];
    const job = await call((cb) =>
      qbo.createCustomer(
        {
          DisplayName: "P-1001 Smith Residence Remodel",
          Job: true,
          BillWithParent: true,
          ParentRef: { value: parent.Id },
        },
        cb,
      ),
    );
    expect(job.FullyQualifiedName).toBe("Acme Builders Jobs:P-1001 Smith Residence Remodel");
    expect(job.Level).toBe(1);
    jobId = job.Id;
  });

  it("gets 6240 for a duplicate customer name", async () => {
    const err = await failure((cb) =>
      qbo.createCustomer({ DisplayName: "P-1001 Smith Residence Remodel" }, cb),
    );
    expect(faultOf(err).Error[0].code).toBe("6240");
  });

  it("creates a Service item", async () => {
    const accounts = await call((cb) => qbo.findAccounts({ AccountType: "Income" }, cb));
    const income = accounts.QueryResponse.Account[0];
    const item = await call((cb) =>
      qbo.createItem(
        { Name: "26-000 Electrical", Sku: "26-000", Type: "Service", IncomeAccountRef: { value: income.Id } },
        cb,
      ),
    );
    expect(item.Type).toBe("Service");
    itemId = item.Id;
  });

  it("queries with criteria, LIKE and fetchAll paging", async () => {
    const like = await call((cb) => qbo.findItems([{ field: "Name", value: "26-%", operator: "LIKE" }], cb));
    expect(like.QueryResponse.Item.map((i: AnyJson) => i.Id)).toEqual([itemId]);
    const all = await call((cb) => qbo.findClasses({ fetchAll: true }, cb));
    expect(all.QueryResponse.Class.map((c: AnyJson) => c.Name)).toEqual([
      "Labor",
      "Material",
      "Equipment",
      "Subcontract",
      "Other",
    ]);
    const count = await call((cb) => qbo.findCustomers({ count: true }, cb));
    expect(count.QueryResponse.totalCount).toBeGreaterThanOrEqual(5);
  });

  let estimate: AnyJson;

  it("creates, reads and sparse-updates an estimate", async () => {
    const classes = await call((cb) => qbo.findClasses({ Name: "Labor" }, cb));
    const labor = classes.QueryResponse.Class[0];
    estimate = await call((cb) =>
      qbo.createEstimate(
        {
          CustomerRef: { value: jobId },
          DocNumber: "P1001-R1",
          PrivateNote: "Budget rev 1",
          Line: [
            {
              DetailType: "SalesItemLineDetail",
              Amount: 1500.25,
              Description: "26-000 Labor",
              SalesItemLineDetail: {
                ItemRef: { value: itemId },
                ClassRef: { value: labor.Id },
                Qty: 1,
                UnitPrice: 1500.25,
              },
            },
          ],
        },
        cb,
      ),
    );
    expect(estimate).toMatchObject({ TxnStatus: "Pending", TotalAmt: 1500.25, SyncToken: "0" });

    const read = await call((cb) => qbo.getEstimate(estimate.Id, cb));
    expect(read).toEqual(estimate);

    const updated = await call((cb) =>
      qbo.updateEstimate(
        {
          Id: estimate.Id,
          SyncToken: estimate.SyncToken,
          DocNumber: "P1001-R2",
          PrivateNote: "Budget rev 2",
        },
        cb,
      ),
    );
    expect(updated).toMatchObject({ SyncToken: "1", DocNumber: "P1001-R2", TotalAmt: 1500.25 });
  });

  it("gets 5010 when updating with a stale SyncToken", async () => {
    const err = await failure((cb) =>
      qbo.updateEstimate({ Id: estimate.Id, SyncToken: "0", PrivateNote: "too late" }, cb),
    );
    expect(faultOf(err)).toMatchObject({
      type: "ValidationFault",
      Error: [{ code: "5010", Message: "Stale Object Error" }],
    });
  });

  it("replays a create sent twice with the same requestid", async () => {
    const body = () => ({
      requestId: "p1001-create-r9",
      CustomerRef: { value: jobId },
      Line: [
        { DetailType: "SalesItemLineDetail", Amount: 5, SalesItemLineDetail: { ItemRef: { value: itemId } } },
      ],
    });
    const first = await call((cb) => qbo.createEstimate(body(), cb));
    const second = await call((cb) => qbo.createEstimate(body(), cb));
    expect(second.Id).toBe(first.Id);
    const found = await call((cb) => qbo.findEstimates({ CustomerRef: jobId }, cb));
    expect(found.QueryResponse.Estimate).toHaveLength(2);
  });

  it("deletes an estimate by id (read, then delete)", async () => {
    const result = await call((cb) => qbo.deleteEstimate(estimate.Id, cb));
    expect(result.Estimate).toEqual({ status: "Deleted", domain: "QBO", Id: estimate.Id });
    const err = await failure((cb) => qbo.getEstimate(estimate.Id, cb));
    expect(faultOf(err).Error[0].code).toBe("610");
  });

  it("runs a batch", async () => {
    const result = await call((cb) =>
      qbo.batch(
        [
          { bId: "q1", operation: "query", Query: "select * from Item where Sku = '26-000'" },
          { bId: "c1", operation: "create", Class: { Name: "Overhead" } },
        ],
        cb,
      ),
    );
    expect(result.BatchItemResponse[0].QueryResponse.Item[0].Id).toBe(itemId);
    expect(result.BatchItemResponse[1].Class.Name).toBe("Overhead");
  });

  it("reads a Canadian company's setup and keeps a bookkeeper's fields through a sparse update", async () => {
    const preset = await fetch(`${server.url}/__emulator/preset/${realmId}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ country: "CA" }),
    });
    expect(preset.status).toBe(200);
    const info = await call((cb) => qbo.getCompanyInfo(realmId, cb));
    expect(info.Country).toBe("CA");
    const prefs = await call((cb) => qbo.getPreferences(cb));
    expect(prefs.CurrencyPrefs.HomeCurrency.value).toBe("CAD");
    const codes = await call((cb) => qbo.findTaxCodes(cb));
    const names = (codes.QueryResponse.TaxCode as AnyJson[]).map((c) => c.Name);
    expect(names).toContain("Exempt");
    expect(names).not.toContain("NON");
    const exempt = (codes.QueryResponse.TaxCode as AnyJson[]).find((c) => c.Name === "Exempt").Id;

    const line = (amount: number) => ({
      DetailType: "SalesItemLineDetail",
      Amount: amount,
      SalesItemLineDetail: {
        ItemRef: { value: itemId },
        Qty: 1,
        UnitPrice: amount,
        TaxCodeRef: { value: exempt },
      },
    });
    const created = await call((cb) =>
      qbo.createEstimate(
        { CustomerRef: { value: jobId }, GlobalTaxCalculation: "TaxExcluded", Line: [line(700)] },
        cb,
      ),
    );
    const accepted = await call((cb) =>
      qbo.updateEstimate(
        { Id: created.Id, SyncToken: created.SyncToken, TxnStatus: "Accepted", ExpirationDate: "2027-02-01" },
        cb,
      ),
    );
    // The shape of Costbridge's re-send: Id, SyncToken, sparse and only the fields it owns.
    const resent = await call((cb) =>
      qbo.updateEstimate(
        {
          Id: accepted.Id,
          SyncToken: accepted.SyncToken,
          sparse: true,
          CustomerRef: { value: jobId },
          PrivateNote: "Costbridge budget · project 1001 · submission s2",
          GlobalTaxCalculation: "TaxExcluded",
          Line: [line(900)],
        },
        cb,
      ),
    );
    expect(resent).toMatchObject({ TxnStatus: "Accepted", ExpirationDate: "2027-02-01", TotalAmt: 900 });
  });

  it("revokes access", async () => {
    const token = qbo.token;
    await call((cb) => qbo.revokeAccess(true, cb));
    const response = await fetch(`${server.url}/v3/company/${realmId}/preferences`, {
      headers: { authorization: `Bearer ${token}`, accept: "application/json" },
    });
    expect(response.status).toBe(401);
  });
});
