/**
 * Hostile input: requests built to cost the product as much as possible, sent over a real socket to the real app.
 * Each attack asserts the answer, that /healthz kept answering within a second while it went on, and the process's
 * resident memory afterwards. The timeouts are shortened here (2 s for a request) so slow clients are shown to be
 * dropped in seconds; the product's own values are checked separately.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import net from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type App, buildHttpApp } from "../../src/http/app.js";
import { BODY_LIMITS, HTTP_TIMEOUTS } from "../../src/http/limits.js";
import { allRoutes } from "../../src/http/routes/index.js";
import { createWorld, type Fixture, type World } from "./world.js";

/** The product's normal ceiling (README: under 400 MB resident at the benchmark's peak). */
const RSS_CEILING = 400 * 1024 * 1024;
const TEST_TIMEOUTS = { requestMs: 2_000, headersMs: 1_000, idleMs: 5_000, checkEveryMs: 250 };
const MB = 1024 * 1024;

let w: World;
let app: App;
let port: number;
let fx: Fixture;

beforeAll(async () => {
  w = await createWorld();
  fx = await w.budget("acme", "unlocked");
  app = await buildHttpApp(w.t.ctx, { routes: allRoutes, webDist: null, timeouts: TEST_TIMEOUTS });
  await app.listen({ port: 0, host: "127.0.0.1" });
  port = (app.server.address() as AddressInfo).port;
});
afterAll(async () => {
  await app?.close();
  await w?.close();
});

interface Answer {
  status: number;
  type: string;
  text: string;
  json(): { error?: { code?: string; field?: string; message?: string } };
}

/** One request on a fresh connection; the answer may come before the whole body was sent. */
function send(
  method: string,
  path: string,
  opts: { headers?: Record<string, string>; body?: string | Buffer } = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    let answered = false;
    const req = http.request(
      { host: "127.0.0.1", port, method, path, headers: opts.headers, agent: false },
      (res) => {
        answered = true;
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8");
          resolve({
            status: res.statusCode ?? 0,
            type: String(res.headers["content-type"] ?? ""),
            text,
            json: () => JSON.parse(text),
          });
        });
      },
    );
    // A server that answers early may close before the rest of the body is written; the answer is what counts.
    req.on("error", (e) => {
      if (!answered) reject(e);
    });
    req.end(opts.body);
  });
}

interface Watch<T> {
  result: T;
  /** The slowest /healthz answer while the attack ran, and how many answered. */
  healthMaxMs: number;
  healthAnswers: number;
  rssAfter: number;
  elapsedMs: number;
}

/** Runs an attack while /healthz is asked every 50 ms on its own connections. */
async function underAttack<T>(attack: () => Promise<T>): Promise<Watch<T>> {
  let running = true;
  let healthMaxMs = 0;
  let healthAnswers = 0;
  const poller = (async () => {
    do {
      // Timed from when the question was due, so an event loop blocked before it could even be sent counts too.
      const due = performance.now() + 50;
      await new Promise((r) => setTimeout(r, 50));
      const res = await send("GET", "/healthz");
      healthMaxMs = Math.max(healthMaxMs, performance.now() - due);
      expect(res.status).toBe(200);
      healthAnswers++;
    } while (running);
  })();
  const t0 = performance.now();
  try {
    const result = await attack();
    const elapsedMs = performance.now() - t0;
    running = false;
    await poller;
    return { result, healthMaxMs, healthAnswers, rssAfter: process.memoryUsage().rss, elapsedMs };
  } finally {
    running = false;
  }
}

function expectServing(watch: Watch<unknown>) {
  const status = (watch.result as { status?: number; closedAfterMs?: number }).status;
  const name = expect.getState().currentTestName?.split(" > ").pop();
  process.stdout.write(
    `hostile input: ${name} → ${status ?? "closed"} after ${Math.round(watch.elapsedMs)} ms; ` +
      `/healthz slowest ${Math.round(watch.healthMaxMs)} ms (${watch.healthAnswers} answers); ` +
      `RSS after ${Math.round(watch.rssAfter / MB)} MB\n`,
  );
  expect(watch.healthAnswers).toBeGreaterThan(0);
  expect(watch.healthMaxMs).toBeLessThan(1_000);
  expect(watch.rssAfter).toBeLessThan(RSS_CEILING);
}

