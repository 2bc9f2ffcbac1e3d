import { sql } from "kysely";
import type { Executor } from "../../db/database.js";
import { type Budget, type BudgetChange, type ChangeStatus, matchesLastExport } from "../../domain/budget.js";
import type { SubmissionStatus } from "../../domain/lifecycle.js";
import { type EffectiveRights, effectiveRights, type Level } from "../../domain/permissions.js";
import type { SendFacts } from "../../domain/send-rules.js";
import { findErp } from "../erp/registry.js";
import { AppError } from "../errors.js";
import type { Membership } from "../membership.js";

export interface CompanySettings {
  id: string;
  name: string;
  timeZone: string;
  currency: string;
  createMissingItems: boolean;
  /** Whether an export may add a vendor the ERP does not have (commitments). */
  createMissingVendors: boolean;
  defaultParentCustomer: string | null;
  estimateMode: "update_in_place" | "new_estimate_per_submission";
  separationOfDuties: boolean;
  notifyApproversOnSend: boolean;
  useClasses: boolean;
}

export interface ProjectRow {
  id: string;
  number: string;
  name: string;
  budgetToolActive: boolean;
  erpJobRef: string | null;
  erpJobName: string | null;
  erpParentCustomerRef: string | null;
  erpParentCustomerName: string | null;
}

export interface CodeRow {
  id: string;
  code: string;
  description: string;
  active: boolean;
  erpItemRef: string | null;
}

export interface CategoryRow {
  id: string;
  code: string;
  name: string;
  erpClassRef: string | null;
}

export interface BudgetContext {
  company: CompanySettings;
  erp: { type: string; status: string; currencies?: string[] | null } | null;
  project: ProjectRow;
  budgetId: string;
  budgetVersion: number;
  creatorUserId: string | null;
  budget: Budget;
  costCodes: Map<string, CodeRow>;
  categories: Map<string, CategoryRow>;
  /** Line id → ids of its cost code and category rows. */
  lineRefs: Map<string, { costCodeId: string; categoryId: string }>;
  facts: SendFacts;
}

export async function loadCompanySettings(db: Executor, companyId: string): Promise<CompanySettings> {
  const c = await db.selectFrom("companies").selectAll().where("id", "=", companyId).executeTakeFirst();
  if (!c) throw new AppError("not_found", "Company was not found.");
  return {
    id: c.id,
    name: c.name,
    timeZone: c.time_zone,
    currency: c.currency,
    createMissingItems: c.create_missing_items,
    createMissingVendors: c.create_missing_vendors,
    defaultParentCustomer: c.default_parent_customer,
    estimateMode: c.estimate_mode as CompanySettings["estimateMode"],
    separationOfDuties: c.separation_of_duties,
    notifyApproversOnSend: c.notify_approvers_on_send,
    useClasses: c.use_classes,
  };
}

export async function loadConnection(db: Executor, companyId: string) {
  const row = await db
    .selectFrom("erp_connections")
    .select(["type", "status", "erp_currencies"])
    .where("company_id", "=", companyId)
    .executeTakeFirst();
  if (!row || row.status === "disconnected") return null;
  return { type: row.type, status: row.status, currencies: row.erp_currencies };
}

export async function loadProject(db: Executor, companyId: string, projectId: string): Promise<ProjectRow> {
  const p = await db
    .selectFrom("projects")
    .selectAll()
    .where("company_id", "=", companyId)
    .where("id", "=", projectId)
    .executeTakeFirst();
  if (!p) throw new AppError("not_found", "Project was not found.");
  return {
    id: p.id,
    number: p.number,
    name: p.name,
    budgetToolActive: p.budget_tool_active,
    erpJobRef: p.erp_job_ref,
    erpJobName: p.erp_job_name,
    erpParentCustomerRef: p.erp_parent_customer_ref,
    erpParentCustomerName: p.erp_parent_customer_name,
  };
}

