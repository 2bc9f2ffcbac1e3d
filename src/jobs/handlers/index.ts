import type { JobName } from "../catalog.js";
import { dailySummaryTick } from "./daily-summary-tick.js";
import type { HandlerFactory } from "./deps.js";
import { exportSubmission } from "./export-submission.js";
import { qboChangeCapture } from "./qbo-change-capture.js";
import { qboWebhookDelivery } from "./qbo-webhook-delivery.js";
import { sendEmail } from "./send-email.js";

/** Each catalog job's handler; the type makes a job without a handler a compile error. */
export const HANDLERS: { [N in JobName]: HandlerFactory<N> } = {
  export_submission: exportSubmission,
  send_email: sendEmail,
  daily_summary_tick: dailySummaryTick,
  qbo_webhook_delivery: qboWebhookDelivery,
  qbo_change_capture: qboChangeCapture,
};
