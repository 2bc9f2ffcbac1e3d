import { z } from "zod";
import { listAuditEvents } from "../../app/admin/audit-log.js";
import {
  clearProjectOverride,
  getDirectoryEntry,
  inviteToDirectory,
  listDirectory,
  resendInvitation,
  setCanPushToAccounting,
  setProjectOverride,
  updateDirectoryEntry,
} from "../../app/admin/directory.js";
import { acceptInvitation } from "../../app/admin/invitations.js";
import {
  autoMatchCostCodes,
  autoMatchVendors,
  listCostCodeMappings,
  listQuickBooksCustomers,
  listQuickBooksVendors,
  listVendorMappings,
  setCostCodeMapping,
  setProjectErpJob,
  setVendorMapping,
} from "../../app/admin/mappings.js";
import { LEVELS } from "../../domain/permissions.js";
import type { RouteModule } from "../app.js";
import { actorOf } from "../auth.js";
import * as S from "../schemas.js";

const cp = "/api/v1/companies/:companyId";
const id = z.string().min(1).max(100);
const params = z.strictObject({ companyId: id });
const userParams = z.strictObject({ companyId: id, userId: id });
const level = z.enum(LEVELS);
const erpRef = z.string().trim().min(1).max(100);

const levels = {
  erpIntegrations: level.optional(),
  directory: level.optional(),
  budget: level.optional(),
  lockBudget: z.boolean().optional(),
  sendAndRetrieveBudget: z.boolean().optional(),
  subscribeErpDigest: z.boolean().optional(),
};

