import { sql } from "kysely";
import { isUniqueViolation } from "../../db/errors.js";
import * as D from "../../domain/index.js";
import { newId } from "../../lib/ids.js";
import { recordAudit } from "../audit.js";
import type { AppContext } from "../context.js";
import { issueCursor, readCursor } from "../cursor.js";
import { AppError } from "../errors.js";
import { type Actor, requireRight } from "../membership.js";
import { requireSomeField } from "./require-some-field.js";

/**
 * The budget state and badge a project list shows, from the budget row and its newest submission, by the domain's
 * rules the budget page uses; "synced" is kept on the row by every command and export (`matches_export`).
 */
function listState(locked: boolean | null, last: string | null, matchesExport: boolean | null) {
  const lastStatus = last as D.SubmissionStatus | null;
  const state = D.stateOf({ lastStatus, locked: Boolean(locked), matchesExport: Boolean(matchesExport) });
  return { state, status: D.budgetStatus(state, lastStatus) };
}

/** A project as the API shows it, from its row. */
function projectView(r: {
  id: string;
  number: string;
  name: string;
  budget_tool_active: boolean;
  erp_job_ref: string | null;
  erp_job_name: string | null;
}) {
  return {
    id: r.id,
    number: r.number,
    name: r.name,
    budgetToolActive: r.budget_tool_active,
    erpJob: r.erp_job_ref ? { ref: r.erp_job_ref, name: r.erp_job_name } : null,
  };
}

export async function listProjects(
  ctx: AppContext,
  actor: Actor,
  companyId: string,
  q: { cursor?: string; limit: number },
) {
  await requireRight(ctx, actor, companyId);
  let query = ctx.db
    .selectFrom("projects")
    .leftJoin("budgets", (j) =>
      j
        .onRef("budgets.company_id", "=", "projects.company_id")
        .onRef("budgets.project_id", "=", "projects.id"),
    )
    .select([
      "projects.id",
      "projects.number",
      "projects.name",
      "projects.budget_tool_active",
      "projects.erp_job_ref",
      "projects.erp_job_name",
      "projects.erp_parent_customer_name",
      "budgets.locked",
      "budgets.matches_export",
      sql<
        string | null
      >`(select s.status from submissions s where s.company_id = budgets.company_id and s.budget_id = budgets.id
        order by s.submitted_at desc, s.id desc limit 1)`.as("last_status"),
      sql<number>`(select count(*)::int from commitments c where c.company_id = projects.company_id
        and c.project_id = projects.id and c.status <> 'void')`.as("commitment_count"),
    ])
    .where("projects.company_id", "=", companyId)
    .orderBy("projects.number")
    .limit(q.limit + 1);
  if (q.cursor)
    query = query.where(
      "projects.number",
      ">",
      decodeProjectCursor(ctx.config.secretKey, companyId, q.cursor),
    );
  const rows = await query.execute();
  const page = rows.slice(0, q.limit);
  return {
    items: page.map((r) => {
      const { state, status } = listState(r.locked, r.last_status, r.matches_export);
      return {
        ...projectView(r),
        parentCustomer: r.erp_parent_customer_name,
        budgetState: state,
        budgetStatus: status,
        commitmentCount: r.commitment_count,
      };
    }),
    nextCursor:
      rows.length > q.limit
        ? issueCursor(ctx.config.secretKey, "projects", companyId, [page[page.length - 1]!.number])
        : null,
  };
}

export async function createProject(
  ctx: AppContext,
  actor: Actor,
  companyId: string,
  input: { number: string; name: string },
) {
  await requireRight(ctx, actor, companyId, "create_project");
  const id = newId("prj");
  try {
    await ctx.db.transaction().execute(async (tx) => {
      await tx
        .insertInto("projects")
        .values({ company_id: companyId, id, number: input.number.trim(), name: input.name.trim() })
        .execute();
      await tx
        .insertInto("budgets")
        .values({ company_id: companyId, id: newId("bud"), project_id: id })
        .execute();
      await recordAudit(tx, {
        companyId,
        actor: { kind: "user", userId: actor.userId },
        action: "project.created",
        entityType: "project",
        entityId: id,
        at: ctx.now(),
        data: input,
      });
    });
  } catch (e) {
    if (isUniqueViolation(e)) {
      throw new AppError("duplicate", `A project numbered ${input.number} already exists.`, {
        field: "number",
      });
    }
    throw e;
  }
  return { id, number: input.number.trim(), name: input.name.trim(), budgetToolActive: true, erpJob: null };
}

function decodeProjectCursor(secretKey: string, companyId: string, cursor: string): string {
  // A cursor is a project number we handed out: printable text, never a control character.
  return readCursor(secretKey, "projects", companyId, cursor, "query.cursor", ([value]: unknown[]) =>
    typeof value === "string" && value && !/\p{Cc}|\ufffd/u.test(value) && value.length <= 30 ? value : null,
  );
}

export async function updateProject(
  ctx: AppContext,
  actor: Actor,
  companyId: string,
  projectId: string,
  input: { name?: string; budgetToolActive?: boolean },
) {
  await requireRight(ctx, actor, companyId, "create_project");
  requireSomeField(input);
  const row = await ctx.db.transaction().execute(async (tx) => {
    const updated = await tx
      .updateTable("projects")
      .set({
        ...(input.name !== undefined ? { name: input.name.trim() } : {}),
        ...(input.budgetToolActive !== undefined ? { budget_tool_active: input.budgetToolActive } : {}),
      })
      .where("company_id", "=", companyId)
      .where("id", "=", projectId)
      .returning(["id", "number", "name", "budget_tool_active", "erp_job_ref", "erp_job_name"])
      .executeTakeFirst();
    if (!updated) throw new AppError("not_found", "Project was not found.");
    await recordAudit(tx, {
      companyId,
      actor: { kind: "user", userId: actor.userId },
      action: "project.updated",
      entityType: "project",
      entityId: projectId,
      at: ctx.now(),
      data: input,
    });
    return updated;
  });
  return projectView(row);
}
