import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../../test/support/db.js";
import { migrate, readMigrations } from "./migrator.js";

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => t.drop());

async function q<T extends pg.QueryResultRow>(sql: string, params: unknown[] = []) {
  return (await t.pool.query<T>(sql, params)).rows;
}

describe("migrations", () => {
  it("recorded every migration file, and a second run applies nothing", async () => {
    const files = await readMigrations();
    const rows = await q<{ name: string }>("select name from schema_migrations order by version");
    expect(rows.map((r) => r.name)).toEqual(files.map((f) => f.name));
    expect((await migrate(t.url)).applied).toEqual([]);
  });

  it("refuses to start when an applied migration was edited", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "cb-mig-"));
    const db = await createTestDatabase({ empty: true });
    try {
      await writeFile(path.join(dir, "0001_first.sql"), "create table a (id int);");
      expect((await migrate(db.url, { dir })).applied).toEqual(["0001_first"]);
      await writeFile(path.join(dir, "0001_first.sql"), "create table a (id bigint);");
      await expect(migrate(db.url, { dir })).rejects.toThrow(/was changed after it was applied/);
    } finally {
      await db.drop();
    }
  });

  it("rolls back a failing migration whole and records nothing", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "cb-mig-"));
    const db = await createTestDatabase({ empty: true });
    try {
      await writeFile(path.join(dir, "0001_ok.sql"), "create table ok_table (id int);");
      await writeFile(
        path.join(dir, "0002_bad.sql"),
        "create table half (id int); select no_such_function();",
      );
      await expect(migrate(db.url, { dir })).rejects.toThrow(/migration 0002_bad failed/);
      const tables = await db.pool.query("select to_regclass('half') as half, to_regclass('ok_table') as ok");
      expect(tables.rows[0]).toEqual({ half: null, ok: "ok_table" });
      const recorded = await db.pool.query("select name from schema_migrations where name like '0002%'");
      expect(recorded.rowCount).toBe(0);
    } finally {
      await db.drop();
    }
  });

  it("runs concurrently from several processes without applying anything twice", async () => {
    const results = await Promise.all([migrate(t.url), migrate(t.url), migrate(t.url)]);
    expect(results.flatMap((r) => r.applied)).toEqual([]);
  });
});

describe("schema rules", () => {
  async function seedBudget() {
    await q("insert into companies (id, name) values ('c1', 'Acme') on conflict do nothing");
    await q("insert into users (id, email, name) values ('u1', 'u1@x.test', 'U') on conflict do nothing");
    await q(
      "insert into projects (company_id, id, number, name) values ('c1', 'p1', '1', 'P') on conflict do nothing",
    );
    await q(
      "insert into budgets (company_id, id, project_id) values ('c1', 'b1', 'p1') on conflict do nothing",
    );
  }
  const submission = (id: string, status: string) =>
    q(
      `insert into submissions (company_id, id, budget_id, project_id, status, submitted_by, line_count,
        total_original_minor, total_changes_minor, total_revised_minor, total_delta_minor)
       values ('c1', $1, 'b1', 'p1', $2, 'u1', 1, 0, 0, 0, 0)`,
      [id, status],
    );

  it("allows only known submission statuses", async () => {
    await seedBudget();
    await expect(submission("s-bad", "approved")).rejects.toThrow(/check constraint/);
  });

  it("holds at most one pending submission per budget", async () => {
    await seedBudget();
    await submission("s1", "ready_to_export");
    await expect(submission("s2", "ready_to_export")).rejects.toThrow(/submissions_one_pending/);
    await submission("s3", "rejected");
  });

  it("keeps per-status counts in step with the submissions", async () => {
    await seedBudget();
    await q("update submissions set status = 'exporting' where id = 's1'");
    const counts = await q<{ status: string; count: string }>(
      "select status, count::text from submission_counts where company_id = 'c1' and count > 0 order by status",
    );
    expect(counts).toEqual([
      { status: "exporting", count: "1" },
      { status: "rejected", count: "1" },
    ]);
  });

  it("stores money as bigint beyond the float-safe range", async () => {
    await seedBudget();
    await q("insert into cost_codes (company_id, id, code) values ('c1', 'cc1', '01')");
    await q("insert into categories (company_id, id, code, name) values ('c1', 'cat1', 'L', 'Labor')");
    await q(
      "insert into budget_lines (company_id, id, budget_id, cost_code_id, category_id, original_minor) values ('c1','l1','b1','cc1','cat1', 99999999999999)",
    );
    const row = await t.db
      .selectFrom("budget_lines")
      .select("original_minor")
      .where("id", "=", "l1")
      .executeTakeFirstOrThrow();
    expect(row.original_minor).toBe(99999999999999n);
    await expect(
      q(
        "insert into budget_lines (company_id, id, budget_id, cost_code_id, category_id, original_minor) values ('c1','l2','b1','cc1','cat1', 1)",
      ),
    ).rejects.toThrow(/duplicate key/);
  });

  it("leads every tenant-owned primary key with company_id", async () => {
    const rows = await q<{ table_name: string; first_col: string }>(`
      select tc.table_name, (select kcu.column_name from information_schema.key_column_usage kcu
        where kcu.constraint_name = tc.constraint_name and kcu.table_name = tc.table_name and kcu.ordinal_position = 1) as first_col
      from information_schema.table_constraints tc
      join information_schema.columns c on c.table_name = tc.table_name and c.column_name = 'company_id' and c.table_schema = 'public'
      where tc.constraint_type = 'PRIMARY KEY' and tc.table_schema = 'public'`);
    const offenders = rows.filter((r) => r.first_col !== "company_id" && r.table_name !== "companies");
    expect(offenders.map((r) => r.table_name)).toEqual([]);
    expect(rows.length).toBeGreaterThan(15);
  });
});
