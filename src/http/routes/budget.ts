import { z } from "zod";
import { addLine } from "../../app/budget/add-line.js";
import { approveChange } from "../../app/budget/approve-change.js";
import { createChange } from "../../app/budget/create-change.js";
import { exportBudgetCsv, IMPORT_COLUMNS, importBudgetCsv } from "../../app/budget/csv.js";
import { deleteChange } from "../../app/budget/delete-change.js";
import { deleteLine } from "../../app/budget/delete-line.js";
import { checkImportAllowed } from "../../app/budget/import-lines.js";
import { lockBudget } from "../../app/budget/lock-budget.js";
import * as Q from "../../app/budget/queries.js";
import { retrieveFromErp } from "../../app/budget/retrieve-budget.js";
import { sendToErp } from "../../app/budget/send-budget.js";
import { unlockBudget } from "../../app/budget/unlock-budget.js";
import { updateChange } from "../../app/budget/update-change.js";
import { updateLine } from "../../app/budget/update-line.js";
import { voidChange } from "../../app/budget/void-change.js";
import { formatAmount } from "../../domain/money.js";
import type { RouteModule } from "../app.js";
import { actorOf } from "../auth.js";
import { BODY_LIMITS } from "../limits.js";
import * as S from "../schemas.js";

const base = "/api/v1/companies/:companyId/projects/:projectId/budget";
const params = z.object({ companyId: z.string().min(1).max(100), projectId: z.string().min(1).max(100) });
const lineParams = params.extend({ lineId: z.string().min(1).max(100) });
const changeParams = params.extend({ changeId: z.string().min(1).max(100) });
// Amounts stay strings on the wire and are parsed exactly by the domain; a number is refused with a clear reason.
const amount = z.unknown();
const adjustments = z.array(z.strictObject({ lineId: z.string().min(1).max(100), amount })).max(2000);
const tags = ["budget"];

