import type { AppContext } from "../context.js";

/** How many submissions are in each status, all companies together (the installation-wide gauge of /metrics). */
export async function submissionTotals(ctx: AppContext): Promise<{ status: string; count: number }[]> {
  const rows = await ctx.db
    .selectFrom("submission_counts")
    .select(["status", (eb) => eb.fn.sum<string>("count").as("n")])
    .groupBy("status")
    .execute();
  return rows.map((r) => ({ status: r.status, count: Number(r.n) }));
}
