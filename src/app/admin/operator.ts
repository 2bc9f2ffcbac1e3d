import { sql } from "kysely";
import { isUniqueViolation } from "../../db/errors.js";
import * as D from "../../domain/index.js";
import { newId } from "../../lib/ids.js";
import { recordAudit } from "../audit.js";
import { isKnownCurrency } from "../company/settings.js";
import type { AppContext } from "../context.js";
import { AppError } from "../errors.js";
import { addToDirectory } from "./directory.js";
import { loadDirectoryItem } from "./directory-entries.js";
import { OPERATOR_INVITER } from "./invitations.js";

/** Every new company starts with the classic cost types. */
export const DEFAULT_CATEGORIES = [
  { code: "L", name: "Labor" },
  { code: "M", name: "Material" },
  { code: "E", name: "Equipment" },
  { code: "S", name: "Subcontract" },
  { code: "O", name: "Other" },
] as const;

/** The first admin runs the company: directory, ERP Integrations and budgets. Approving stays the operator's call. */
const FIRST_ADMIN = {
  erpIntegrations: "admin",
  directory: "admin",
  budget: "admin",
  lockBudget: true,
  sendAndRetrieveBudget: true,
} as const;

function companyView(c: {
  id: string;
  name: string;
  time_zone: string;
  currency: string;
  self_service_approver_grants: boolean;
  created_at: Date;
}) {
  return {
    id: c.id,
    name: c.name,
    timeZone: c.time_zone,
    currency: c.currency,
    selfServiceApproverGrants: c.self_service_approver_grants,
    createdAt: c.created_at.toISOString(),
  };
}

export async function createCompany(
  ctx: AppContext,
  input: { name: string; timeZone: string; currency?: string; adminEmail: string; adminName: string },
) {
  if (!D.isValidTimeZone(input.timeZone)) {
    throw new AppError("invalid_time_zone", `${input.timeZone} is not a known IANA time zone.`, {
      field: "timeZone",
    });
  }
  if (input.currency !== undefined && !isKnownCurrency(input.currency)) {
    throw new AppError("invalid_input", `${input.currency} is not an ISO 4217 currency code.`, {
      field: "currency",
    });
  }
  const id = newId("co");
  try {
    return await ctx.db.transaction().execute(async (tx) => {
      const company = await tx
        .insertInto("companies")
        .values({
          id,
          name: input.name.trim(),
          time_zone: input.timeZone,
          ...(input.currency ? { currency: input.currency } : {}),
          created_at: ctx.now(),
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      await tx
        .insertInto("categories")
        .values(DEFAULT_CATEGORIES.map((c) => ({ company_id: id, id: newId("cat"), ...c })))
        .execute();
      await recordAudit(tx, {
        companyId: id,
        actor: { kind: "operator" },
        action: "company.created",
        entityType: "company",
        entityId: id,
        data: { name: company.name, timeZone: company.time_zone, currency: company.currency },
        at: ctx.now(),
      });
      const admin = await addToDirectory(ctx, tx, {
        companyId: id,
        email: input.adminEmail,
        name: input.adminName,
        permissions: FIRST_ADMIN,
        by: OPERATOR_INVITER,
        actorKind: "operator",
      });
      return {
        company: companyView(company),
        admin: { ...(await loadDirectoryItem(tx, id, admin.userId)), invited: admin.invited },
      };
    });
  } catch (e) {
    if (isUniqueViolation(e)) {
      throw new AppError(
        "duplicate",
        `${input.adminEmail.trim()} was just added by someone else; try again.`,
        {
          field: "adminEmail",
        },
      );
    }
    throw e;
  }
}

export async function listCompanies(ctx: AppContext) {
  const rows = await ctx.db
    .selectFrom("companies")
    .select([
      "id",
      "name",
      "time_zone",
      "currency",
      "self_service_approver_grants",
      "created_at",
      sql<number>`(select count(*)::int from directory_entries d where d.company_id = companies.id and d.active)`.as(
        "users",
      ),
    ])
    .orderBy("name")
    .execute();
  return { items: rows.map((r) => ({ ...companyView(r), activeUsers: r.users })) };
}

export async function updateCompany(
  ctx: AppContext,
  companyId: string,
  patch: { selfServiceApproverGrants?: boolean; name?: string },
) {
  return ctx.db.transaction().execute(async (tx) => {
    const before = await tx
      .selectFrom("companies")
      .select(["self_service_approver_grants", "name"])
      .where("id", "=", companyId)
      .forUpdate()
      .executeTakeFirst();
    if (!before) throw new AppError("not_found", "Company was not found.");
    const c = await tx
      .updateTable("companies")
      .set({
        ...(patch.selfServiceApproverGrants !== undefined
          ? { self_service_approver_grants: patch.selfServiceApproverGrants }
          : {}),
        ...(patch.name !== undefined ? { name: patch.name.trim() } : {}),
      })
      .where("id", "=", companyId)
      .returningAll()
      .executeTakeFirstOrThrow();
    await recordAudit(tx, {
      companyId,
      actor: { kind: "operator" },
      action: "company.updated",
      entityType: "company",
      entityId: companyId,
      data: {
        ...(patch.selfServiceApproverGrants !== undefined
          ? {
              selfServiceApproverGrants: {
                from: before.self_service_approver_grants,
                to: patch.selfServiceApproverGrants,
              },
            }
          : {}),
        ...(patch.name !== undefined ? { name: { from: before.name, to: c.name } } : {}),
      },
      at: ctx.now(),
    });
    return companyView(c);
  });
}
