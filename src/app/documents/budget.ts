import * as D from "../../domain/index.js";
import type { EstimateExportRequest, ExportOutcome, WrittenEstimate } from "../../erp/connector.js";
import {
  type BudgetContext,
  loadBudgetContext,
  loadCompanySettings,
  storeExportMatch,
} from "../budget/load.js";
import { bumpBudgetVersion } from "../budget/with-budget.js";
import type { BudgetDocument, DocumentKind, DocumentRef, DocumentSnapshot } from "./types.js";

/** A budget as the pipeline carries it. */
export function budgetDocument(budget: BudgetContext, projectId = budget.project.id): BudgetDocument {
  return { type: "budget", ref: { type: "budget", id: budget.budgetId, projectId }, budget };
}

/** A budget's snapshot (docs/product.md §snapshot) in the shape every submission stores. */
export function budgetSnapshot(b: BudgetContext, snapshot: D.SubmissionSnapshot): DocumentSnapshot {
  return {
    lines: snapshot.lines.map((l) => ({
      lineId: l.lineId,
      costCode: l.costCode,
      costCodeDescription: l.costCodeDescription,
      category: l.category,
      categoryName: b.categories.get(l.category)?.name ?? l.category,
      description: "",
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

/** A project's budget: exported as an estimate on the project's job. */
export const BUDGET_DOCUMENT: DocumentKind<BudgetDocument> = {
  type: "budget",

  async lock(tx, companyId, ref) {
    return budgetDocument(
      await loadBudgetContext(tx, companyId, ref.projectId, { forUpdate: true }),
      ref.projectId,
    );
  },

  touch: (tx, companyId, ref, now) => bumpBudgetVersion(tx, companyId, ref.id, now),

  // docs/product.md §reject: unlocked only when never exported and without approved changes.
  async returnDocument(tx, doc) {
    if (D.isLockedAfterReject(doc.budget.budget)) return;
    await tx
      .updateTable("budgets")
      .set({ locked: false })
      .where("company_id", "=", doc.budget.company.id)
      .where("id", "=", doc.budget.budgetId)
      .execute();
  },

  creatorOf: (doc) => doc.budget.creatorUserId,
  company: (doc) => doc.budget.company,
  project: (doc) => doc.budget.project,
  describe: () => undefined,
  describeRef: async () => undefined,

  async export(ctx, connector, run) {
    const company = await loadCompanySettings(ctx.db, run.companyId);
    const [lines, codes, previous] = await Promise.all([
      ctx.db
        .selectFrom("submission_lines")
        .select(["cost_code", "cost_code_description", "category", "category_name", "revised_minor"])
        .where("company_id", "=", run.companyId)
        .where("submission_id", "=", run.submissionId)
        .orderBy("position")
        .execute(),
      ctx.db
        .selectFrom("cost_codes")
        .select(["code", "erp_item_ref"])
        .where("company_id", "=", run.companyId)
        .execute(),
      ctx.db
        .selectFrom("erp_estimates")
        .selectAll()
        .where("company_id", "=", run.companyId)
        .where("project_id", "=", run.document.projectId)
        .where("erp_type", "=", run.erpType)
        .executeTakeFirst(),
    ]);
    const itemRefs = new Map(codes.map((c) => [c.code, c.erp_item_ref]));
    const req: EstimateExportRequest = {
      companyId: run.companyId,
      submissionId: run.submissionId,
      attempt: run.attempt,
      project: {
        number: run.project.number,
        name: run.project.name,
        existingJobRef: run.project.erpJobRef,
        parentCustomerRef: run.project.erpParentCustomerRef,
        parentCustomerName: run.project.erpParentCustomerName ?? company.defaultParentCustomer,
      },
      lines: lines.map((l) => ({
        costCode: l.cost_code,
        costCodeDescription: l.cost_code_description,
        category: l.category,
        categoryName: l.category_name,
        revisedEstimate: l.revised_minor,
        itemRef: itemRefs.get(l.cost_code) ?? null,
      })),
      createMissingItems: company.createMissingItems,
      estimateMode: company.estimateMode,
      previous: previous
        ? {
            estimateId: previous.estimate_id,
            version: previous.version,
            jobRef: previous.job_ref,
            docNumber: previous.doc_number,
            ownedDigest: previous.owned_digest,
            written: (previous.written_owned as WrittenEstimate | null) ?? null,
          }
        : null,
      overwriteChangedInErp: run.overwriteChangedInErp,
      useClasses: company.useClasses,
      currency: company.currency,
    };
    const outcome: ExportOutcome = await connector.exportEstimate(req);
    if (outcome.kind !== "done") return outcome;
    return {
      kind: "done",
      exported: { kind: "estimate", ref: outcome.erpRef, itemRefs: outcome.itemRefs },
      audit: {
        estimateId: outcome.erpRef.estimateId,
        createdItems: outcome.createdItems,
        createdJob: outcome.createdJob,
      },
    };
  },

  async recordExported(tx, { companyId, submissionId, document, erpType, now }, exported) {
    if (exported.kind !== "estimate") throw new Error("a budget is exported as an estimate");
    const { ref } = exported;
    const estimate = {
      estimate_id: ref.estimateId,
      version: ref.version,
      job_ref: ref.jobRef,
      doc_number: ref.docNumber,
      owned_digest: ref.ownedDigest ?? null,
      // What the ERP holds of our write, for the next re-send's comparison (null when the adapter does not say).
      written_owned: ref.written ? JSON.stringify(ref.written) : null,
      submission_id: submissionId,
      updated_at: now,
    };
    await tx
      .insertInto("erp_estimates")
      .values({ company_id: companyId, project_id: document.projectId, erp_type: erpType, ...estimate })
      .onConflict((oc) => oc.columns(["company_id", "project_id", "erp_type"]).doUpdateSet(estimate))
      .execute();
  },

  async afterExportOutcome(tx, companyId, ref: DocumentRef, now, exported) {
    await bumpBudgetVersion(tx, companyId, ref.id, now);
    if (exported) await storeExportMatch(tx, companyId, ref.projectId);
  },
};