const bearer = (email: keyof World["users"]) => w.users[email].auth;
const importUrl = () =>
  `/api/v1/companies/${fx.companyId}/projects/${fx.projectId}/budget/import?dryRun=true`;
const csv = (email: keyof World["users"] | null, body: Buffer) =>
  send("POST", importUrl(), {
    headers: { ...(email ? bearer(email) : {}), "content-type": "text/csv" },
    body,
  });

function soapEnvelope(inner: string): string {
  return (
    `<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/">` +
    `<soap:Body><authenticate xmlns="http://developer.intuit.com/">${inner}</authenticate></soap:Body></soap:Envelope>`
  );
}

function expectSoapFault(res: Answer, status: number) {
  expect(res.status).toBe(status);
  expect(res.type).toContain("text/xml");
  expect(res.text).toContain("<faultcode>soap:Client</faultcode>");
}

describe("the Web Connector endpoint (/qbwc)", () => {
  it("answers a 4 MB envelope of a million empty elements with a SOAP fault, without building a tree", async () => {
    const body = Buffer.from(soapEnvelope("<a/>".repeat(1_000_000)));
    expect(body.length).toBeGreaterThan(4_000_000);
    const watch = await underAttack(() =>
      send("POST", "/qbwc", { headers: { "content-type": "text/xml" }, body }),
    );
    expectSoapFault(watch.result, 413);
    expect(watch.result.text).toContain("more than 256 elements");
    expectServing(watch);
  });

  it("refuses elements nested 100,000 deep with a SOAP fault", async () => {
    const body = Buffer.from(soapEnvelope(`${"<a>".repeat(100_000)}${"</a>".repeat(100_000)}`));
    const watch = await underAttack(() =>
      send("POST", "/qbwc", { headers: { "content-type": "text/xml" }, body }),
    );
    expectSoapFault(watch.result, 413);
    expect(watch.result.text).toContain("nest deeper than 16");
    expectServing(watch);
  });

  it("refuses a body over its limit with a SOAP fault before reading it", async () => {
    const body = Buffer.from(soapEnvelope(`<strUserName>${"x".repeat(BODY_LIMITS.qbwc)}</strUserName>`));
    const watch = await underAttack(() =>
      send("POST", "/qbwc", { headers: { "content-type": "text/xml" }, body }),
    );
    expectSoapFault(watch.result, 413);
    expectServing(watch);
  });

  it("still answers a real call, and still refuses an envelope that is not well-formed", async () => {
    const ok = await send("POST", "/qbwc", {
      headers: { "content-type": "text/xml" },
      body:
        `<?xml version="1.0"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>` +
        `<serverVersion xmlns="http://developer.intuit.com/"/></soap:Body></soap:Envelope>`,
    });
    expect(ok.status).toBe(200);
    expect(ok.text).toContain("serverVersionResult");
    const broken = await send("POST", "/qbwc", {
      headers: { "content-type": "text/xml" },
      body: soapEnvelope("<strUserName>a</strPassword>"),
    });
    expect(broken.status).toBe(500);
    expect(broken.text).toContain("not well-formed");
  });
});

