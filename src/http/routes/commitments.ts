import { z } from "zod";
import { addCommitmentLine } from "../../app/commitments/add-line.js";
import { changeCommitmentStatus } from "../../app/commitments/change-status.js";
import { createChangeOrder } from "../../app/commitments/create-change-order.js";
import { createCommitment } from "../../app/commitments/create-commitment.js";
import { decideChangeOrder } from "../../app/commitments/decide-change-order.js";
import { deleteChangeOrder } from "../../app/commitments/delete-change-order.js";
import { deleteCommitmentLine } from "../../app/commitments/delete-line.js";
import * as Q from "../../app/commitments/queries.js";
import { retrieveCommitment } from "../../app/commitments/retrieve-commitment.js";
import { sendCommitment } from "../../app/commitments/send-commitment.js";
import { updateChangeOrder } from "../../app/commitments/update-change-order.js";
import { updateCommitment } from "../../app/commitments/update-commitment.js";
import { updateCommitmentLine } from "../../app/commitments/update-line.js";
import { COMMITMENT_KINDS, COMMITMENT_STATUSES } from "../../domain/commitment.js";
import type { RouteModule } from "../app.js";
import { actorOf } from "../auth.js";
import { BODY_LIMITS } from "../limits.js";
import * as S from "../schemas.js";

const base = "/api/v1/companies/:companyId/projects/:projectId/commitments";
const id = z.string().min(1).max(100);
const params = z.object({ companyId: id, projectId: id });
const one = params.extend({ commitmentId: id });
const lineParams = one.extend({ lineId: id });
const orderParams = one.extend({ changeOrderId: id });
// Amounts stay strings on the wire and are parsed exactly by the domain; a number is refused with a clear reason.
const amount = z.unknown();
const description = z.string().max(4000);
const orderLines = z
  .array(
    z.strictObject({
      costCode: z.string().min(1).max(100),
      category: z.string().min(1).max(20),
      description: description.optional(),
      amount,
    }),
  )
  .max(2000);
const tags = ["commitments"];

