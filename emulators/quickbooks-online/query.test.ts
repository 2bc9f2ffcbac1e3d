import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseQuery } from "./query.js";
import { type AnyJson, faultCode, type Harness, json, startHarness } from "./test-support.js";

describe("query parser", () => {
  it("parses the documented subset, case-insensitively", () => {
    expect(
      parseQuery(
        "SELECT * FROM Item WHERE Type = 'Service' AND Name LIKE '03-%' AND Id IN ('1', '2') ORDERBY Name DESC STARTPOSITION 3 MAXRESULTS 50",
      ),
    ).toEqual({
      count: false,
      entity: "Item",
      conditions: [
        { field: "Type", op: "=", values: [{ kind: "string", value: "Service" }] },
        { field: "Name", op: "like", values: [{ kind: "string", value: "03-%" }] },
        {
          field: "Id",
          op: "in",
          values: [
            { kind: "string", value: "1" },
            { kind: "string", value: "2" },
          ],
        },
      ],
      orderBy: [{ field: "Name", descending: true }],
      startPosition: 3,
      maxResults: 50,
    });
    expect(parseQuery("select count(*) from customer where active = false").count).toBe(true);
  });

  it("unescapes \\' inside string literals", () => {
    expect(
      parseQuery("select * from Customer where DisplayName = 'Bob\\'s Barns'").conditions[0]?.values[0],
    ).toEqual({
      kind: "string",
      value: "Bob's Barns",
    });
  });

  it.each([
    [
      "select * from Customer where Active = true or Job = true",
      'Encountered " <IDENTIFIER> "or "" at line 1, column 44.',
    ],
    ["select DisplayName from Customer", 'Encountered " <IDENTIFIER> "DisplayName "" at line 1, column 8.'],
    ["select * from Customer where", 'Encountered "<EOF>" at line 1, column 29.'],
  ])("reports a parse error with 4000 for %s", (text, detail) => {
    try {
      parseQuery(text);
      expect.unreachable();
    } catch (error) {
      expect(error).toMatchObject({
        code: "4000",
        message: "Error parsing query",
        detail: `QueryParserError: ${detail}`,
      });
    }
  });
});

describe("query endpoint", () => {
  let h: Harness;
  const q = async (text: string): Promise<{ status: number; body: AnyJson }> => {
    const response = await h.api("GET", `/query?query=${encodeURIComponent(text)}&minorversion=75`);
    return { status: response.status, body: await json(response) };
  };

  beforeAll(async () => {
    h = await startHarness();
    for (let i = 1; i <= 25; i += 1) {
      const code = `99-${String(i).padStart(3, "0")}`;
      const response = await h.api("POST", "/item", {
        Name: `${code} Test item`,
        Sku: code,
        Type: "Service",
        IncomeAccountRef: { value: "1" },
      });
      expect(response.status).toBe(200);
    }
  });
  afterAll(async () => {
    await h.close();
  });

  it("filters with = on a name and returns the documented envelope", async () => {
    const result = await q("select * from Customer where DisplayName = 'acme builders jobs'");
    expect(result.status).toBe(200);
    expect(result.body.QueryResponse).toMatchObject({ startPosition: 1, maxResults: 1 });
    expect(result.body.QueryResponse.Customer[0].Id).toBe("1");
  });

  it("pages with STARTPOSITION and MAXRESULTS until a short page", async () => {
    const seen: string[] = [];
    for (let start = 1; ; start += 10) {
      const page = await q(
        `select * from Item where Name like '99-%' orderby Name startposition ${start} maxresults 10`,
      );
      const items: AnyJson[] = page.body.QueryResponse.Item ?? [];
      seen.push(...items.map((item) => item.Sku));
      if (items.length < 10) break;
    }
    expect(seen).toHaveLength(25);
    expect(seen[0]).toBe("99-001");
    expect(seen[24]).toBe("99-025");
  });

  it("counts with count(*)", async () => {
    const result = await q("select count(*) from Item where Name like '99-%'");
    expect(result.body.QueryResponse).toEqual({ totalCount: 25 });
  });

  it("answers an empty QueryResponse when nothing matches", async () => {
    expect((await q("select * from Customer where DisplayName = 'Nobody'")).body.QueryResponse).toEqual({});
  });

  it("supports IN, ref fields by value, numeric and descending order", async () => {
    const byIds = await q("select * from Item where Id in ('2', '4') orderby Id desc");
    expect(byIds.body.QueryResponse.Item.map((item: AnyJson) => item.Id)).toEqual(["4", "2"]);
    const jobs = await q("select * from Customer where ParentRef = '3'");
    expect(jobs.body.QueryResponse.Customer.map((c: AnyJson) => c.DisplayName)).toEqual([
      "Riverside Phase 1",
    ]);
  });

  it("filters on MetaData timestamps", async () => {
    const future = await q("select * from Item where MetaData.LastUpdatedTime > '2999-01-01T00:00:00-08:00'");
    expect(future.body.QueryResponse).toEqual({});
    const past = await q("select count(*) from Item where MetaData.CreateTime >= '2000-01-01'");
    expect(past.body.QueryResponse.totalCount).toBeGreaterThan(25);
  });

  it("answers 4001 for an unknown property and 4000 for OR", async () => {
    const unknown = await q("select * from Customer where Colour = 'red'");
    expect(unknown.status).toBe(400);
    expect(unknown.body.Fault.Error[0]).toMatchObject({
      code: "4001",
      Message: "Invalid query",
      Detail: "QueryValidationError: Property Colour not found for Entity Customer",
    });
    expect(faultCode((await q("select * from Customer where Active = true or Job = true")).body)).toBe(
      "4000",
    );
  });

  it("defaults MAXRESULTS to 100 and refuses more than 1000", async () => {
    const all = await q("select * from Item");
    expect(all.body.QueryResponse.maxResults).toBeLessThanOrEqual(100);
    expect((await q("select * from Item maxresults 1001")).status).toBe(400);
  });

  it("accepts POST with Content-Type application/text", async () => {
    const response = await h.api("POST", "/query", "select * from Class where Name = 'Labor'", {
      "content-type": "application/text",
    });
    expect(response.status).toBe(200);
    expect((await json(response)).QueryResponse.Class[0].Name).toBe("Labor");
  });

  it("shows inactive entries only when the query asks about Active", async () => {
    const item = (await json(await h.api("GET", "/item/2"))).Item;
    await h.api("POST", "/item", { Id: item.Id, SyncToken: item.SyncToken, sparse: true, Active: false });
    expect((await q("select * from Item where Id = '2'")).body.QueryResponse).toEqual({});
    const both = await q("select * from Item where Id = '2' and Active in (true, false)");
    expect(both.body.QueryResponse.Item[0].Active).toBe(false);
  });
});