describe("the budget CSV import", () => {
  // Bodies are built before the attack starts: the product, not the test's own client, is what is watched.
  const blankLines = (bytes: number) =>
    Buffer.from(`cost_code,category,original_budget\n${"\n".repeat(bytes)}`);

  it("refuses 5 MB from a user of another company before reading the file (404, not 413)", async () => {
    const watch = await underAttack(() => csv("approver@zenith.test", blankLines(5 * MB)));
    expect(watch.result.status).toBe(404);
    expect(watch.result.json().error?.code).toBe("not_found");
    expectServing(watch);
  });

  it("refuses a member without the right to edit the budget before reading the file", async () => {
    const watch = await underAttack(() => csv("viewer@acme.test", blankLines(5 * MB)));
    expect(watch.result.status).toBe(403);
    expect(watch.result.json().error?.code).toBe("forbidden");
    expectServing(watch);
  });

  it("refuses the anonymous with 401 before reading the file", async () => {
    const watch = await underAttack(() => csv(null, blankLines(5 * MB)));
    expect(watch.result.status).toBe(401);
    expect(watch.result.json().error?.code).toBe("unauthenticated");
    expectServing(watch);
  });

  it("refuses a file over 2 MB from someone allowed to import (413)", async () => {
    const watch = await underAttack(() => csv("pm@acme.test", blankLines(5 * MB)));
    expect(watch.result.status).toBe(413);
    expect(watch.result.json().error?.code).toBe("body_too_large");
    expectServing(watch);
  });

  it("reads almost 2 MB of blank lines without keeping them, and finds no rows", async () => {
    const watch = await underAttack(() => csv("pm@acme.test", blankLines(BODY_LIMITS.csv - 100)));
    expect(watch.result.status).toBe(400);
    expect(watch.result.json().error).toMatchObject({ code: "invalid_csv", field: "body" });
    expect(watch.result.json().error?.message).toContain("no rows");
    expectServing(watch);
  });

  it("stops at the 5,001st row instead of parsing the rest", async () => {
    const rows = "03-300,L,1\n".repeat(150_000); // 1.6 MB, 30 times the cap
    const body = Buffer.from(`cost_code,category,original_budget\n${rows}`);
    const watch = await underAttack(() => csv("pm@acme.test", body));
    expect(watch.result.status).toBe(400);
    expect(watch.result.json().error?.message).toContain("more than 5000 rows");
    expectServing(watch);
  });

  it("refuses a row of a million fields", async () => {
    const body = Buffer.from(`cost_code,category,original_budget\n${",".repeat(1_000_000)}\n`);
    const watch = await underAttack(() => csv("pm@acme.test", body));
    expect(watch.result.status).toBe(400);
    expect(watch.result.json().error).toMatchObject({ code: "invalid_csv", field: "body" });
    expectServing(watch);
  });
});

describe("JSON bodies", () => {
  const json = (path: string, body: string | Buffer, headers: Record<string, string> = {}) =>
    send("POST", path, { headers: { ...headers, "content-type": "application/json" }, body });

  it("refuses JSON nested 30,000 deep with 400 invalid_input on body, before parsing it", async () => {
    const body = `{"email":${"[".repeat(30_000)}${"]".repeat(30_000)}}`;
    const watch = await underAttack(() => json("/api/v1/auth/session", body));
    expect(watch.result.status).toBe(400);
    expect(watch.result.json().error).toMatchObject({ code: "invalid_input", field: "body" });
    expectServing(watch);
  });

  it("refuses JSON nested 500,000 deep on a route that takes 1 MB", async () => {
    const body = `{"reason":${"[".repeat(500_000)}${"]".repeat(500_000)}}`;
    const url = `/api/v1/companies/${fx.companyId}/erp/budget-submissions/unknown/reject`;
    const watch = await underAttack(() => json(url, body, bearer("approver@acme.test")));
    expect(watch.result.status).toBe(400);
    expect(watch.result.json().error).toMatchObject({ code: "invalid_input", field: "body" });
    expectServing(watch);
  });

  it("takes 32 levels (more than any route needs) and refuses the 33rd", async () => {
    const nested = (n: number) => `{"email":${"[".repeat(n - 1)}${"]".repeat(n - 1)}}`;
    const at = await json("/api/v1/auth/session", nested(32));
    expect(at.json().error?.message ?? "").not.toContain("nests deeper");
    const over = await json("/api/v1/auth/session", nested(33));
    expect(over.json().error?.message).toContain("nests deeper than 32");
  });

  it("refuses a huge array before parsing it: 300,000 decisions in 1 MB are a 400 on body", async () => {
    const body = `{"decisions":[${Array(300_000).fill("{}").join(",")}]}`;
    expect(body.length).toBeLessThan(BODY_LIMITS.large);
    const url = `/api/v1/companies/${fx.companyId}/erp/budget-submissions/decisions`;
    const watch = await underAttack(() => json(url, body, bearer("approver@acme.test")));
    expect(watch.result.status).toBe(400);
    expect(watch.result.json().error).toMatchObject({ code: "invalid_input", field: "body" });
    expect(watch.result.json().error?.message).toContain("more than 20000 items");
    expectServing(watch);
  });

  it("refuses an array over its schema's size with a 400 naming the field", async () => {
    const body = JSON.stringify({
      decisions: Array.from({ length: 5_000 }, (_, i) => ({ submissionId: `s${i}`, action: "accept" })),
    });
    const url = `/api/v1/companies/${fx.companyId}/erp/budget-submissions/decisions`;
    const watch = await underAttack(() => json(url, body, bearer("approver@acme.test")));
    expect(watch.result.status).toBe(400);
    expect(watch.result.json().error).toMatchObject({ code: "invalid_input", field: "decisions" });
    expectServing(watch);
  });

  it("refuses a body over a small route's limit (64 KB) with 413 body_too_large", async () => {
    const body = `{"email":[${Array(100_000).fill("0").join(",")}]}`;
    const watch = await underAttack(() => json("/api/v1/auth/session", body));
    expect(watch.result.status).toBe(413);
    expect(watch.result.json().error?.code).toBe("body_too_large");
    expectServing(watch);
  });

  it("answers the anonymous 401 on a route that needs a user, whatever the body", async () => {
    const body = `{"reason":"${"x".repeat(900_000)}"}`;
    const url = `/api/v1/companies/${fx.companyId}/erp/budget-submissions/unknown/reject`;
    const watch = await underAttack(() => json(url, body));
    expect(watch.result.status).toBe(401);
    expect(watch.result.json().error?.code).toBe("unauthenticated");
    expectServing(watch);
  });

  it("refuses many tiny multipart parts with 415: no route reads multipart", async () => {
    const part = '--b\r\nContent-Disposition: form-data; name="x"\r\n\r\n1\r\n';
    const body = Buffer.from(`${part.repeat(1_000)}--b--\r\n`);
    const url = `/api/v1/companies/${fx.companyId}/projects/${fx.projectId}/budget/import`;
    const watch = await underAttack(() =>
      send("POST", url, {
        headers: { ...bearer("pm@acme.test"), "content-type": "multipart/form-data; boundary=b" },
        body,
      }),
    );
    expect(watch.result.status).toBe(415);
    expect(watch.result.json().error?.code).toBe("unsupported_media_type");
    expectServing(watch);
  });

  it("refuses a text body sent to a JSON route by the route's small limit, not a parser's", async () => {
    const res = await send("POST", "/api/v1/auth/session", {
      headers: { "content-type": "text/plain" },
      body: "x".repeat(BODY_LIMITS.default + 1),
    });
    expect(res.status).toBe(413);
  });
});