export const commitmentRoutes: RouteModule = (app, ctx) => {
  app.get(
    base,
    {
      schema: {
        response: S.answers({ 200: S.commitmentListResponse }),
        tags,
        summary: "A project's subcontracts and purchase orders, by number",
        params,
      },
    },
    async (req) => Q.listCommitments(ctx, actorOf(req), req.params),
  );
  app.post(
    base,
    {
      schema: {
        response: S.answers({ 201: S.commitmentResponse }),
        tags,
        summary: "Create a commitment (a draft)",
        description:
          "The number is unique in the project (409 commitment_number_taken); the vendor is one of the " +
          "company's active vendors (400 unknown_vendor).",
        params,
        body: z.strictObject({
          kind: z.enum(COMMITMENT_KINDS),
          number: z.string().max(30),
          title: z.string().max(200),
          vendorId: id,
        }),
      },
    },
    async (req, reply) => {
      const commitmentId = await createCommitment(ctx, actorOf(req), req.params, req.body);
      return reply
        .status(201)
        .send(await Q.getCommitment(ctx, actorOf(req), { ...req.params, commitmentId }));
    },
  );
  app.get(
    `${base}/:commitmentId`,
    {
      schema: {
        response: S.answers({ 200: S.commitmentResponse }),
        tags,
        summary: "A commitment with its lines, change orders and allowed actions",
        params: one,
      },
    },
    async (req) => Q.getCommitment(ctx, actorOf(req), req.params),
  );
  app.patch(
    `${base}/:commitmentId`,
    {
      schema: {
        response: S.answers({ 200: S.commitmentResponse }),
        tags,
        summary: "Change a draft's or an unsigned commitment's number, title or vendor",
        params: one,
        body: z.strictObject({
          number: z.string().max(30).optional(),
          title: z.string().max(200).optional(),
          vendorId: id.optional(),
        }),
      },
    },
    async (req) => {
      await updateCommitment(ctx, actorOf(req), req.params, req.body);
      return Q.getCommitment(ctx, actorOf(req), req.params);
    },
  );
  app.post(
    `${base}/:commitmentId/status`,
    {
      schema: {
        response: S.answers({ 200: S.commitmentResponse }),
        tags,
        summary: "Move a commitment to another status",
        description:
          "draft → out_for_signature → approved; out_for_signature → draft; draft or out_for_signature → void; " +
          "approved → void only while it was never sent. Anything else: 409 invalid_status_change. Approving " +
          "needs Budget Admin.",
        params: one,
        body: z.strictObject({ status: z.enum(COMMITMENT_STATUSES) }),
      },
    },
    async (req) => {
      await changeCommitmentStatus(ctx, actorOf(req), req.params, req.body.status);
      return Q.getCommitment(ctx, actorOf(req), req.params);
    },
  );

  app.post(
    `${base}/:commitmentId/lines`,
    {
      schema: {
        response: S.answers({ 201: S.commitmentLineResponse }),
        tags,
        summary: "Add a line to a draft commitment",
        params: one,
        body: z.strictObject({
          costCode: z.string().min(1).max(100),
          category: z.string().min(1).max(20),
          description: description.optional(),
          amount,
        }),
      },
    },
    async (req, reply) =>
      reply.status(201).send(await addCommitmentLine(ctx, actorOf(req), req.params, req.body)),
  );
  app.patch(
    `${base}/:commitmentId/lines/:lineId`,
    {
      schema: {
        response: S.answers({ 200: S.commitmentLineResponse }),
        tags,
        summary: "Change a draft commitment line's amount or description",
        params: lineParams,
        body: z.strictObject({ amount: amount.optional(), description: description.optional() }),
      },
    },
    async (req) => updateCommitmentLine(ctx, actorOf(req), req.params, req.params.lineId, req.body),
  );
  app.delete(
    `${base}/:commitmentId/lines/:lineId`,
    {
      schema: {
        response: S.answers({ 204: S.noContent }),
        tags,
        summary: "Delete a draft commitment's line",
        params: lineParams,
      },
    },
    async (req, reply) => {
      await deleteCommitmentLine(ctx, actorOf(req), req.params, req.params.lineId);
      return reply.status(204).send();
    },
  );

  app.get(
    `${base}/:commitmentId/change-orders`,
    {
      schema: {
        response: S.answers({ 200: S.changeOrderListResponse }),
        tags,
        summary: "A commitment's change orders",
        params: one,
      },
    },
    async (req) => Q.listChangeOrders(ctx, actorOf(req), req.params),
  );
  app.post(
    `${base}/:commitmentId/change-orders`,
    {
      bodyLimit: BODY_LIMITS.large,
      schema: {
        response: S.answers({ 201: S.changeOrderResponse }),
        tags,
        summary: "Create a pending change order on an approved commitment",
        description:
          "Amounts may be negative. A cost code × category the commitment lacks becomes a new line when the " +
          "change order is approved.",
        params: one,
        body: z.strictObject({ title: z.string().max(200), lines: orderLines }),
      },
    },
    async (req, reply) => {
      const coId = await createChangeOrder(ctx, actorOf(req), req.params, req.body);
      return reply.status(201).send(await Q.getChangeOrder(ctx, actorOf(req), req.params, coId));
    },
  );
  app.patch(
    `${base}/:commitmentId/change-orders/:changeOrderId`,
    {
      bodyLimit: BODY_LIMITS.large,
      schema: {
        response: S.answers({ 200: S.changeOrderResponse }),
        tags,
        summary: "Edit a pending change order",
        params: orderParams,
        body: z.strictObject({ title: z.string().max(200).optional(), lines: orderLines.optional() }),
      },
    },
    async (req) => {
      await updateChangeOrder(ctx, actorOf(req), req.params, req.params.changeOrderId, req.body);
      return Q.getChangeOrder(ctx, actorOf(req), req.params, req.params.changeOrderId);
    },
  );
  app.delete(
    `${base}/:commitmentId/change-orders/:changeOrderId`,
    {
      schema: {
        response: S.answers({ 204: S.noContent }),
        tags,
        summary: "Delete a pending change order",
        params: orderParams,
      },
    },
    async (req, reply) => {
      await deleteChangeOrder(ctx, actorOf(req), req.params, req.params.changeOrderId);
      return reply.status(204).send();
    },
  );
  for (const decision of ["approve", "reject"] as const) {
    app.post(
      `${base}/:commitmentId/change-orders/:changeOrderId/${decision}`,
      {
        schema: {
          response: S.answers({ 200: S.changeOrderResponse }),
          tags,
          summary:
            decision === "approve" ? "Approve a pending change order" : "Reject a pending change order",
          ...(decision === "approve"
            ? { description: "Refused (409 change_order_negative_line) when a line would end up below zero." }
            : {}),
          params: orderParams,
        },
      },
      async (req) => {
        await decideChangeOrder(ctx, actorOf(req), req.params, req.params.changeOrderId, decision);
        return Q.getChangeOrder(ctx, actorOf(req), req.params, req.params.changeOrderId);
      },
    );
  }

  app.post(
    `${base}/:commitmentId/send-to-erp`,
    {
      schema: {
        response: S.answers({ 201: S.sentSubmissionResponse }),
        tags,
        summary: "Send (or Re-send) an approved commitment to ERP",
        description: "Refused with 409 and every unmet prerequisite in `details.reasons`.",
        params: one,
      },
    },
    async (req, reply) => reply.status(201).send(await sendCommitment(ctx, actorOf(req), req.params)),
  );
  app.post(
    `${base}/:commitmentId/retrieve-from-erp`,
    {
      schema: {
        response: S.answers({ 200: S.retrievedSubmissionResponse }),
        tags,
        summary: "Retrieve a commitment's submission before it is accepted",
        params: one,
      },
    },
    async (req) => retrieveCommitment(ctx, actorOf(req), req.params),
  );
  app.get(
    `${base}/:commitmentId/submissions`,
    {
      schema: {
        response: S.answers({ 200: S.budgetSubmissionsResponse }),
        tags,
        summary: "The commitment's submission history, newest first",
        params: one,
      },
    },
    async (req) => Q.listCommitmentSubmissions(ctx, actorOf(req), req.params),
  );
};
