/**
 * Sends each hostile-input attack to a running demo (`npm start`) and prints, per attack: the answer, how long it
 * took, the slowest /healthz answer meanwhile, and the product's resident memory (peak while the attack ran, sampled
 * every 10 ms from /proc, and the process's high-water mark afterwards).
 *
 *   npx tsx bench/hostile-input.ts --url http://127.0.0.1:3411 --pid <pid of the product's node process>
 *
 * The slow-body attack waits out the product's request timeout (60 s); `--skip-slow` leaves it out.
 */
import { readFileSync } from "node:fs";
import http from "node:http";
import net from "node:net";

const args = process.argv.slice(2);
const arg = (name: string) => {
  const i = args.indexOf(name);
  return i === -1 ? undefined : args[i + 1];
};
const base = new URL(arg("--url") ?? "http://127.0.0.1:3000");
const pid = Number(arg("--pid"));
if (!pid) throw new Error("--pid <product pid> is required");
const MB = 1024 * 1024;

function memory(): { rss: number; hwm: number } {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = (key: string) => Number(new RegExp(`${key}:\\s+(\\d+)`).exec(status)?.[1] ?? 0) * 1024;
  return { rss: kb("VmRSS"), hwm: kb("VmHWM") };
}

function send(
  method: string,
  path: string,
  headers: Record<string, string> = {},
  body?: Buffer | string,
): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    let answered = false;
    const req = http.request(
      { host: base.hostname, port: base.port, method, path, headers, agent: false },
      (res) => {
        answered = true;
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () =>
          resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString("utf8") }),
        );
      },
    );
    req.on("error", (e) => {
      if (!answered) reject(e);
    });
    req.end(body);
  });
}

/**
 * An attack on a raw socket: the product may answer and close before the whole body is written, and what it
 * answered is still read.
 */
function raw(
  method: string,
  path: string,
  headers: Record<string, string>,
  body: Buffer | string,
): Promise<{ status: number; text: string }> {
  return new Promise((resolve) => {
    const payload = typeof body === "string" ? Buffer.from(body) : body;
    const head =
      `${method} ${path} HTTP/1.1\r\nHost: ${base.host}\r\nConnection: close\r\nContent-Length: ${payload.length}\r\n` +
      `${Object.entries(headers)
        .map(([k, v]) => `${k}: ${v}\r\n`)
        .join("")}\r\n`;
    let reply = "";
    const socket = net.connect({ host: base.hostname, port: Number(base.port) }, () => {
      socket.write(head);
      socket.end(payload);
    });
    socket.on("data", (d) => {
      reply += d.toString("utf8");
    });
    socket.on("error", () => {});
    socket.on("close", () => {
      resolve({ status: Number(/^HTTP\/1\.1 (\d+)/.exec(reply)?.[1] ?? 0), text: reply });
    });
  });
}

function trickle(head: string, everyMs: number): Promise<{ status: number; text: string }> {
  return new Promise((resolve) => {
    let reply = "";
    const socket = net.connect({ host: base.hostname, port: Number(base.port) }, () => socket.write(head));
    const timer = setInterval(() => socket.write("x"), everyMs);
    socket.on("data", (d) => {
      reply += d.toString("utf8");
    });
    socket.on("error", () => {});
    socket.on("close", () => {
      clearInterval(timer);
      resolve({ status: Number(/^HTTP\/1\.1 (\d+)/.exec(reply)?.[1] ?? 0), text: reply });
    });
  });
}

async function measure(name: string, attack: () => Promise<{ status: number; text: string }>) {
  let running = true;
  let healthMax = 0;
  let peak = memory().rss;
  const sampler = setInterval(() => {
    peak = Math.max(peak, memory().rss);
  }, 10);
  const poller = (async () => {
    while (running) {
      const due = performance.now() + 50;
      await new Promise((r) => setTimeout(r, 50));
      await send("GET", "/healthz");
      healthMax = Math.max(healthMax, performance.now() - due);
    }
  })();
  const t0 = performance.now();
  let outcome: string;
  try {
    const res = await attack();
    outcome = `${res.status} ${(/<faultstring>([^<]*)/.exec(res.text)?.[1] ?? /"code":"(\w+)"/.exec(res.text)?.[1] ?? "").slice(0, 60)}`;
  } catch (e) {
    outcome = `error ${(e as Error).message}`;
  }
  const ms = performance.now() - t0;
  running = false;
  await poller;
  clearInterval(sampler);
  const m = memory();
  process.stdout.write(
    `| ${name} | ${outcome.trim()} | ${Math.round(ms)} ms | ${Math.round(healthMax)} ms | ` +
      `${Math.round(peak / MB)} MB | ${Math.round(m.hwm / MB)} MB |\n`,
  );
}

