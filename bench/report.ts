/** Percentiles, sliding-window counts and the printed table. */

/** Nearest-rank percentile of `values` (ms); NaN for none. */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

/** The most instants (sorted, ms) falling inside any window of `ms`, as a sliding-window limiter counts them. */
export function busiestWindow(sorted: number[], ms: number): number {
  let best = 0;
  let start = 0;
  for (let end = 0; end < sorted.length; end++) {
    while (sorted[end]! - sorted[start]! >= ms) start++;
    best = Math.max(best, end - start + 1);
  }
  return best;
}

/** measure, value, target, met (null: no target). */
export type Row = [string, string, string, boolean | null];

export function printTable(rows: Row[], write: (s: string) => void): void {
  const header: Row = ["Measure", "Result", "Target", null];
  const widths = [0, 1, 2].map((i) => Math.max(...[header, ...rows].map((r) => String(r[i]).length)));
  const line = (r: Row) => {
    const met = r[3] === null ? "" : r[3] ? "  ok" : "  MISSED";
    return `${String(r[0]).padEnd(widths[0]!)}  ${String(r[1]).padEnd(widths[1]!)}  ${String(r[2]).padEnd(widths[2]!)}${r === header ? "" : met}`;
  };
  write(`${line(header)}\n`);
  write(`${"-".repeat(widths[0]! + widths[1]! + widths[2]! + 10)}\n`);
  for (const r of rows) write(`${line(r)}\n`);
}
