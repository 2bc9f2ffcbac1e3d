/**
 * Routes never touch the database: SQL lives in the use cases of `src/app`, typed by Kysely, and `src/http` only
 * turns requests into use-case calls and their results into responses (docs/decisions/0013). This scans every
 * file under `src/http` for a database import, a query builder call, a raw statement or a direct use of the pool.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) return sources(full);
    return /\.ts$/.test(name) && !/\.test\.ts$/.test(name) ? [full] : [];
  });
}

const FORBIDDEN: [string, RegExp][] = [
  ["imports kysely", /from\s+["']kysely["']/],
  ["imports pg", /from\s+["']pg["']/],
  ["imports the database layer", /from\s+["'](\.\.\/)+db\//],
  ["builds a query", /\.(selectFrom|insertInto|updateTable|deleteFrom|replaceInto|mergeInto|with)\(\s*["']/],
  ["opens a transaction", /\.transaction\(\)/],
  ["writes raw SQL", /\bsql`|\bsql\.(raw|ref|lit|table|id)\(/],
  ["uses the connection pool", /\.pool\b/],
  [
    "holds an SQL statement",
    /["'`]\s*(select\s[\s\S]{0,200}?\sfrom\s|insert\s+into\s|update\s+\w+\s+set\s|delete\s+from\s)/i,
  ],
];

function offences(file: string, text: string): string[] {
  const found: string[] = [];
  for (const [what, re] of FORBIDDEN) {
    const m = re.exec(text);
    if (m) found.push(`${file}:${text.slice(0, m.index).split("\n").length} ${what}`);
  }
  return found;
}

describe("the HTTP layer", () => {
  it("holds no SQL: no database import, query builder, transaction, raw statement or pool", () => {
    const root = process.cwd();
    const files = sources(path.join(root, "src", "http"));
    expect(files.length).toBeGreaterThan(10);
    const found = files.flatMap((f) =>
      offences(path.relative(root, f).split(path.sep).join("/"), readFileSync(f, "utf8")),
    );
    expect(found).toEqual([]);
  });

  it("the scan recognises each kind of offence", () => {
    const samples = [
      'import { sql } from "kysely";',
      'import { runPrepared } from "../db/prepared.js";',
      'await ctx.db.selectFrom("users").selectAll().execute();',
      "await ctx.db.transaction().execute(async (tx) => {});",
      "await ctx.pool.query(q);",
      "const q = `select id from users where id = $1`;",
      'const q = "delete from auth_tokens where id = $1";',
    ];
    for (const s of samples) expect(offences("sample.ts", s), s).not.toEqual([]);
    expect(offences("sample.ts", 'app.get("/api/v1/me", async (req) => whoAmI(ctx, req));')).toEqual([]);
  });
});
