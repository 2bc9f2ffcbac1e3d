import { Command } from "commander";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createTestApp, type TestApp } from "../../test/support/app.js";
import { insertSubmission } from "../../test/support/email.js";
import { makeCompany, makeUser } from "../../test/support/factories.js";
import { dailySummaryCommand } from "./daily-summary-command.js";

let t: TestApp;
let companyId: string;
beforeAll(async () => {
  t = await createTestApp();
  companyId = await makeCompany(t.ctx);
  await makeUser(t.ctx, companyId, { erpIntegrations: "standard", canPushToAccounting: true });
  await makeUser(t.ctx, companyId, { erpIntegrations: "standard", canPushToAccounting: true });
  const pm = await makeUser(t.ctx, companyId, { budget: "admin" });
  await insertSubmission(t.ctx, companyId, { submittedBy: pm.id });
});
afterAll(async () => {
  await t.close();
});

async function run(args: string[]): Promise<{ out: string; err: string; exitCode: number | undefined }> {
  const program = new Command("costbridge").exitOverride();
  dailySummaryCommand(program, () => t.ctx.config);
  let out = "";
  let err = "";
  const stdout = vi.spyOn(process.stdout, "write").mockImplementation((chunk) => {
    out += String(chunk);
    return true;
  });
  const stderr = vi.spyOn(process.stderr, "write").mockImplementation((chunk) => {
    err += String(chunk);
    return true;
  });
  const before = process.exitCode;
  try {
    await program.parseAsync(["node", "costbridge", "daily-summary", ...args]);
    return { out, err, exitCode: process.exitCode === before ? undefined : Number(process.exitCode) };
  } finally {
    process.exitCode = before;
    stdout.mockRestore();
    stderr.mockRestore();
  }
}

describe("costbridge daily-summary", () => {
  it("queues the summary for a date and company and prints how many", async () => {
    expect(await run(["--date", "2026-03-10", "--company", companyId])).toMatchObject({ out: "sent 2\n" });
    expect(await run(["--date", "2026-03-10", "--company", companyId])).toMatchObject({ out: "sent 0\n" });
    const rows = await t.ctx.db
      .selectFrom("email_outbox")
      .select("dedupe_key")
      .where("company_id", "=", companyId)
      .execute();
    expect(rows.map((r) => r.dedupe_key.split(":")[2])).toEqual(["2026-03-10", "2026-03-10"]);
  });

  it("refuses an impossible date and an unknown company", async () => {
    const badDate = await run(["--date", "2026-13-01"]);
    expect(badDate.exitCode).toBe(2);
    expect(badDate.err).toMatch(/YYYY-MM-DD/);
    const unknown = await run(["--company", "co_nope"]);
    expect(unknown.exitCode).toBe(1);
    expect(unknown.err).toMatch(/not found/);
  });
});
