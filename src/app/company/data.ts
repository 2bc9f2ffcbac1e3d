import { sql } from "kysely";
import * as D from "../../domain/index.js";
import { newId } from "../../lib/ids.js";
import { recordAudit } from "../audit.js";
import type { Actor } from "../budget/commands.js";
import type { AppContext } from "../context.js";
import { issueCursor, readCursor } from "../cursor.js";
import { AppError } from "../errors.js";
import { requireRight } from "../membership.js";

function isUniqueViolation(e: unknown): boolean {
  return (e as { code?: string }).code === "23505";
}

/**
 * The budget state and badge a project list shows, from the budget row and its newest submission, by the domain's
 * rules the budget page uses; "synced" is kept on the row by every command and export (`matches_export`).
 */
function listState(locked: boolean | null, last: string | null, matchesExport: boolean | null) {
  const lastStatus = last as D.SubmissionStatus | null;
  const state = D.stateOf({ lastStatus, locked: Boolean(locked), matchesExport: Boolean(matchesExport) });
  return { state, status: D.budgetStatus(state, lastStatus) };
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
        id: r.id,
        number: r.number,
        name: r.name,
        budgetToolActive: r.budget_tool_active,
        erpJob: r.erp_job_ref ? { ref: r.erp_job_ref, name: r.erp_job_name } : null,
        parentCustomer: r.erp_parent_customer_name,
        budgetState: state,
        budgetStatus: status,
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

/** An update that names no field is a mistake worth telling, not a silent no-op (or an invalid SQL update). */
function requireSomeField(input: object) {
  if (!Object.values(input).some((v) => v !== undefined)) {
    throw new AppError("invalid_input", "Send at least one field to change.");
  }
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
  return {
    id: row.id,
    number: row.number,
    name: row.name,
    budgetToolActive: row.budget_tool_active,
    erpJob: row.erp_job_ref ? { ref: row.erp_job_ref, name: row.erp_job_name } : null,
  };
}

export async function listCostCodes(ctx: AppContext, actor: Actor, companyId: string) {
  await requireRight(ctx, actor, companyId);
  const rows = await ctx.db
    .selectFrom("cost_codes")
    .selectAll()
    .where("company_id", "=", companyId)
    .orderBy("code")
    .execute();
  return {
    items: rows.map((r) => ({
      id: r.id,
      code: r.code,
      description: r.description,
      active: r.active,
      erpItem: r.erp_item_ref ? { ref: r.erp_item_ref, name: r.erp_item_name } : null,
    })),
  };
}

export async function createCostCode(
  ctx: AppContext,
  actor: Actor,
  companyId: string,
  input: { code: string; description: string },
) {
  await requireRight(ctx, actor, companyId, "manage_cost_codes");
  const id = newId("cc");
  try {
    await ctx.db.transaction().execute(async (tx) => {
      await tx
        .insertInto("cost_codes")
        .values({ company_id: companyId, id, code: input.code.trim(), description: input.description.trim() })
        .execute();
      await recordAudit(tx, {
        companyId,
        actor: { kind: "user", userId: actor.userId },
        action: "cost_code.created",
        entityType: "cost_code",
        entityId: id,
        at: ctx.now(),
        data: input,
      });
    });
  } catch (e) {
    if (isUniqueViolation(e))
      throw new AppError("duplicate", `Cost code ${input.code} already exists.`, { field: "code" });
    throw e;
  }
  return { id, code: input.code.trim(), description: input.description.trim(), active: true, erpItem: null };
}

export async function updateCostCode(
  ctx: AppContext,
  actor: Actor,
  companyId: string,
  costCodeId: string,
  input: { description?: string; active?: boolean },
) {
  await requireRight(ctx, actor, companyId, "manage_cost_codes");
  requireSomeField(input);
  return ctx.db.transaction().execute(async (tx) => {
    const r = await tx
      .updateTable("cost_codes")
      .set({
        ...(input.description !== undefined ? { description: input.description.trim() } : {}),
        ...(input.active !== undefined ? { active: input.active } : {}),
      })
      .where("company_id", "=", companyId)
      .where("id", "=", costCodeId)
      .returningAll()
      .executeTakeFirst();
    if (!r) throw new AppError("not_found", "Cost code was not found.");
    await recordAudit(tx, {
      companyId,
      actor: { kind: "user", userId: actor.userId },
      action: "cost_code.updated",
      entityType: "cost_code",
      entityId: costCodeId,
      at: ctx.now(),
      data: input,
    });
    return {
      id: r.id,
      code: r.code,
      description: r.description,
      active: r.active,
      erpItem: r.erp_item_ref ? { ref: r.erp_item_ref, name: r.erp_item_name } : null,
    };
  });
}

export async function listCategories(ctx: AppContext, actor: Actor, companyId: string) {
  await requireRight(ctx, actor, companyId);
  const rows = await ctx.db
    .selectFrom("categories")
    .select(["id", "code", "name"])
    .where("company_id", "=", companyId)
    .orderBy("code")
    .execute();
  return { items: rows };
}

export async function createCategory(
  ctx: AppContext,
  actor: Actor,
  companyId: string,
  input: { code: string; name: string },
) {
  await requireRight(ctx, actor, companyId, "manage_cost_codes");
  const id = newId("cat");
  try {
    await ctx.db.transaction().execute(async (tx) => {
      await tx
        .insertInto("categories")
        .values({ company_id: companyId, id, code: input.code.trim(), name: input.name.trim() })
        .execute();
      await recordAudit(tx, {
        companyId,
        actor: { kind: "user", userId: actor.userId },
        action: "category.created",
        entityType: "category",
        entityId: id,
        at: ctx.now(),
        data: input,
      });
    });
  } catch (e) {
    if (isUniqueViolation(e))
      throw new AppError("duplicate", `Category ${input.code} already exists.`, { field: "code" });
    throw e;
  }
  return { id, code: input.code.trim(), name: input.name.trim() };
}

export async function updateCategory(
  ctx: AppContext,
  actor: Actor,
  companyId: string,
  categoryId: string,
  input: { name?: string },
) {
  await requireRight(ctx, actor, companyId, "manage_cost_codes");
  requireSomeField(input);
  return ctx.db.transaction().execute(async (tx) => {
    const r = await tx
      .updateTable("categories")
      .set({ ...(input.name !== undefined ? { name: input.name.trim() } : {}) })
      .where("company_id", "=", companyId)
      .where("id", "=", categoryId)
      .returning(["id", "code", "name"])
      .executeTakeFirst();
    if (!r) throw new AppError("not_found", "Category was not found.");
    await recordAudit(tx, {
      companyId,
      actor: { kind: "user", userId: actor.userId },
      action: "category.updated",
      entityType: "category",
      entityId: categoryId,
      at: ctx.now(),
      data: input,
    });
    return r;
  });
}

function settingsView(c: {
  time_zone: string;
  currency: string;
  daily_summary_hour: number;
  create_missing_items: boolean;
  default_parent_customer: string | null;
  estimate_mode: string;
  separation_of_duties: boolean;
  notify_approvers_on_send: boolean;
  self_service_approver_grants: boolean;
  use_classes: boolean;
  name: string;
}) {
  return {
    name: c.name,
    timeZone: c.time_zone,
    currency: c.currency,
    dailySummaryHour: c.daily_summary_hour,
    createMissingItems: c.create_missing_items,
    defaultParentCustomer: c.default_parent_customer,
    estimateMode: c.estimate_mode,
    separationOfDuties: c.separation_of_duties,
    notifyApproversOnSend: c.notify_approvers_on_send,
    selfServiceApproverGrants: c.self_service_approver_grants,
    useClasses: c.use_classes,
  };
}

function settingsChanges(before: ReturnType<typeof settingsView>, after: ReturnType<typeof settingsView>) {
  const out: Record<string, { from: unknown; to: unknown }> = {};
  for (const key of Object.keys(after) as (keyof typeof after)[]) {
    if (before[key] !== after[key]) out[key] = { from: before[key], to: after[key] };
  }
  return out;
}

/** Currencies the runtime knows (ISO 4217); a well-formed but unknown code such as "ABC" is refused. */
export function isKnownCurrency(code: string): boolean {
  return Intl.supportedValuesOf("currency").includes(code);
}

export async function getSettings(ctx: AppContext, actor: Actor, companyId: string) {
  await requireRight(ctx, actor, companyId);
  const c = await ctx.db
    .selectFrom("companies")
    .selectAll()
    .where("id", "=", companyId)
    .executeTakeFirstOrThrow();
  return settingsView(c);
}

export interface SettingsPatch {
  timeZone?: string;
  currency?: string;
  dailySummaryHour?: number;
  createMissingItems?: boolean;
  defaultParentCustomer?: string | null;
  estimateMode?: "update_in_place" | "new_estimate_per_submission";
  separationOfDuties?: boolean;
  notifyApproversOnSend?: boolean;
  useClasses?: boolean;
}

/**
 * The default parent customer becomes a QuickBooks customer name: no colon (it separates Parent:Job), no control
 * characters, and within QuickBooks Desktop's 41 characters when the company is connected to QuickBooks Desktop.
 */
async function checkDefaultParentCustomer(ctx: AppContext, companyId: string, raw: string) {
  const name = raw.trim();
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused
  if (/[:\u0000-\u001F\u007F\uFFFE\uFFFF]/.test(name)) {
    throw new AppError(
      "invalid_input",
      "A QuickBooks customer name cannot contain a colon, a tab, a line break or another control character.",
      { field: "defaultParentCustomer" },
    );
  }
  const erp = await ctx.db
    .selectFrom("erp_connections")
    .select("type")
    .where("company_id", "=", companyId)
    .executeTakeFirst();
  const max = D.ERP_LIMITS.quickbooks_desktop.jobNameMaxChars;
  if (erp?.type === "quickbooks_desktop" && [...name].length > max) {
    throw new AppError(
      "invalid_input",
      `QuickBooks Desktop allows ${max} characters for a customer name; the default parent customer has ${[...name].length}.`,
      { field: "defaultParentCustomer" },
    );
  }
}

export async function updateSettings(ctx: AppContext, actor: Actor, companyId: string, p: SettingsPatch) {
  await requireRight(ctx, actor, companyId, "manage_erp");
  if (p.timeZone !== undefined && !D.isValidTimeZone(p.timeZone)) {
    throw new AppError("invalid_time_zone", `${p.timeZone} is not a known IANA time zone.`, {
      field: "timeZone",
    });
  }
  if (p.currency !== undefined && !isKnownCurrency(p.currency)) {
    throw new AppError("invalid_input", `${p.currency} is not an ISO 4217 currency code.`, {
      field: "currency",
    });
  }
  if (Object.values(p).every((v) => v === undefined)) {
    throw new AppError("invalid_input", "Nothing to change: send at least one setting.");
  }
  if (p.defaultParentCustomer) await checkDefaultParentCustomer(ctx, companyId, p.defaultParentCustomer);
  return ctx.db.transaction().execute(async (tx) => {
    const before = await tx
      .selectFrom("companies")
      .selectAll()
      .where("id", "=", companyId)
      .forUpdate()
      .executeTakeFirstOrThrow();
    const c = await tx
      .updateTable("companies")
      .set({
        ...(p.timeZone !== undefined ? { time_zone: p.timeZone } : {}),
        ...(p.currency !== undefined ? { currency: p.currency } : {}),
        ...(p.dailySummaryHour !== undefined ? { daily_summary_hour: p.dailySummaryHour } : {}),
        ...(p.createMissingItems !== undefined ? { create_missing_items: p.createMissingItems } : {}),
        ...(p.defaultParentCustomer !== undefined
          ? { default_parent_customer: p.defaultParentCustomer?.trim() || null }
          : {}),
        ...(p.estimateMode !== undefined ? { estimate_mode: p.estimateMode } : {}),
        ...(p.separationOfDuties !== undefined ? { separation_of_duties: p.separationOfDuties } : {}),
        ...(p.notifyApproversOnSend !== undefined
          ? { notify_approvers_on_send: p.notifyApproversOnSend }
          : {}),
        ...(p.useClasses !== undefined ? { use_classes: p.useClasses } : {}),
      })
      .where("id", "=", companyId)
      .returningAll()
      .executeTakeFirstOrThrow();
    await recordAudit(tx, {
      companyId,
      actor: { kind: "user", userId: actor.userId },
      action: "settings.updated",
      entityType: "company",
      entityId: companyId,
      at: ctx.now(),
      data: { changes: settingsChanges(settingsView(before), settingsView(c)) },
    });
    return settingsView(c);
  });
}
