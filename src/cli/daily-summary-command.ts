import pino from "pino";
import type { AppContext } from "../app/context.js";
import { runDailySummary } from "../app/email/daily-summary.js";
import { AppError } from "../app/errors.js";
import { createDatabase } from "../db/database.js";
import { parseLocalDate } from "../domain/daily-summary.js";
import { resolveDatabase } from "../runtime/database.js";
import type { AddCommand } from "./extra-commands.js";

export const dailySummaryCommand: AddCommand = (program, loadConfig) => {
  program
    .command("daily-summary")
    .description("queue the ERP Integrations Daily Summary now (once per approver and local date)")
    .option("--date <YYYY-MM-DD>", "the company-local date to summarise (default: each company's today)")
    .option("--company <id>", "only this company")
    .action(async (opts: { date?: string; company?: string }) => {
      if (opts.date !== undefined && !parseLocalDate(opts.date).ok) {
        process.stderr.write("--date must be a calendar date written YYYY-MM-DD\n");
        process.exitCode = 2;
        return;
      }
      const config = loadConfig();
      const database = await resolveDatabase(config, { owner: false });
      const { db, pool, close } = createDatabase(database.url, { max: 2 });
      const ctx: AppContext = {
        config,
        db,
        pool,
        log: pino({ level: config.logLevel === "info" ? "warn" : config.logLevel }),
        now: () => new Date(),
        readiness: { migrated: true, seeded: true, workerRunning: () => false },
      };
      try {
        const { sent } = await runDailySummary(ctx, {
          now: ctx.now(),
          date: opts.date,
          companyId: opts.company,
          force: true,
        });
        process.stdout.write(`sent ${sent}\n`);
      } catch (e) {
        if (!(e instanceof AppError)) throw e;
        process.stderr.write(`${e.message}\n`);
        process.exitCode = 1;
      } finally {
        await close();
        await database.release();
      }
    });
};