async function signIn(email: string): Promise<Record<string, string>> {
  const res = await send(
    "POST",
    "/api/v1/auth/token",
    { "content-type": "application/json" },
    JSON.stringify({ email, password: "demo" }),
  );
  const token = (JSON.parse(res.text) as { token?: string }).token;
  if (!token) throw new Error(`sign-in of ${email} failed: ${res.status} ${res.text}`);
  return { authorization: `Bearer ${token}` };
}

async function main() {
  const pm = await signIn("pm@acme.test");
  const zenith = await signIn("approver@zenith.test");
  const approver = await signIn("approver@acme.test");
  const me = JSON.parse((await send("GET", "/api/v1/me", pm)).text) as { companies: { id: string }[] };
  const companyId = me.companies[0]!.id;
  const projects = JSON.parse((await send("GET", `/api/v1/companies/${companyId}/projects`, pm)).text) as
    | { items?: { id: string }[] }
    | { id: string }[];
  const projectId = (Array.isArray(projects) ? projects : (projects.items ?? []))[0]!.id;
  const importUrl = `/api/v1/companies/${companyId}/projects/${projectId}/budget/import?dryRun=true`;
  const envelope = (inner: string) =>
    Buffer.from(
      `<?xml version="1.0"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>` +
        `<authenticate xmlns="http://developer.intuit.com/">${inner}</authenticate></soap:Body></soap:Envelope>`,
    );
  const xml = { "content-type": "text/xml" };
  const blank = (bytes: number) => Buffer.from(`cost_code,category,original_budget\n${"\n".repeat(bytes)}`);
  const csv = (auth: Record<string, string>) => ({ ...auth, "content-type": "text/csv" });
  const json = (auth: Record<string, string> = {}) => ({ ...auth, "content-type": "application/json" });

  process.stdout.write(
    `| attack | answer | time | /healthz slowest | RSS peak (10 ms samples) | RSS high-water mark |\n|---|---|---|---|---|---|\n`,
  );
  const million = envelope("<a/>".repeat(1_000_000));
  await measure("/qbwc 4 MB, a million empty elements", () => raw("POST", "/qbwc", xml, million));
  const deep = envelope(`${"<a>".repeat(100_000)}${"</a>".repeat(100_000)}`);
  await measure("/qbwc elements nested 100,000 deep", () => raw("POST", "/qbwc", xml, deep));
  const huge = envelope(`<strUserName>${"x".repeat(9 * MB)}</strUserName>`);
  await measure("/qbwc 9 MB", () => raw("POST", "/qbwc", xml, huge));
  const five = blank(5 * MB);
  await measure("CSV 5 MB of blank lines, other company's user", () =>
    raw("POST", importUrl, csv(zenith), five),
  );
  await measure("CSV 5 MB of blank lines, anonymous", () => raw("POST", importUrl, csv({}), five));
  await measure("CSV 5 MB of blank lines, the project manager", () => raw("POST", importUrl, csv(pm), five));
  const almost = blank(2 * MB - 100);
  await measure("CSV 2 MB of blank lines, the project manager", () =>
    raw("POST", importUrl, csv(pm), almost),
  );
  const rows = Buffer.from(`cost_code,category,original_budget\n${"03-300,L,1\n".repeat(150_000)}`);
  await measure("CSV 150,000 rows, the project manager", () => raw("POST", importUrl, csv(pm), rows));
  const deepJson = `{"reason":${"[".repeat(500_000)}${"]".repeat(500_000)}}`;
  const rejectUrl = `/api/v1/companies/${companyId}/erp/budget-submissions/unknown/reject`;
  await measure("JSON nested 500,000 deep (1 MB route)", () =>
    raw("POST", rejectUrl, json(approver), deepJson),
  );
  const array = `{"decisions":[${Array(300_000).fill("{}").join(",")}]}`;
  await measure("JSON array of 300,000 items", () =>
    raw("POST", `/api/v1/companies/${companyId}/erp/budget-submissions/decisions`, json(approver), array),
  );
  const big = `{"email":"${"x".repeat(10 * MB)}"}`;
  await measure("JSON 10 MB to sign-in", () => raw("POST", "/api/v1/auth/session", json(), big));
  if (!args.includes("--skip-slow")) {
    await measure("body trickling 1 byte / 10 s", () =>
      trickle(
        `POST /api/v1/auth/session HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n`,
        10_000,
      ),
    );
    await measure("headers trickling 1 byte / 1 s", () =>
      trickle("GET /healthz HTTP/1.1\r\nX-Slow: ", 1_000),
    );
  }
}

await main();
