import type { Executor } from "../../db/database.js";
import type * as D from "../../domain/index.js";
import type { EstimateExportRequest } from "../../erp/connector.js";
import type { CompanySettings } from "../budget/load.js";
import type { DocumentSnapshot, ExportRun } from "./types.js";

/**
 * A document's snapshot, as the domain takes it (a budget's lines with their approved changes, or a commitment's
 * lines with its approved change orders), in the shape every submission stores; `categoryName` names a category
 * code for the approver and the ERP.
 */
export function documentSnapshot(
  snapshot: D.SubmissionSnapshot,
  categoryName: (code: string) => string,
): DocumentSnapshot {
  return {
    lines: snapshot.lines.map((l) => ({
      lineId: l.lineId,
      costCode: l.costCode,
      costCodeDescription: l.costCodeDescription,
      category: l.category,
      categoryName: categoryName(l.category),
      description: l.description ?? "",
      original: l.original,
      changes: l.budgetChanges,
      revised: l.revisedEstimate,
      previouslyExported: l.previouslyExported,
      delta: l.delta,
    })),
    totals: {
      original: snapshot.totals.original,
      changes: snapshot.totals.budgetChanges,
      revised: snapshot.totals.revisedEstimate,
      previouslyExported: snapshot.totals.previouslyExported,
      delta: snapshot.totals.delta,
    },
    changeIds: snapshot.changeIds,
  };
}

/** The project as every export request names it: its job link, or the parent customer its job goes under. */
export function exportProject(run: ExportRun, company: CompanySettings): EstimateExportRequest["project"] {
  return {
    number: run.project.number,
    name: run.project.name,
    existingJobRef: run.project.erpJobRef,
    parentCustomerRef: run.project.erpParentCustomerRef,
    parentCustomerName: run.project.erpParentCustomerName ?? company.defaultParentCustomer,
  };
}

/** Each cost code's ERP item, where an admin or an earlier export linked one. */
export async function costCodeItemRefs(db: Executor, companyId: string): Promise<Map<string, string | null>> {
  const codes = await db
    .selectFrom("cost_codes")
    .select(["code", "erp_item_ref"])
    .where("company_id", "=", companyId)
    .execute();
  return new Map(codes.map((c) => [c.code, c.erp_item_ref]));
}
