import type { Selectable } from "kysely";
import { isUniqueViolation } from "../../db/errors.js";
import type { DB } from "../../db/schema.js";
import { newId } from "../../lib/ids.js";
import { recordAudit } from "../audit.js";
import type { AppContext } from "../context.js";
import { AppError } from "../errors.js";
import { type Actor, requireRight } from "../membership.js";
import { requireSomeField } from "./require-some-field.js";

type CodeTables = Pick<DB, "cost_codes" | "categories">;

/** A company's cost codes or categories, in code order, for anyone in the company. */
async function listByCode<T extends keyof CodeTables>(
  ctx: AppContext,
  actor: Actor,
  companyId: string,
  table: T,
): Promise<Selectable<CodeTables[T]>[]> {
  await requireRight(ctx, actor, companyId);
  // Both tables are keyed by company and code; the query is the same for either.
  const rows = await ctx.db
    .selectFrom(table as "cost_codes")
    .selectAll()
    .where("company_id", "=", companyId)
    .orderBy("code")
    .execute();
  return rows as unknown as Selectable<CodeTables[T]>[];
}

export async function listCostCodes(ctx: AppContext, actor: Actor, companyId: string) {
  const rows = await listByCode(ctx, actor, companyId, "cost_codes");
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
  const rows = await listByCode(ctx, actor, companyId, "categories");
  return { items: rows.map((r) => ({ id: r.id, code: r.code, name: r.name })) };
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
