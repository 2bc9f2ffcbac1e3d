import { PHASES, type Phase, printTable, reportRows, runBench } from "./run.js";

/** Runs the benchmarks, prints the table, and ends stdout with exactly one JSON line. */
export async function benchCommand(opts: { quick: boolean; only?: string[] }): Promise<void> {
  const unknown = opts.only?.filter((p) => !(PHASES as string[]).includes(p)) ?? [];
  if (unknown.length) throw new Error(`unknown phase ${unknown.join(", ")}; phases: ${PHASES.join(", ")}`);
  const result = await runBench({ quick: opts.quick, ...(opts.only ? { only: opts.only as Phase[] } : {}) });
  const write = (s: string) => process.stdout.write(s);
  write(`\nCostbridge benchmarks (${result.mode}) on ${JSON.stringify(result.machine)}\n\n`);
  printTable(reportRows(result as Record<string, number | string | undefined>), write);
  write(`\n${JSON.stringify(result)}\n`);
}
