import { processWebhookDelivery } from "../../app/erp/qbo-changes.js";
import type { HandlerFactory } from "./deps.js";

/** Takes in what one verified QuickBooks Online webhook delivery says changed. */
export const qboWebhookDelivery: HandlerFactory<"qbo_webhook_delivery"> =
  ({ ctx }) =>
  (payload) =>
    processWebhookDelivery(ctx, payload.deliveryId);
