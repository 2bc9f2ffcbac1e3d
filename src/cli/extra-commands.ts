import type { Command } from "commander";
import type { Config } from "../config/env.js";
import { dailySummaryCommand } from "./daily-summary-command.js";
import { emulatorCommand } from "./emulator-command.js";

export type AddCommand = (program: Command, loadConfig: () => Config) => void;

const bench: AddCommand = (program) => {
  program
    .command("bench")
    .description("run the benchmarks in bench/ (see bench/README.md); ends with one JSON line")
    .option("--quick", "smaller data and shorter windows (under 3 minutes)")
    .option("--only <phases>", "comma-separated: list, latency, rate, realms, summary")
    .action(async (opts: { quick?: boolean; only?: string }) => {
      // Loaded on demand: the benchmark harness is not part of a running product.
      const { benchCommand } = await import("../../bench/command.js");
      await benchCommand({ quick: opts.quick === true, only: opts.only?.split(",").map((p) => p.trim()) });
      process.exit(0);
    });
};

export const extraCommands: AddCommand[] = [bench, dailySummaryCommand, emulatorCommand];
