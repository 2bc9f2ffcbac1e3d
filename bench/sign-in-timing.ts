/**
 * How long a failed sign-in takes for an email that has no account, one whose account has no password yet, and one
 * with a wrong password (plus a right one, for scale): the answers must not tell which accounts exist.
 *
 *   npx tsx bench/sign-in-timing.ts [samples per case, default 40]
 *
 * Runs the real HTTP app (fastify inject) against a fresh database on the test cluster under .data/test-pg (or the
 * server in DATABASE_URL), dropped afterwards. Every sample uses its own email and client address, so the
 * throttling never answers in place of the password check.
 */
import path from "node:path";
import pg from "pg";
import pino from "pino";
import type { AppContext } from "../src/app/context.js";
import { parseEnv } from "../src/config/env.js";
import { createDatabase } from "../src/db/database.js";
import { ensureDatabase, startEmbeddedCluster } from "../src/db/embedded-postgres.js";
import { migrate } from "../src/db/migrator.js";
import { buildHttpApp } from "../src/http/app.js";
import { allRoutes } from "../src/http/routes/index.js";
import { newId } from "../src/lib/ids.js";
import { hashPassword } from "../src/lib/passwords.js";
import { resolveSecrets } from "../src/runtime/secrets.js";

const samples = Number(process.argv[2] ?? 40);
const PASSWORD = "a long and right passphrase";

function withDatabase(url: string, db: string): string {
  const u = new URL(url);
  u.pathname = `/${db}`;
  return u.toString();
}

const adminUrl = process.env.DATABASE_URL
  ? withDatabase(process.env.DATABASE_URL, "postgres")
  : (await startEmbeddedCluster(path.resolve(".data/test-pg"), { database: "postgres" })).urlFor("postgres");
const name = `cb_timing_${Date.now().toString(36)}`;
await ensureDatabase(adminUrl, name);
const url = withDatabase(adminUrl, name);
await migrate(url);
const database = createDatabase(url, { max: 4 });
const config = resolveSecrets(
  parseEnv({
    DATABASE_URL: url,
    DEMO: "off",
    SECRET_KEY: "timing-secret-key-0123456789-abcdefghijklmnop",
    OPERATOR_TOKEN: "op_timing_operator_token_0123456789",
    PUBLIC_URL: "http://costbridge.test",
    LOG_LEVEL: "silent",
  }),
);
const ctx: AppContext = {
  config,
  db: database.db,
  pool: database.pool,
  log: pino({ level: "silent" }),
  now: () => new Date(),
  readiness: { migrated: true, seeded: true, workerRunning: () => true },
};
const app = await buildHttpApp(ctx, { routes: allRoutes, webDist: null });
await app.ready();

try {
  const hash = await hashPassword(PASSWORD);
  const users = { known: [] as string[], pending: [] as string[] };
  for (let i = 0; i < samples; i++) {
    for (const kind of ["known", "pending"] as const) {
      const email = `${kind}-${i}@timing.test`;
      await ctx.db
        .insertInto("users")
        .values({ id: newId("usr"), email, name: email, password_hash: kind === "known" ? hash : null })
        .execute();
      users[kind].push(email);
    }
  }
  const cases: Record<string, (i: number) => { email: string; password: string }> = {
    "unknown email": (i) => ({ email: `nobody-${i}@timing.test`, password: "a guess" }),
    "account without a password": (i) => ({ email: users.pending[i]!, password: "a guess" }),
    "wrong password": (i) => ({ email: users.known[i]!, password: "a guess" }),
    "right password": (i) => ({ email: users.known[i]!, password: PASSWORD }),
  };
  const times: Record<string, number[]> = Object.fromEntries(Object.keys(cases).map((k) => [k, []]));
  let address = 0;
  // Interleaved, so a slow moment of the machine falls on every case alike.
  for (let i = 0; i < samples; i++) {
    for (const [label, make] of Object.entries(cases)) {
      address++;
      const started = process.hrtime.bigint();
      const res = await app.inject({
        method: "POST",
        url: "/api/v1/auth/token",
        remoteAddress: `10.${(address >> 16) & 255}.${(address >> 8) & 255}.${address & 255}`,
        payload: make(i),
      });
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      const expected = label === "right password" ? 200 : 401;
      if (res.statusCode !== expected)
        throw new Error(`${label}: answered ${res.statusCode}, not ${expected}`);
      times[label]!.push(ms);
    }
  }
  const pct = (xs: number[], p: number) => {
    const s = [...xs].sort((a, b) => a - b);
    return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
  };
  console.log(`sign-in answer times over ${samples} samples each (ms)`);
  console.log("case                          min  median    p90    max");
  for (const [label, xs] of Object.entries(times)) {
    const row = [Math.min(...xs), pct(xs, 50), pct(xs, 90), Math.max(...xs)].map((n) =>
      n.toFixed(1).padStart(6),
    );
    console.log(`${label.padEnd(28)}${row.join(" ")}`);
  }
} finally {
  await app.close();
  await database.close();
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`drop database if exists "${name}" with (force)`);
  await admin.end();
}
