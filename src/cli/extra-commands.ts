import type { Command } from "commander";
import type { Config } from "../config/env.js";
import { dailySummaryCommand } from "./daily-summary-command.js";
import { emulatorCommand } from "./emulator-command.js";

export type AddCommand = (program: Command, loadConfig: () => Config) => void;

const bench: AddCommand = (program) => {
  program
    .command("bench")
    .description("run the benchmarks in bench/")
    .allowUnknownOption(true)
    .action(() => {
      process.stdout.write("No benchmarks yet.\n");
    });
};

export const extraCommands: AddCommand[] = [bench, dailySummaryCommand, emulatorCommand];
