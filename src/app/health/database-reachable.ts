import type { AppContext } from "../context.js";

/** Whether the database answers a trivial statement right now. */
export async function databaseReachable(ctx: AppContext): Promise<boolean> {
  try {
    await ctx.pool.query("select 1");
    return true;
  } catch {
    return false;
  }
}
