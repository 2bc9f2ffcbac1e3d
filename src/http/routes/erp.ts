import { z } from "zod";
import { approversReport } from "../../app/erp/approvers-report.js";
import { decideMany } from "../../app/submissions/decide-many.js";
import { decideSubmission } from "../../app/submissions/decide-submission.js";
import { getSubmission, listSubmissions } from "../../app/submissions/queries.js";
import * as D from "../../domain/index.js";
import type { RouteModule } from "../app.js";
import { actorOf } from "../auth.js";
import { BODY_LIMITS } from "../limits.js";
import * as S from "../schemas.js";

const base = "/api/v1/companies/:companyId/erp";
const params = z.object({ companyId: z.string().min(1).max(100) });
const subParams = params.extend({ submissionId: z.string().min(1).max(100) });
const tags = ["erp-integrations"];

const statusList = z
  .string()
  .default("ready_to_export")
  .transform((v, c) => {
    const parts = v
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean);
    const bad = parts.find((s) => !(D.SUBMISSION_STATUSES as readonly string[]).includes(s));
    if (bad || parts.length === 0) {
      c.addIssue({
        code: "custom",
        message: `status must be one or more of ${D.SUBMISSION_STATUSES.join(", ")}`,
      });
      return z.NEVER;
    }
    return [...new Set(parts)] as D.SubmissionStatus[];
  });

export const erpRoutes: RouteModule = (app, ctx) => {
  app.get(
    `${base}/budget-submissions`,
    {
      schema: {
        response: S.answers({ 200: S.submissionListResponse }),
        tags,
        summary: "Budgets in the ERP Integrations tool, newest first, with counts per status",
        params,
        querystring: z.strictObject({
          status: statusList,
          cursor: z.string().max(500).optional(),
          limit: z.coerce.number().int().min(1).max(200).default(50),
        }),
      },
    },
    async (req) =>
      listSubmissions(ctx, actorOf(req), req.params.companyId, {
        statuses: req.query.status,
        limit: req.query.limit,
        ...(req.query.cursor ? { cursor: req.query.cursor } : {}),
      }),
  );
  app.get(
    `${base}/budget-submissions/:submissionId`,
    {
      schema: {
        response: S.answers({ 200: S.submissionDetailResponse }),
        tags,
        summary: "One submission: lines, decision, export, and what will be written",
        params: subParams,
      },
    },
    async (req) => getSubmission(ctx, actorOf(req), req.params.companyId, req.params.submissionId),
  );
  app.post(
    `${base}/budget-submissions/:submissionId/accept`,
    {
      schema: {
        response: S.answers({ 202: S.submissionStatusResponse }),
        tags,
        summary: "Accept: export to QuickBooks",
        params: subParams,
      },
    },
    async (req, reply) =>
      reply.status(202).send(
        await decideSubmission(ctx, actorOf(req), req.params.companyId, req.params.submissionId, {
          action: "accept",
        }),
      ),
  );
  app.post(
    `${base}/budget-submissions/:submissionId/reject`,
    {
      bodyLimit: BODY_LIMITS.large,
      schema: {
        response: S.answers({ 200: S.submissionStatusResponse }),
        tags,
        summary: "Reject with a reason",
        params: subParams,
        body: z.strictObject({ reason: z.string().max(100_000) }),
      },
    },
    async (req) =>
      decideSubmission(ctx, actorOf(req), req.params.companyId, req.params.submissionId, {
        action: "reject",
        reason: req.body.reason,
      }),
  );
  app.post(
    `${base}/budget-submissions/:submissionId/retry`,
    {
      schema: {
        response: S.answers({ 202: S.submissionStatusResponse }),
        tags,
        summary: "Retry a failed export",
        params: subParams,
      },
    },
    async (req, reply) =>
      reply.status(202).send(
        await decideSubmission(ctx, actorOf(req), req.params.companyId, req.params.submissionId, {
          action: "retry",
        }),
      ),
  );
  app.post(
    `${base}/budget-submissions/decisions`,
    {
      bodyLimit: BODY_LIMITS.large,
      schema: {
        response: S.answers({ 200: S.decisionsResponse }),
        tags,
        summary: "The Export button: accept or reject several submissions, each independently",
        params,
        body: z.strictObject({
          decisions: z
            .array(
              z.discriminatedUnion("action", [
                z.strictObject({ submissionId: z.string().min(1).max(100), action: z.literal("accept") }),
                z.strictObject({
                  submissionId: z.string().min(1).max(100),
                  action: z.literal("reject"),
                  reason: z.string().max(100_000),
                }),
              ]),
            )
            .min(1)
            .max(200),
        }),
      },
    },
    async (req) => decideMany(ctx, actorOf(req), req.params.companyId, req.body.decisions),
  );

  app.get(
    `${base}/approvers`,
    {
      schema: {
        response: S.answers({ 200: S.approversResponse }),
        tags,
        summary: "The Approvers report",
        params,
      },
    },
    async (req) => approversReport(ctx, actorOf(req), req.params.companyId),
  );
};
