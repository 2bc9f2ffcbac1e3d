import { z } from "zod";
import { disconnect, getConnection } from "../../app/erp/connection.js";
import type { RouteModule } from "../app.js";
import { actorOf } from "../auth.js";
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
  app.delete(
    `${base}/connection`,
    { schema: { response: S.answers({ 204: S.noContent }), tags, summary: "Disconnect QuickBooks", params } },
    async (req, reply) => {
      await disconnect(ctx, actorOf(req), req.params.companyId);
      return reply.status(204).send();
    },
  );
};
