import { z } from "zod";
import { finishQboConnect, startQboConnect } from "../../../app/erp/connection.js";
import { QUICKBOOKS_ONLINE } from "../../../app/erp/qbo-definition.js";
import { qboServiceFor } from "../../../app/erp/qbo-service.js";
import { AppError } from "../../../app/errors.js";
import type { RouteModule } from "../../app.js";
import { actorOf, authenticate } from "../../auth.js";
import * as S from "../../schemas.js";

const params = z.object({ companyId: z.string().min(1).max(100) });
const tags = ["erp-integrations"];

/**
 * Connecting QuickBooks Online: the call that starts the OAuth sign-in (its path is the one the registry entry
 * hands the web client) and the callback Intuit sends the admin back to.
 */
export const qboConnectRoutes: RouteModule = (app, ctx) => {
  const connect = QUICKBOOKS_ONLINE.connectRoute;
  if (connect) {
    app.route({
      method: connect.method,
      url: connect.path,
      schema: {
        response: S.answers({ 200: S.authorizeUrlResponse }),
        tags,
        summary: "Start connecting QuickBooks Online (OAuth)",
        params,
      },
      handler: async (req) => startQboConnect(ctx, qboServiceFor(ctx), actorOf(req), req.params.companyId),
    });
  }

  app.get(
    "/oauth/quickbooks/callback",
    {
      schema: {
        hide: true,
        querystring: z.object({
          code: z.string().max(2000).optional(),
          state: z.string().max(500).optional(),
          realmId: z.string().max(100).optional(),
          error: z.string().max(200).optional(),
        }),
      },
    },
    async (req, reply) => {
      const auth = await authenticate(ctx, req).catch(() => null);
      const companyHint = (req.query.state ?? "").split(".")[0] ?? "";
      try {
        const { companyId } = await finishQboConnect(
          ctx,
          qboServiceFor(ctx),
          auth ? { userId: auth.userId } : null,
          req.query,
        );
        return reply.redirect(`/companies/${encodeURIComponent(companyId)}/erp/connection?connected=1`);
      } catch (e) {
        if (!(e instanceof AppError)) throw e;
        const target = companyHint ? `/companies/${encodeURIComponent(companyHint)}/erp/connection` : "/";
        const q = new URLSearchParams({ error: e.code, message: e.message });
        return reply.redirect(`${target}?${q.toString()}`);
      }
    },
  );
};
