import type { FastifyRequest } from "fastify";
import { z } from "zod";
import type { DocumentType } from "../../app/documents/index.js";
import { approversReport } from "../../app/erp/approvers-report.js";
import { decideMany } from "../../app/submissions/decide-many.js";
import { type Decision, decideSubmission } from "../../app/submissions/decide-submission.js";
import {
  getCommitmentSubmission,
  getSubmission,
  listCommitmentSubmissions,
  listSubmissions,
} from "../../app/submissions/queries.js";
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

/** One tab of ERP Integrations: which kind of document it lists and decides, and how it answers. */
interface SubmissionTab {
  path: string;
  documentType: DocumentType;
  words: { list: string; detail: string };
  listResponse: z.ZodType;
  detailResponse: z.ZodType;
  list: typeof listSubmissions | typeof listCommitmentSubmissions;
  get: typeof getSubmission | typeof getCommitmentSubmission;
}

const TABS: SubmissionTab[] = [
  {
    path: "budget-submissions",
    documentType: "budget",
    words: {
      list: "Budgets in the ERP Integrations tool, newest first, with counts per status",
      detail: "One submission: lines, decision, export, and what will be written",
    },
    listResponse: S.submissionListResponse,
    detailResponse: S.submissionDetailResponse,
    list: listSubmissions,
    get: getSubmission,
  },
  {
    path: "commitment-submissions",
    documentType: "commitment",
    words: {
      list: "Commitments in the ERP Integrations tool, newest first, with counts per status",
      detail:
        "One commitment's submission: lines, decision, export, and the purchase order that will be written",
    },
    listResponse: S.commitmentSubmissionListResponse,
    detailResponse: S.commitmentSubmissionDetailResponse,
    list: listCommitmentSubmissions,
    get: getCommitmentSubmission,
  },
];

export const erpRoutes: RouteModule = (app, ctx) => {
  // The Budgets and Commitments tabs: the same routes and the same decisions, each on its own kind of document
  // (an id of the other kind is not found).
  for (const tab of TABS) {
    const decide = (
      req: FastifyRequest & { params: { companyId: string; submissionId: string } },
      d: Decision,
    ) =>
      decideSubmission(ctx, actorOf(req), req.params.companyId, req.params.submissionId, d, tab.documentType);
    const at = `${base}/${tab.path}`;
    const noun = tab.documentType === "commitment" ? "commitment submissions" : "submissions";
    app.get(
      at,
      {
        schema: {
          response: S.answers({ 200: tab.listResponse }),
          tags,
          summary: tab.words.list,
          params,
          querystring: z.strictObject({
            status: statusList,
            cursor: z.string().max(500).optional(),
            limit: z.coerce.number().int().min(1).max(200).default(50),
          }),
        },
      },
      async (req) =>
        tab.list(ctx, actorOf(req), req.params.companyId, {
          statuses: req.query.status,
          limit: req.query.limit,
          ...(req.query.cursor ? { cursor: req.query.cursor } : {}),
        }),
    );
    app.get(
      `${at}/:submissionId`,
      {
        schema: {
          response: S.answers({ 200: tab.detailResponse }),
          tags,
          summary: tab.words.detail,
          params: subParams,
        },
      },
      async (req) => tab.get(ctx, actorOf(req), req.params.companyId, req.params.submissionId),
    );
    app.post(
      `${at}/:submissionId/accept`,
      {
        schema: {
          response: S.answers({ 202: S.submissionStatusResponse }),
          tags,
          summary: "Accept: export to QuickBooks",
          params: subParams,
        },
      },
      async (req, reply) => reply.status(202).send(await decide(req, { action: "accept" })),
    );
    app.post(
      `${at}/:submissionId/reject`,
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
      async (req) => decide(req, { action: "reject", reason: req.body.reason }),
    );
    app.post(
      `${at}/:submissionId/retry`,
      {
        schema: {
          response: S.answers({ 202: S.submissionStatusResponse }),
          tags,
          summary: "Retry a failed export",
          params: subParams,
        },
      },
      async (req, reply) => reply.status(202).send(await decide(req, { action: "retry" })),
    );
    app.post(
      `${at}/decisions`,
      {
        bodyLimit: BODY_LIMITS.large,
        schema: {
          response: S.answers({ 200: S.decisionsResponse }),
          tags,
          summary: `The Export button: accept or reject several ${noun}, each independently`,
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
      async (req) =>
        decideMany(ctx, actorOf(req), req.params.companyId, req.body.decisions, tab.documentType),
    );
  }

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