export const adminRoutes: RouteModule = (app, ctx) => {
  const dirTags = ["directory"];

  app.get(
    `${cp}/directory`,
    {
      schema: {
        response: S.answers({ 200: S.directoryListResponse }),
        tags: dirTags,
        summary: "The company directory",
        params,
      },
    },
    async (req) => listDirectory(ctx, actorOf(req), req.params.companyId),
  );
  app.post(
    `${cp}/directory`,
    {
      schema: {
        response: S.answers({ 201: S.directoryAddedResponse }),
        tags: dirTags,
        summary: "Invite someone (directory admin); an existing account is added and notified",
        params,
        body: z.strictObject({
          email: z.email().max(320),
          name: z.string().trim().min(1).max(200),
          permissions: z.strictObject({ ...levels, canPushToAccounting: z.boolean().optional() }).default({}),
        }),
      },
    },
    async (req, reply) =>
      reply.status(201).send(await inviteToDirectory(ctx, actorOf(req), req.params.companyId, req.body)),
  );
  app.get(
    `${cp}/directory/:userId`,
    {
      schema: {
        response: S.answers({ 200: S.directoryItemResponse }),
        tags: dirTags,
        summary: "One directory entry",
        params: userParams,
      },
    },
    async (req) => getDirectoryEntry(ctx, actorOf(req), req.params.companyId, req.params.userId),
  );
  app.patch(
    `${cp}/directory/:userId`,
    {
      schema: {
        response: S.answers({ 200: S.directoryItemResponse }),
        tags: dirTags,
        summary:
          "Edit levels, deactivate or reactivate (directory admin); anyone may change their own digest",
        params: userParams,
        body: z.strictObject({ ...levels, active: z.boolean().optional() }),
      },
    },
    async (req) => updateDirectoryEntry(ctx, actorOf(req), req.params.companyId, req.params.userId, req.body),
  );
  app.post(
    `${cp}/directory/:userId/invitation`,
    {
      schema: {
        response: S.answers({ 200: S.invitationSentResponse }),
        tags: dirTags,
        summary: "Send a new invitation to someone who has not set a password yet",
        params: userParams,
      },
    },
    async (req) => resendInvitation(ctx, actorOf(req), req.params.companyId, req.params.userId),
  );
  app.put(
    `${cp}/directory/:userId/can-push-to-accounting`,
    {
      schema: {
        response: S.answers({ 200: S.directoryItemResponse }),
        tags: dirTags,
        summary: "Self-service grant of Can Push to Accounting (where the operator enabled it)",
        params: userParams,
        body: z.strictObject({ granted: z.boolean() }),
      },
    },
    async (req) =>
      setCanPushToAccounting(
        ctx,
        { kind: "user", actor: actorOf(req) },
        req.params.companyId,
        req.params.userId,
        req.body.granted,
      ),
  );
  const overrideParams = z.strictObject({ companyId: id, projectId: id, userId: id });
  app.put(
    `${cp}/projects/:projectId/permissions/:userId`,
    {
      schema: {
        response: S.answers({ 200: S.projectOverrideResponse }),
        tags: dirTags,
        summary: "Per-project budget rights, replacing the company-wide ones on this project",
        params: overrideParams,
        body: z.strictObject({ budget: level, lockBudget: z.boolean(), sendAndRetrieveBudget: z.boolean() }),
      },
    },
    async (req) =>
      setProjectOverride(
        ctx,
        actorOf(req),
        req.params.companyId,
        req.params.projectId,
        req.params.userId,
        req.body,
      ),
  );
  app.delete(
    `${cp}/projects/:projectId/permissions/:userId`,
    {
      schema: {
        response: S.answers({ 204: S.noContent }),
        tags: dirTags,
        summary: "Back to the company-wide budget rights",
        params: overrideParams,
      },
    },
    async (req, reply) => {
      await clearProjectOverride(
        ctx,
        actorOf(req),
        req.params.companyId,
        req.params.projectId,
        req.params.userId,
      );
      return reply.status(204).send();
    },
  );

  app.post(
    "/api/v1/invitations/:invitationToken/accept",
    {
      schema: {
        response: S.answers({ 200: S.invitationAcceptedResponse }),
        tags: ["auth"],
        summary: "Accept an invitation: set a password (single use, 7 days)",
        security: [],
        params: z.strictObject({ invitationToken: z.string().min(1).max(200) }),
        body: z.strictObject({
          password: z.string().max(1000),
          name: z.string().trim().max(200).optional(),
        }),
      },
    },
    async (req) => acceptInvitation(ctx, req.params.invitationToken, req.body),
  );

  app.get(
    `${cp}/audit-events`,
    {
      schema: {
        response: S.answers({ 200: S.auditEventsResponse }),
        tags: ["audit"],
        summary: "The audit log, newest first (directory or ERP admin)",
        params,
        querystring: z.strictObject({
          entityType: z.string().max(100).optional(),
          entityId: z.string().max(200).optional(),
          actorUserId: z.string().max(100).optional(),
          actorKind: z.enum(["user", "operator", "system"]).optional(),
          action: z.string().max(100).optional(),
          from: z.iso.datetime({ offset: true }).optional(),
          to: z.iso.datetime({ offset: true }).optional(),
          cursor: z.string().max(100).optional(),
          limit: z.coerce.number().int().min(1).max(200).default(50),
        }),
      },
    },
    async (req) => {
      const { from, to, ...rest } = req.query;
      return listAuditEvents(ctx, actorOf(req), req.params.companyId, {
        ...rest,
        ...(from ? { from: new Date(from) } : {}),
        ...(to ? { to: new Date(to) } : {}),
      });
    },
  );

  const erpTags = ["erp-integrations"];
  const erp = `${cp}/erp`;
  app.get(
    `${erp}/mappings/cost-codes`,
    {
      schema: {
        response: S.answers({ 200: S.costCodeMappingsResponse }),
        tags: erpTags,
        summary: "Cost codes and their QuickBooks items, with the item pick list and name matches",
        params,
      },
    },
    async (req) => listCostCodeMappings(ctx, actorOf(req), req.params.companyId),
  );
  app.put(
    `${erp}/mappings/cost-codes/:costCodeId`,
    {
      schema: {
        response: S.answers({ 200: S.costCodeMappingResponse }),
        tags: erpTags,
        summary: "Map a cost code to a QuickBooks item (null clears it)",
        params: z.strictObject({ companyId: id, costCodeId: id }),
        body: z.strictObject({ itemRef: erpRef.nullable() }),
      },
    },
    async (req) =>
      setCostCodeMapping(ctx, actorOf(req), req.params.companyId, req.params.costCodeId, req.body.itemRef),
  );
  app.post(
    `${erp}/mappings/cost-codes/auto-match`,
    {
      schema: {
        response: S.answers({ 200: S.autoMatchResponse }),
        tags: erpTags,
        summary: "Map every unmapped cost code to the QuickBooks item with the same name",
        params,
      },
    },
    async (req) => autoMatchCostCodes(ctx, actorOf(req), req.params.companyId),
  );
  app.get(
    `${erp}/quickbooks/customers`,
    {
      schema: {
        response: S.answers({ 200: S.quickbooksCustomersResponse }),
        tags: erpTags,
        summary: "QuickBooks customers and jobs (pick list)",
        params,
      },
    },
    async (req) => listQuickBooksCustomers(ctx, actorOf(req), req.params.companyId),
  );
  app.get(
    `${erp}/mappings/vendors`,
    {
      schema: {
        response: S.answers({ 200: S.vendorMappingsResponse }),
        tags: erpTags,
        summary: "Vendors and their QuickBooks vendors, with a name match for each unlinked one",
        params,
      },
    },
    async (req) => listVendorMappings(ctx, actorOf(req), req.params.companyId),
  );
  app.put(
    `${erp}/mappings/vendors/:vendorId`,
    {
      schema: {
        response: S.answers({ 200: S.vendorMappingResponse }),
        tags: erpTags,
        summary: "Link a vendor to a QuickBooks vendor (null unlinks it)",
        params: z.strictObject({ companyId: id, vendorId: id }),
        body: z.strictObject({ vendorRef: erpRef.nullable() }),
      },
    },
    async (req) =>
      setVendorMapping(ctx, actorOf(req), req.params.companyId, req.params.vendorId, req.body.vendorRef),
  );
  app.post(
    `${erp}/mappings/vendors/auto-match`,
    {
      schema: {
        response: S.answers({ 200: S.vendorAutoMatchResponse }),
        tags: erpTags,
        summary: "Link every unlinked vendor to the QuickBooks vendor with the same name",
        params,
      },
    },
    async (req) => autoMatchVendors(ctx, actorOf(req), req.params.companyId),
  );
  app.get(
    `${erp}/quickbooks/vendors`,
    {
      schema: {
        response: S.answers({ 200: S.quickbooksVendorsResponse }),
        tags: erpTags,
        summary: "Active QuickBooks vendors (pick list)",
        params,
      },
    },
    async (req) => listQuickBooksVendors(ctx, actorOf(req), req.params.companyId),
  );
  const projectParams = z.strictObject({ companyId: id, projectId: id });
  app.put(
    `${cp}/projects/:projectId/erp-job`,
    {
      schema: {
        response: S.answers({ 200: S.projectErpJobResponse }),
        tags: erpTags,
        summary: "Link the project to a QuickBooks job, or choose the parent customer its job is added under",
        params: projectParams,
        body: z.union([
          z.strictObject({ existingJobRef: erpRef }),
          z.strictObject({ parentCustomerRef: erpRef }),
        ]),
      },
    },
    async (req) => setProjectErpJob(ctx, actorOf(req), req.params.companyId, req.params.projectId, req.body),
  );
  app.delete(
    `${cp}/projects/:projectId/erp-job`,
    {
      schema: {
        response: S.answers({ 200: S.projectErpJobResponse }),
        tags: erpTags,
        summary: "Unlink the project from QuickBooks",
        params: projectParams,
      },
    },
    async (req) => setProjectErpJob(ctx, actorOf(req), req.params.companyId, req.params.projectId, null),
  );
};
