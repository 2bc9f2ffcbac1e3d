import { z } from "zod";
import { disconnect, finishQboConnect, getConnection, startQboConnect } from "../../app/erp/connection.js";
import { qboServiceFor } from "../../app/erp/qbo-service.js";
import { AppError } from "../../app/errors.js";
import type { RouteModule } from "../app.js";
import { actorOf, authenticate } from "../auth.js";
import * as S from "../schemas.js";

const base = "/api/v1/companies/:companyId/erp";
const params = z.object({ companyId: z.string().min(1).max(100) });
const tags = ["erp-integrations"];

export const erpConnectionRoutes: RouteModule = (app, ctx) => {
  app.get(
    `${base}/connection`,
    {
      schema: {
        response: S.answers({ 200: S.connectionResponse }),
        tags,
        summary: "The company's QuickBooks connection and its health",
        params,
      },
    },
    async (req) => getConnection(ctx, actorOf(req), req.params.companyId),
  );
  app.post(
    `${base}/connection/quickbooks-online/connect`,
    {
      schema: {
        response: S.answers({ 200: S.authorizeUrlResponse }),
        tags,
        summary: "Start connecting QuickBooks Online (OAuth)",
        params,
      },
    },
    async (req) => startQboConnect(ctx, qboServiceFor(ctx), actorOf(req), req.params.companyId),
  );
  app.delete(
    `${base}/connection`,
    { schema: { response: S.answers({ 204: S.noContent }), tags, summary: "Disconnect QuickBooks", params } },
    async (req, reply) => {
      await disconnect(ctx, actorOf(req), req.params.companyId);
      return reply.status(204).send();
    },
  );

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
