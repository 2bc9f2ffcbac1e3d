/**
 * Every statement on a tenant table can be routed by company: the tables are laid out to be distributed by
 * `company_id` (docs/operations.md, "Beyond one PostgreSQL"), which only pays off if every select, update and delete
 * on them names the company. This scans the query-builder statements in `src` (from `selectFrom` / `updateTable` /
 * `deleteFrom` to their `execute…` call) and flags those that do not. Inserts always carry `company_id` (a column
 * every tenant table requires). Raw SQL is not scanned.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

const TENANT_TABLES = new Set(
  `directory_entries projects project_permissions budgets budget_lines budget_changes budget_change_adjustments
   cost_codes categories submissions submission_lines submission_counts exports export_attempts erp_connections
   erp_estimates email_outbox audit_events invitations oauth_states qbwc_plans qbwc_requests qbwc_sessions
   qbwc_session_lookups`.split(/\s+/),
);

/** Statements that span every company on purpose, each with its reason. */
const CROSS_TENANT: Record<string, string> = {
  "src/app/health/submission-totals.ts selectFrom submission_counts":
    "the installation-wide gauge of /metrics, a multi-shard sum",
  "src/app/sign-in.ts updateTable directory_entries":
    "a person signs in to every company that added them: one statement per shard, keyed by the user",
};

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) return sources(full);
    return /\.ts$/.test(name) && !/\.test\.ts$/.test(name) ? [full] : [];
  });
}

describe("tenant tables", () => {
  it("every select, update and delete on a tenant table names the company", () => {
    const offenders: string[] = [];
    const seen = new Set<string>();
    for (const file of sources(path.join(process.cwd(), "src"))) {
      const rel = path.relative(process.cwd(), file).split(path.sep).join("/");
      const text = readFileSync(file, "utf8");
      for (const m of text.matchAll(/\.(selectFrom|updateTable|deleteFrom)\(\s*"(\w+)(?: as \w+)?"/g)) {
        const [, verb, table] = m;
        if (!table || !TENANT_TABLES.has(table)) continue;
        const rest = text.slice(m.index + m[0].length);
        const end = /\.(execute|executeTakeFirst|executeTakeFirstOrThrow|stream|compile)\(/.exec(rest);
        const statement = rest.slice(0, end ? end.index : 400);
        // By column name, a where-object (`{ company_id: … }`), or the queue's step key (which includes it).
        const keyVar = /eb\.and\((\w+)\)/.exec(statement)?.[1];
        const routed =
          /["']([\w]+\.)?company_id["']|company_id:|stepKey\(/.test(statement) ||
          (keyVar !== undefined && new RegExp(`const ${keyVar} = stepKey\\(`).test(text));
        const key = `${rel} ${verb} ${table}`;
        seen.add(key);
        if (!routed && !CROSS_TENANT[key]) {
          offenders.push(`${rel}:${text.slice(0, m.index).split("\n").length} ${verb}("${table}")`);
        }
      }
    }
    expect(offenders).toEqual([]);
    // The exceptions still exist (a stale one would hide nothing, but would mislead).
    for (const key of Object.keys(CROSS_TENANT)) expect(seen.has(key), key).toBe(true);
  });
});
