import { runChangeCapture } from "../../app/erp/qbo-changes.js";
import type { HandlerFactory } from "./deps.js";

/** The scheduled change data capture: one call per QuickBooks Online company that is due. */
export const qboChangeCapture: HandlerFactory<"qbo_change_capture"> =
  ({ ctx }) =>
  async () => {
    await runChangeCapture(ctx);
  };
