import { parseNotification, receiveWebhook, verifyIntuitSignature } from "../../../app/erp/qbo-changes.js";
import { AppError } from "../../../app/errors.js";
import type { RouteModule } from "../../app.js";
import { BODY_LIMITS } from "../../limits.js";

/**
 * Intuit's webhook endpoint (`POST /webhooks/quickbooks`). Outside /api/v1: Intuit signs, nobody signs in. The body
 * is kept as the exact text received, because the `intuit-signature` HMAC covers those bytes; a missing or wrong
 * signature is refused before anything is stored. A good delivery is stored and queued, and answered at once.
 */
export const qboWebhookRoutes: RouteModule = async (app, ctx) => {
  await app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser("*", { parseAs: "string", bodyLimit: BODY_LIMITS.webhook }, (_r, body, done) =>
      done(null, body),
    );
    scope.post(
      "/webhooks/quickbooks",
      { bodyLimit: BODY_LIMITS.webhook, schema: { hide: true } },
      async (req, reply) => {
        const token = ctx.config.quickbooks.webhookVerifierToken;
        if (!token) throw new AppError("not_found", "QuickBooks webhooks are not configured.");
        const raw = typeof req.body === "string" ? req.body : "";
        const header = req.headers["intuit-signature"];
        const signature = Array.isArray(header) ? header[0] : header;
        if (!verifyIntuitSignature(raw, signature, token)) {
          throw new AppError("unauthenticated", "The intuit-signature header does not sign this body.", {
            field: "intuit-signature",
          });
        }
        const notification = parseNotification(raw);
        if (!notification) {
          throw new AppError("invalid_input", "The body is not a QuickBooks change notification.", {
            field: "eventNotifications",
          });
        }
        await receiveWebhook(ctx, raw, notification);
        return reply.status(200).send({ ok: true });
      },
    );
  });
};
