import { runDailySummary } from "../../app/email/daily-summary.js";
import type { HandlerFactory } from "./deps.js";

/** The scheduled check: queues the daily summaries that are due now. */
export const dailySummaryTick: HandlerFactory<"daily_summary_tick"> =
  ({ ctx }) =>
  async () => {
    await runDailySummary(ctx, { now: ctx.now() });
  };