export const budgetRoutes: RouteModule = (app, ctx) => {
  app.get(
    base,
    {
      schema: {
        response: S.answers({ 200: S.budgetResponse }),
        tags,
        summary: "A project's budget with state and allowed actions",
        params,
      },
    },
    async (req) => Q.getBudget(ctx, actorOf(req), req.params.companyId, req.params.projectId),
  );
  app.post(
    `${base}/lines`,
    {
      schema: {
        response: S.answers({ 201: S.budgetLineResponse }),
        tags,
        summary: "Add a budget line",
        params,
        body: z.strictObject({
          costCode: z.string().min(1).max(100),
          category: z.string().min(1).max(20),
          originalBudget: amount,
        }),
      },
    },
    async (req, reply) =>
      reply.status(201).send(lineView(await addLine(ctx, actorOf(req), req.params, req.body))),
  );
  app.patch(
    `${base}/lines/:lineId`,
    {
      schema: {
        response: S.answers({ 200: S.budgetLineResponse }),
        tags,
        summary: "Change a line's original budget",
        params: lineParams,
        body: z.strictObject({ originalBudget: amount }),
      },
    },
    async (req) => lineView(await updateLine(ctx, actorOf(req), req.params, req.params.lineId, req.body)),
  );
  app.delete(
    `${base}/lines/:lineId`,
    {
      schema: {
        response: S.answers({ 204: S.noContent }),
        tags,
        summary: "Delete a line",
        params: lineParams,
      },
    },
    async (req, reply) => {
      await deleteLine(ctx, actorOf(req), req.params, req.params.lineId);
      return reply.status(204).send();
    },
  );

  app.get(
    `${base}/changes`,
    {
      schema: {
        response: S.answers({ 200: S.budgetChangeListResponse }),
        tags,
        summary: "Budget changes",
        params,
      },
    },
    async (req) => Q.listChanges(ctx, actorOf(req), req.params.companyId, req.params.projectId),
  );
  app.post(
    `${base}/changes`,
    {
      bodyLimit: BODY_LIMITS.large,
      schema: {
        response: S.answers({ 201: S.budgetChangeResponse }),
        tags,
        summary: "Create a draft budget change",
        params,
        body: z.strictObject({ description: z.string().max(5000), adjustments }),
      },
    },
    async (req, reply) => reply.status(201).send(await createChange(ctx, actorOf(req), req.params, req.body)),
  );
  app.patch(
    `${base}/changes/:changeId`,
    {
      bodyLimit: BODY_LIMITS.large,
      schema: {
        response: S.answers({ 200: S.budgetChangeResponse }),
        tags,
        summary: "Edit a draft budget change",
        params: changeParams,
        body: z.strictObject({
          description: z.string().max(5000).optional(),
          adjustments: adjustments.optional(),
        }),
      },
    },
    async (req) => updateChange(ctx, actorOf(req), req.params, req.params.changeId, req.body),
  );
  app.delete(
    `${base}/changes/:changeId`,
    {
      schema: {
        response: S.answers({ 204: S.noContent }),
        tags,
        summary: "Delete a draft budget change",
        params: changeParams,
      },
    },
    async (req, reply) => {
      await deleteChange(ctx, actorOf(req), req.params, req.params.changeId);
      return reply.status(204).send();
    },
  );
  app.post(
    `${base}/changes/:changeId/approve`,
    {
      schema: {
        response: S.answers({ 200: S.budgetChangeResponse }),
        tags,
        summary: "Approve a budget change",
        params: changeParams,
      },
    },
    async (req) => approveChange(ctx, actorOf(req), req.params, req.params.changeId),
  );
  app.post(
    `${base}/changes/:changeId/void`,
    {
      schema: {
        response: S.answers({ 200: S.budgetChangeResponse }),
        tags,
        summary: "Void a budget change",
        params: changeParams,
      },
    },
    async (req) => voidChange(ctx, actorOf(req), req.params, req.params.changeId),
  );

  app.post(
    `${base}/lock`,
    { schema: { response: S.answers({ 200: S.budgetResponse }), tags, summary: "Lock Budget", params } },
    async (req) => {
      await lockBudget(ctx, actorOf(req), req.params);
      return Q.getBudget(ctx, actorOf(req), req.params.companyId, req.params.projectId);
    },
  );
  app.post(
    `${base}/unlock`,
    { schema: { response: S.answers({ 200: S.budgetResponse }), tags, summary: "Unlock Budget", params } },
    async (req) => {
      await unlockBudget(ctx, actorOf(req), req.params);
      return Q.getBudget(ctx, actorOf(req), req.params.companyId, req.params.projectId);
    },
  );
  app.post(
    `${base}/send-to-erp`,
    {
      schema: {
        response: S.answers({ 201: S.sentSubmissionResponse }),
        tags,
        summary: "Send (or Re-send) to ERP",
        params,
      },
    },
    async (req, reply) => {
      const s = await sendToErp(ctx, actorOf(req), req.params);
      return reply.status(201).send(s);
    },
  );
  app.post(
    `${base}/retrieve-from-erp`,
    {
      schema: {
        response: S.answers({ 200: S.retrievedSubmissionResponse }),
        tags,
        summary: "Retrieve from ERP",
        params,
      },
    },
    async (req) => retrieveFromErp(ctx, actorOf(req), req.params),
  );
  app.post(
    `${base}/import`,
    {
      bodyLimit: BODY_LIMITS.csv,
      // Membership and the right to edit the budget are checked before the file is read: nobody else's upload is
      // ever parsed. The import checks them again in its own transaction.
      preParsing: async (req) => {
        await checkImportAllowed(ctx, actorOf(req), req.params as { companyId: string; projectId: string });
      },
      schema: {
        response: S.answers({ 200: S.importResponse }),
        tags,
        summary: "Import budget lines from CSV",
        description:
          `Body: text/csv with the header \`${IMPORT_COLUMNS.join(",")}\` (an exported file's budget_changes and ` +
          "revised_estimate columns are ignored). Every row is checked first; with dryRun=false and every row " +
          "valid, all lines are added in one transaction, otherwise nothing is written (applied 0). `row` is " +
          "the line of the file the row starts on (the header is line 1), as a spreadsheet numbers its rows.",
        consumes: ["text/csv"],
        params,
        querystring: z.strictObject({
          dryRun: z.enum(["true", "false"]).default("false"),
        }),
        body: z.string().optional(),
      },
    },
    async (req) =>
      importBudgetCsv(ctx, actorOf(req), req.params, req.body, { dryRun: req.query.dryRun === "true" }),
  );
  app.get(
    `${base}/export.csv`,
    {
      schema: {
        response: S.answers({ 200: S.fileBody }),
        tags,
        summary: "The budget lines as CSV",
        description:
          "Columns cost_code, category, original_budget, budget_changes, revised_estimate; amounts as on the " +
          "wire. The file imports back into another project's budget.",
        produces: ["text/csv"],
        params,
      },
    },
    async (req, reply) => {
      const file = await exportBudgetCsv(ctx, actorOf(req), req.params.companyId, req.params.projectId);
      return reply
        .header("Content-Type", "text/csv; charset=utf-8")
        .header("Content-Disposition", `attachment; filename="${file.filename}"`)
        .send(file.body);
    },
  );
  app.get(
    `${base}/submissions`,
    {
      schema: {
        response: S.answers({ 200: S.budgetSubmissionsResponse }),
        tags,
        summary: "The budget's submission history, newest first",
        params,
      },
    },
    async (req) => Q.listBudgetSubmissions(ctx, actorOf(req), req.params.companyId, req.params.projectId),
  );
};

function lineView(l: {
  id: string;
  costCode: string;
  costCodeDescription: string;
  category: string;
  categoryName: string;
  original: bigint;
  budgetChanges: bigint;
  revisedEstimate: bigint;
  exported: boolean;
}) {
  const f = formatAmount;
  return {
    id: l.id,
    costCode: l.costCode,
    costCodeDescription: l.costCodeDescription,
    category: l.category,
    categoryName: l.categoryName,
    originalBudget: f(l.original),
    budgetChanges: f(l.budgetChanges),
    revisedEstimate: f(l.revisedEstimate),
    exported: l.exported,
  };
}