/** The caller's rights on one project: the company-wide entry, replaced by a per-project override if any. */
export async function projectRights(
  db: Executor,
  m: Membership,
  projectId: string,
): Promise<EffectiveRights> {
  const override = await db
    .selectFrom("project_permissions")
    .select(["budget", "lock_budget", "send_and_retrieve_budget"])
    .where("company_id", "=", m.companyId)
    .where("project_id", "=", projectId)
    .where("user_id", "=", m.userId)
    .executeTakeFirst();
  return effectiveRights(
    m,
    override
      ? {
          budget: override.budget as Level,
          lockBudget: override.lock_budget,
          sendAndRetrieveBudget: override.send_and_retrieve_budget,
        }
      : null,
  );
}

/**
 * Loads one project's budget with everything the rules need. With `forUpdate` the budget row is locked for the
 * rest of the transaction, so every change to one budget (edits, lock, send, decisions) happens one at a time.
 */
export async function loadBudgetContext(
  db: Executor,
  companyId: string,
  projectId: string,
  opts: { forUpdate?: boolean } = {},
): Promise<BudgetContext> {
  const [company, erp, project] = await Promise.all([
    loadCompanySettings(db, companyId),
    loadConnection(db, companyId),
    loadProject(db, companyId, projectId),
  ]);
  let budgetQuery = db
    .selectFrom("budgets")
    .select(["id", "locked", "version", "creator_user_id"])
    .where("company_id", "=", companyId)
    .where("project_id", "=", projectId);
  if (opts.forUpdate) budgetQuery = budgetQuery.forUpdate();
  let budgetRow = await budgetQuery.executeTakeFirst();
  if (!budgetRow) {
    await sql`insert into budgets (company_id, id, project_id) values (${companyId}, ${`bud_${projectId}`}, ${projectId})
      on conflict (company_id, project_id) do nothing`.execute(db);
    budgetRow = await budgetQuery.executeTakeFirstOrThrow();
  }
  const budgetId = budgetRow.id;

  const [codeRows, categoryRows, lineRows, changeRows, adjustmentRows, lastSubmission, lastExported] =
    await Promise.all([
      db.selectFrom("cost_codes").selectAll().where("company_id", "=", companyId).execute(),
      db.selectFrom("categories").selectAll().where("company_id", "=", companyId).execute(),
      db
        .selectFrom("budget_lines")
        .select(["id", "cost_code_id", "category_id", "original_minor"])
        .where("company_id", "=", companyId)
        .where("budget_id", "=", budgetId)
        .orderBy("position")
        .execute(),
      db
        .selectFrom("budget_changes")
        .select(["id", "number", "description", "status"])
        .where("company_id", "=", companyId)
        .where("budget_id", "=", budgetId)
        .orderBy("number")
        .execute(),
      db
        .selectFrom("budget_change_adjustments")
        .innerJoin("budget_changes", (j) =>
          j
            .onRef("budget_changes.company_id", "=", "budget_change_adjustments.company_id")
            .onRef("budget_changes.id", "=", "budget_change_adjustments.change_id"),
        )
        .select([
          "budget_change_adjustments.change_id",
          "budget_change_adjustments.line_id",
          "budget_change_adjustments.amount_minor",
        ])
        .where("budget_change_adjustments.company_id", "=", companyId)
        .where("budget_changes.budget_id", "=", budgetId)
        .execute(),
      db
        .selectFrom("submissions")
        .select(["id", "status", "submitted_by", "reason"])
        .where("company_id", "=", companyId)
        .where("budget_id", "=", budgetId)
        .orderBy("submitted_at", "desc")
        .orderBy("id", "desc")
        .limit(1)
        .executeTakeFirst(),
      db
        .selectFrom("submissions")
        .select(["id", "change_ids"])
        .where("company_id", "=", companyId)
        .where("budget_id", "=", budgetId)
        .where("status", "=", "exported")
        .orderBy("exported_at", "desc")
        .limit(1)
        .executeTakeFirst(),
    ]);

  const costCodes = new Map<string, CodeRow>();
  const codeById = new Map<string, CodeRow>();
  for (const r of codeRows) {
    const row = {
      id: r.id,
      code: r.code,
      description: r.description,
      active: r.active,
      erpItemRef: r.erp_item_ref,
    };
    costCodes.set(r.code, row);
    codeById.set(r.id, row);
  }
  const categories = new Map<string, CategoryRow>();
  const categoryById = new Map<string, CategoryRow>();
  for (const r of categoryRows) {
    const row = { id: r.id, code: r.code, name: r.name, erpClassRef: r.erp_class_ref };
    categories.set(r.code, row);
    categoryById.set(r.id, row);
  }
  const lineRefs = new Map<string, { costCodeId: string; categoryId: string }>();
  const lines = lineRows.map((l) => {
    lineRefs.set(l.id, { costCodeId: l.cost_code_id, categoryId: l.category_id });
    const code = codeById.get(l.cost_code_id)!;
    return {
      id: l.id,
      costCode: code.code,
      costCodeDescription: code.description,
      category: categoryById.get(l.category_id)!.code,
      original: l.original_minor,
    };
  });
  const adjustmentsByChange = new Map<string, { lineId: string; amount: bigint }[]>();
  for (const a of adjustmentRows) {
    const list = adjustmentsByChange.get(a.change_id) ?? [];
    list.push({ lineId: a.line_id, amount: a.amount_minor });
    adjustmentsByChange.set(a.change_id, list);
  }
  const changes: BudgetChange[] = changeRows.map((c) => ({
    id: c.id,
    number: c.number,
    description: c.description,
    status: c.status as ChangeStatus,
    adjustments: adjustmentsByChange.get(c.id) ?? [],
  }));
  let exportedBaseline: Budget["lastExported"] = null;
  if (lastExported) {
    const snapLines = await db
      .selectFrom("submission_lines")
      .select(["line_id", "revised_minor"])
      .where("company_id", "=", companyId)
      .where("submission_id", "=", lastExported.id)
      .execute();
    exportedBaseline = {
      lines: snapLines.map((l) => ({ lineId: l.line_id, revisedEstimate: l.revised_minor })),
      changeIds: lastExported.change_ids,
    };
  }
  const budget: Budget = {
    locked: budgetRow.locked,
    lines,
    changes,
    lastSubmission: lastSubmission
      ? {
          id: lastSubmission.id,
          status: lastSubmission.status as SubmissionStatus,
          sentBy: lastSubmission.submitted_by,
          reason: lastSubmission.reason,
        }
      : null,
    lastExported: exportedBaseline,
  };
  const erpDefinition = findErp(erp?.type);
  const facts: SendFacts = {
    budget,
    project: {
      name: project.name,
      budgetToolActive: project.budgetToolActive,
      erpJobLinked: Boolean(project.erpJobRef),
      parentCustomerChosen: Boolean(project.erpParentCustomerRef || project.erpParentCustomerName),
      // The customer a new job would be added under by name (a customer picked from QuickBooks has a reference).
      newJobParentName: project.erpParentCustomerRef
        ? null
        : (project.erpParentCustomerName ?? company.defaultParentCustomer ?? null),
    },
    erp: {
      type: erp?.type ?? null,
      ...(erpDefinition ? { label: erpDefinition.label, limits: erpDefinition.limits } : {}),
      createMissingItems: company.createMissingItems,
      hasDefaultParentCustomer: Boolean(company.defaultParentCustomer),
      currency: company.currency,
      heldCurrencies: erp?.currencies ?? null,
    },
    mappedCostCodes: new Set(codeRows.filter((c) => c.erp_item_ref).map((c) => c.code)),
  };
  return {
    company,
    erp,
    project,
    budgetId,
    budgetVersion: budgetRow.version,
    creatorUserId: budgetRow.creator_user_id,
    budget,
    costCodes,
    categories,
    lineRefs,
    facts,
  };
}

/**
 * Re-derives whether QuickBooks holds exactly this budget (the domain's rule behind "synced" on the budget page) and
 * stores it on the budget row, where the projects list reads it. Runs in the transaction of every budget command
 * and of every finished export, after their writes.
 */
export async function storeExportMatch(tx: Executor, companyId: string, projectId: string): Promise<void> {
  const b = await loadBudgetContext(tx, companyId, projectId);
  await tx
    .updateTable("budgets")
    .set({ matches_export: matchesLastExport(b.budget) })
    .where("company_id", "=", companyId)
    .where("id", "=", b.budgetId)
    .execute();
}
