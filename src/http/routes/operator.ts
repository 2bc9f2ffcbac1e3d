import { z } from "zod";
import { setCanPushToAccounting } from "../../app/admin/directory.js";
import { createCompany, listCompanies, updateCompany } from "../../app/admin/operator.js";
import { AppError } from "../../app/errors.js";
import type { RouteModule } from "../app.js";
import { requireOperator } from "../auth.js";
import * as S from "../schemas.js";

const tags = ["operator"];
const security = [{ operator: [] }];
const id = z.string().min(1).max(100);

export const operatorRoutes: RouteModule = (app, ctx) => {
  app.get(
    "/api/v1/operator/companies",
    {
      schema: {
        response: S.answers({ 200: S.operatorCompanyListResponse }),
        tags,
        security,
        summary: "Every company of this installation",
      },
    },
    async (req) => {
      requireOperator(ctx, req);
      return listCompanies(ctx);
    },
  );

  app.post(
    "/api/v1/operator/companies",
    {
      schema: {
        response: S.answers({ 201: S.operatorCompanyCreatedResponse }),
        tags,
        security,
        summary: "Create a company and invite its first admin by email",
        body: z.strictObject({
          name: z.string().trim().min(1).max(200),
          timeZone: z.string().trim().min(1).max(100),
          currency: z
            .string()
            .regex(/^[A-Z]{3}$/, "a three-letter ISO currency code")
            .optional(),
          adminEmail: z.email().max(320),
          adminName: z.string().trim().min(1).max(200),
        }),
      },
    },
    async (req, reply) => {
      requireOperator(ctx, req);
      return reply.status(201).send(await createCompany(ctx, req.body));
    },
  );

  app.patch(
    "/api/v1/operator/companies/:companyId",
    {
      schema: {
        response: S.answers({ 200: S.operatorCompanyResponse }),
        tags,
        security,
        summary: "Change a company: self-service approver grants, name",
        params: z.strictObject({ companyId: id }),
        body: z.strictObject({
          selfServiceApproverGrants: z.boolean().optional(),
          name: z.string().trim().min(1).max(200).optional(),
        }),
      },
    },
    async (req) => {
      requireOperator(ctx, req);
      if (req.body.selfServiceApproverGrants === undefined && req.body.name === undefined) {
        throw new AppError("invalid_input", "Nothing to change: send at least one field.");
      }
      return updateCompany(ctx, req.params.companyId, req.body);
    },
  );

  app.put(
    "/api/v1/operator/companies/:companyId/users/:userId/can-push-to-accounting",
    {
      schema: {
        response: S.answers({ 200: S.directoryItemResponse }),
        tags,
        security,
        summary: "Grant or withdraw the Can Push to Accounting privilege",
        params: z.strictObject({ companyId: id, userId: id }),
        body: z.strictObject({ granted: z.boolean() }),
      },
    },
    async (req) => {
      requireOperator(ctx, req);
      return setCanPushToAccounting(
        ctx,
        { kind: "operator" },
        req.params.companyId,
        req.params.userId,
        req.body.granted,
      );
    },
  );
};