describe("slow clients", () => {
  /** Opens a connection, sends `head`, then one byte every `everyMs`; resolves when the server lets go. */
  function trickle(head: string, everyMs: number): Promise<{ closedAfterMs: number; reply: string }> {
    return new Promise((resolve) => {
      const t0 = performance.now();
      let reply = "";
      const socket = net.connect({ host: "127.0.0.1", port }, () => socket.write(head));
      const timer = setInterval(() => {
        if (!socket.destroyed) socket.write("x");
      }, everyMs);
      socket.on("data", (d) => {
        reply += d.toString("utf8");
      });
      const done = () => {
        clearInterval(timer);
        resolve({ closedAfterMs: performance.now() - t0, reply });
      };
      socket.on("close", done);
      socket.on("error", () => {});
    });
  }

  it("drops a body trickling one byte at a time once the request time is up", async () => {
    const head =
      `POST /api/v1/auth/session HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n` +
      `Content-Length: 10000\r\n\r\n`;
    const watch = await underAttack(() => trickle(head, 400));
    // requestMs (2 s) plus one check interval (0.25 s) plus scheduling slack.
    expect(watch.result.closedAfterMs).toBeLessThan(TEST_TIMEOUTS.requestMs + 2_000);
    expect(watch.result.reply).toMatch(/^HTTP\/1\.1 408/);
    expectServing(watch);
  });

  it("drops headers trickling one byte at a time once the header time is up", async () => {
    const watch = await underAttack(() => trickle("GET /healthz HTTP/1.1\r\nX-Slow: ", 200));
    expect(watch.result.closedAfterMs).toBeLessThan(TEST_TIMEOUTS.headersMs + 2_000);
    expectServing(watch);
  });

  it("runs the product with request, header and idle timeouts set", async () => {
    const product = await buildHttpApp(w.t.ctx, { routes: [], webDist: null });
    try {
      expect(product.server.requestTimeout).toBe(HTTP_TIMEOUTS.requestMs);
      expect(product.server.headersTimeout).toBe(HTTP_TIMEOUTS.headersMs);
      expect(product.server.timeout).toBe(HTTP_TIMEOUTS.idleMs);
      expect(HTTP_TIMEOUTS.requestMs).toBeLessThanOrEqual(60_000);
    } finally {
      await product.close();
    }
  });
});
