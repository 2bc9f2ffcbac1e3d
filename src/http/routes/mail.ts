import type { FastifyRequest } from "fastify";
import { z } from "zod";
import { runDailySummary } from "../../app/email/daily-summary.js";
import { listDemoMailbox } from "../../app/email/mailbox.js";
import {
  listOutbox,
  OUTBOX_STATUSES,
  type OutboxItem,
  requireOutboxAccess,
  retryOutboxEmail,
} from "../../app/email/outbox.js";
import { AppError } from "../../app/errors.js";
import { parseLocalDate } from "../../domain/daily-summary.js";
import type { RouteModule } from "../app.js";
import { requireOperator, requireUser } from "../auth.js";
import * as S from "../schemas.js";

const outboxItem = z.object({
  id: z.string(),
  template: z.string(),
  to: z.string(),
  status: z.enum(OUTBOX_STATUSES),
  tries: z.number().int(),
  lastError: z.string().nullable(),
  createdAt: z.iso.datetime(),
  sentAt: z.iso.datetime().nullable(),
});

const companyParams = z.strictObject({ companyId: z.string().min(1).max(100) });

function outboxView(i: OutboxItem) {
  return {
    ...i,
    createdAt: i.createdAt.toISOString(),
    sentAt: i.sentAt ? i.sentAt.toISOString() : null,
  };
}

export const mailRoutes: RouteModule = (app, ctx) => {
  const mailboxResponse = S.answers({ 200: S.mailboxResponse });
  // Outside demo mode the mailbox does not exist.
  const requireDemo = (req: FastifyRequest) => {
    if (!ctx.config.demo) throw new AppError("not_found", `No route ${req.method} ${req.url.split("?")[0]}.`);
  };
  const mailboxFor = async (viewer: { userId: string } | "operator") => {
    const items = await listDemoMailbox(ctx.db, viewer, 200);
    return { items: items.map((i) => ({ ...i, receivedAt: i.receivedAt.toISOString() })) };
  };
  app.get(
    "/api/v1/demo/mailbox",
    {
      schema: {
        tags: ["demo"],
        summary:
          "Emails caught by the demo mail server that the caller may read (their own; a Directory Admin also their company's people's), newest first (demo mode only)",
        response: mailboxResponse,
      },
    },
    // Not found outside demo mode, signed in or not: the demo check comes first.
    async (req) => {
      requireDemo(req);
      return mailboxFor({ userId: requireUser(req).userId });
    },
  );
  app.get(
    "/api/v1/operator/demo/mailbox",
    {
      schema: {
        tags: ["demo"],
        summary:
          "Every email caught by the demo mail server, newest first, for the operator (demo mode only)",
        response: mailboxResponse,
      },
    },
    // As on every operator route, the operator token is checked before anything else.
    async (req) => {
      requireOperator(ctx, req);
      requireDemo(req);
      return mailboxFor("operator");
    },
  );

  app.post(
    "/api/v1/operator/daily-summary",
    {
      schema: {
        tags: ["operator"],
        summary: "Run the daily summary now for a local date (default: each company's today)",
        security: [{ operator: [] }],
        body: z
          .strictObject({
            date: z.string().max(40).optional(),
            companyId: z.string().min(1).max(100).optional(),
          })
          .nullish(),
        response: S.answers({ 200: S.dailySummaryResponse }),
      },
    },
    async (req) => {
      requireOperator(ctx, req);
      const date = req.body?.date;
      if (date !== undefined && !parseLocalDate(date).ok) {
        throw new AppError("invalid_input", "date: must be a calendar date written YYYY-MM-DD.", {
          field: "date",
        });
      }
      return runDailySummary(ctx, { now: ctx.now(), date, companyId: req.body?.companyId, force: true });
    },
  );

  app.get(
    "/api/v1/companies/:companyId/email-outbox",
    {
      schema: {
        tags: ["email"],
        summary: "Emails queued, sent and failed, newest first (ERP Integrations or Directory admin)",
        params: companyParams,
        querystring: z.strictObject({
          status: z.enum(OUTBOX_STATUSES).optional(),
          cursor: z.string().max(500).optional(),
          limit: z.coerce.number().int().min(1).max(200).default(50),
        }),
        response: S.answers({
          200: z.object({ items: z.array(outboxItem), nextCursor: z.string().nullable() }),
        }),
      },
    },
    async (req) => {
      const auth = requireUser(req);
      const { companyId } = req.params;
      await requireOutboxAccess(ctx.db, auth.userId, companyId);
      const page = await listOutbox(ctx.db, companyId, { ...req.query, secretKey: ctx.config.secretKey });
      return { items: page.items.map(outboxView), nextCursor: page.nextCursor };
    },
  );

  app.post(
    "/api/v1/companies/:companyId/email-outbox/:emailId/retry",
    {
      schema: {
        tags: ["email"],
        summary: "Queue a failed email for another delivery attempt",
        params: z.strictObject({
          companyId: z.string().min(1).max(100),
          emailId: z.string().min(1).max(100),
        }),
        response: S.answers({ 200: outboxItem }),
      },
    },
    async (req) => {
      const auth = requireUser(req);
      const { companyId, emailId } = req.params;
      await requireOutboxAccess(ctx.db, auth.userId, companyId);
      return outboxView(await retryOutboxEmail(ctx.db, companyId, emailId));
    },
  );
};
