import { z } from "zod";
import {
  createCategory,
  createCostCode,
  listCategories,
  listCostCodes,
  updateCategory,
  updateCostCode,
} from "../../app/company/cost-codes-and-categories.js";
import { createProject, listProjects, updateProject } from "../../app/company/projects.js";
import { getSettings, updateSettings } from "../../app/company/settings.js";
import type { RouteModule } from "../app.js";
import { actorOf } from "../auth.js";
import * as S from "../schemas.js";

const cp = "/api/v1/companies/:companyId";
const params = z.object({ companyId: z.string().min(1).max(100) });
const tags = ["company"];
const text = (max: number) => z.string().trim().min(1).max(max);

export const companyRoutes: RouteModule = (app, ctx) => {
  app.get(
    `${cp}/projects`,
    {
      schema: {
        response: S.answers({ 200: S.projectListResponse }),
        tags,
        summary: "Projects",
        params,
        querystring: z.strictObject({
          cursor: z.string().max(200).optional(),
          limit: z.coerce.number().int().min(1).max(200).default(50),
        }),
      },
    },
    async (req) =>
      listProjects(ctx, actorOf(req), req.params.companyId, {
        limit: req.query.limit,
        ...(req.query.cursor ? { cursor: req.query.cursor } : {}),
      }),
  );
  app.post(
    `${cp}/projects`,
    {
      schema: {
        response: S.answers({ 201: S.projectResponse }),
        tags,
        summary: "Create a project (directory admin)",
        params,
        body: z.strictObject({ number: text(30), name: text(200) }),
      },
    },
    async (req, reply) =>
      reply.status(201).send(await createProject(ctx, actorOf(req), req.params.companyId, req.body)),
  );
  app.patch(
    `${cp}/projects/:projectId`,
    {
      schema: {
        response: S.answers({ 200: S.projectResponse }),
        tags,
        summary: "Rename a project or turn its Budget tool on or off",
        params: params.extend({ projectId: z.string().min(1).max(100) }),
        body: z.strictObject({ name: text(200).optional(), budgetToolActive: z.boolean().optional() }),
      },
    },
    async (req) => updateProject(ctx, actorOf(req), req.params.companyId, req.params.projectId, req.body),
  );

  app.get(
    `${cp}/cost-codes`,
    { schema: { response: S.answers({ 200: S.costCodeListResponse }), tags, summary: "Cost codes", params } },
    async (req) => listCostCodes(ctx, actorOf(req), req.params.companyId),
  );
  app.post(
    `${cp}/cost-codes`,
    {
      schema: {
        response: S.answers({ 201: S.costCodeResponse }),
        tags,
        summary: "Add a cost code (directory or ERP admin)",
        params,
        body: z.strictObject({ code: text(30), description: z.string().trim().max(500).default("") }),
      },
    },
    async (req, reply) =>
      reply.status(201).send(await createCostCode(ctx, actorOf(req), req.params.companyId, req.body)),
  );
  app.patch(
    `${cp}/cost-codes/:costCodeId`,
    {
      schema: {
        response: S.answers({ 200: S.costCodeResponse }),
        tags,
        summary: "Edit or deactivate a cost code",
        params: params.extend({ costCodeId: z.string().min(1).max(100) }),
        body: z.strictObject({
          description: z.string().trim().max(500).optional(),
          active: z.boolean().optional(),
        }),
      },
    },
    async (req) => updateCostCode(ctx, actorOf(req), req.params.companyId, req.params.costCodeId, req.body),
  );
  app.get(
    `${cp}/categories`,
    {
      schema: {
        response: S.answers({ 200: S.categoryListResponse }),
        tags,
        summary: "Categories (cost types)",
        params,
      },
    },
    async (req) => listCategories(ctx, actorOf(req), req.params.companyId),
  );
  app.post(
    `${cp}/categories`,
    {
      schema: {
        response: S.answers({ 201: S.categoryResponse }),
        tags,
        summary: "Add a category",
        params,
        body: z.strictObject({ code: text(10), name: text(100) }),
      },
    },
    async (req, reply) =>
      reply.status(201).send(await createCategory(ctx, actorOf(req), req.params.companyId, req.body)),
  );

  app.patch(
    `${cp}/categories/:categoryId`,
    {
      schema: {
        response: S.answers({ 200: S.categoryResponse }),
        tags,
        summary: "Rename a category (directory or ERP admin)",
        params: params.extend({ categoryId: z.string().min(1).max(100) }),
        body: z.strictObject({ name: text(100) }),
      },
    },
    async (req) => updateCategory(ctx, actorOf(req), req.params.companyId, req.params.categoryId, req.body),
  );

  app.get(
    `${cp}/settings`,
    {
      schema: { response: S.answers({ 200: S.settingsResponse }), tags, summary: "Company settings", params },
    },
    async (req) => getSettings(ctx, actorOf(req), req.params.companyId),
  );
  app.patch(
    `${cp}/settings`,
    {
      schema: {
        response: S.answers({ 200: S.settingsResponse }),
        tags,
        summary: "Change company settings (ERP admin)",
        params,
        body: z.strictObject({
          timeZone: z.string().max(100).optional(),
          currency: z
            .string()
            .regex(/^[A-Z]{3}$/, "a three-letter ISO currency code")
            .optional(),
          dailySummaryHour: z.number().int().min(0).max(23).optional(),
          createMissingItems: z.boolean().optional(),
          createMissingVendors: z.boolean().optional(),
          defaultParentCustomer: z.string().max(100).nullable().optional(),
          estimateMode: z.enum(["update_in_place", "new_estimate_per_submission"]).optional(),
          separationOfDuties: z.boolean().optional(),
          notifyApproversOnSend: z.boolean().optional(),
          useClasses: z.boolean().optional(),
        }),
      },
    },
    async (req) => updateSettings(ctx, actorOf(req), req.params.companyId, req.body),
  );
};
