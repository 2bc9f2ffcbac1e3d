import { sql } from "kysely";
import type { Executor } from "../../db/database.js";
import type { PurchaseOrderExportRequest } from "../../erp/connector.js";
import type { DocumentDescription } from "../../mail/templates/index.js";
import { loadCompanySettings, loadProject } from "../budget/load.js";
import { erpLabel } from "../erp/registry.js";
import { AppError } from "../errors.js";
import { costCodeItemRefs, exportProject } from "./snapshot.js";
import type { CommitmentDocument, CommitmentRow, DocumentKind, DocumentRef, VendorRow } from "./types.js";

/** A commitment line's stable key within its commitment, as the ERP boundary names it. */
export function lineKey(costCode: string, category: string): string {
  return `${costCode}|${category}`;
}

async function readCommitment(
  db: Executor,
  companyId: string,
  commitmentId: string,
  forUpdate: boolean,
): Promise<{ commitment: CommitmentRow; vendorId: string; projectId: string }> {
  let q = db
    .selectFrom("commitments")
    .select(["id", "project_id", "kind", "number", "title", "status", "version", "created_by", "vendor_id"])
    .where("company_id", "=", companyId)
    .where("id", "=", commitmentId);
  if (forUpdate) q = q.forUpdate();
  const c = await q.executeTakeFirst();
  if (!c) throw new AppError("not_found", "Commitment was not found.");
  return {
    commitment: {
      id: c.id,
      kind: c.kind as CommitmentRow["kind"],
      number: c.number,
      title: c.title,
      status: c.status,
      version: c.version,
      createdBy: c.created_by,
    },
    vendorId: c.vendor_id,
    projectId: c.project_id,
  };
}

async function readVendor(db: Executor, companyId: string, vendorId: string): Promise<VendorRow> {
  const v = await db
    .selectFrom("vendors")
    .selectAll()
    .where("company_id", "=", companyId)
    .where("id", "=", vendorId)
    .executeTakeFirstOrThrow();
  return {
    id: v.id,
    name: v.name,
    contactName: v.contact_name,
    email: v.email,
    phone: v.phone,
    address: {
      line1: v.address_line1,
      city: v.city,
      region: v.region,
      postalCode: v.postal_code,
      country: v.country,
    },
    erpVendorRef: v.erp_vendor_ref,
    erpVendorName: v.erp_vendor_name,
  };
}

/**
 * Reads a commitment with its vendor, project and company; with `forUpdate` its row stays locked for the rest of
 * the transaction, so its edits, sends and decisions happen one at a time.
 */
export async function loadCommitmentDocument(
  db: Executor,
  companyId: string,
  commitmentId: string,
  opts: { forUpdate?: boolean } = {},
): Promise<CommitmentDocument> {
  const { commitment, vendorId, projectId } = await readCommitment(
    db,
    companyId,
    commitmentId,
    opts.forUpdate === true,
  );
  const [company, project, vendor] = await Promise.all([
    loadCompanySettings(db, companyId),
    loadProject(db, companyId, projectId),
    readVendor(db, companyId, vendorId),
  ]);
  return {
    type: "commitment",
    ref: { type: "commitment", id: commitmentId, projectId },
    company,
    project,
    commitment,
    vendor,
  };
}

/** How emails and screens name a commitment: kind, number, title and vendor. */
export function describeCommitment(
  c: Pick<CommitmentRow, "id" | "kind" | "number" | "title">,
  vendor: string,
) {
  return {
    kind: "commitment",
    id: c.id,
    commitmentKind: c.kind,
    number: c.number,
    title: c.title,
    vendor,
  } satisfies DocumentDescription;
}

/** Moves a commitment's version on, so open screens reload. */
async function touchCommitment(db: Executor, companyId: string, ref: DocumentRef, now: Date) {
  await db
    .updateTable("commitments")
    .set({ version: sql`version + 1`, updated_at: now })
    .where("company_id", "=", companyId)
    .where("id", "=", ref.id)
    .execute();
}

/** A subcontract or purchase order: exported as a purchase order to its vendor, every line on the project's job. */
export const COMMITMENT_DOCUMENT: DocumentKind<CommitmentDocument> = {
  type: "commitment",

  lock: (tx, companyId, ref) => loadCommitmentDocument(tx, companyId, ref.id, { forUpdate: true }),

  touch: touchCommitment,

  // A commitment's lock is its pending submission (docs/product.md §commitment-submissions): once the submission
  // is rejected it is editable again, and nothing is stored to undo.
  async returnDocument() {},

  creatorOf: (doc) => doc.commitment.createdBy,
  company: (doc) => doc.company,
  project: (doc) => doc.project,
  describe: (doc) => describeCommitment(doc.commitment, doc.vendor.name),

  async describeRef(db, companyId, ref) {
    const { commitment, vendorId } = await readCommitment(db, companyId, ref.id, false);
    const vendor = await readVendor(db, companyId, vendorId);
    return describeCommitment(commitment, vendor.name);
  },

  async export(ctx, connector, run) {
    if (!connector.exportPurchaseOrder) {
      const label = erpLabel(run.erpType);
      return {
        kind: "rejected",
        code: "purchase_orders_not_supported",
        message: `${label} cannot take purchase orders here, so this commitment cannot be exported to it.`,
        remedy:
          "Reject the submission to hand the commitment back; commitments can be sent once the company is connected to an ERP that takes purchase orders.",
      };
    }
    const db = ctx.db;
    const { commitment, vendorId } = await readCommitment(db, run.companyId, run.document.id, false);
    const [company, vendor, lines, itemRefs, previous] = await Promise.all([
      loadCompanySettings(db, run.companyId),
      readVendor(db, run.companyId, vendorId),
      db
        .selectFrom("submission_lines")
        .select([
          "cost_code",
          "cost_code_description",
          "category",
          "category_name",
          "description",
          "revised_minor",
        ])
        .where("company_id", "=", run.companyId)
        .where("submission_id", "=", run.submissionId)
        .orderBy("position")
        .execute(),
      costCodeItemRefs(db, run.companyId),
      db
        .selectFrom("erp_purchase_orders")
        .selectAll()
        .where("company_id", "=", run.companyId)
        .where("commitment_id", "=", run.document.id)
        .where("erp_type", "=", run.erpType)
        .executeTakeFirst(),
    ]);
    const req: PurchaseOrderExportRequest = {
      companyId: run.companyId,
      submissionId: run.submissionId,
      attempt: run.attempt,
      project: exportProject(run, company),
      commitment: {
        id: commitment.id,
        number: commitment.number,
        title: commitment.title,
        kind: commitment.kind,
      },
      vendor: {
        name: vendor.name,
        existingVendorRef: vendor.erpVendorRef,
        contactName: vendor.contactName,
        email: vendor.email,
        phone: vendor.phone,
        address: vendor.address,
      },
      lines: lines.map((l) => ({
        lineKey: lineKey(l.cost_code, l.category),
        costCode: l.cost_code,
        costCodeDescription: l.cost_code_description,
        category: l.category,
        categoryName: l.category_name,
        description: l.description,
        amount: l.revised_minor,
        itemRef: itemRefs.get(l.cost_code) ?? null,
      })),
      createMissingItems: company.createMissingItems,
      createMissingVendors: company.createMissingVendors,
      previous: previous
        ? {
            purchaseOrderId: previous.purchase_order_id,
            version: previous.version,
            vendorRef: previous.vendor_ref,
            jobRef: previous.job_ref,
            docNumber: previous.doc_number,
            lines: previous.lines as { lineKey: string; lineId: string; amount: string }[],
          }
        : null,
      overwriteChangedInErp: run.overwriteChangedInErp,
      useClasses: company.useClasses,
      currency: company.currency,
    };
    const outcome = await connector.exportPurchaseOrder(req);
    if (outcome.kind !== "done") return outcome;
    return {
      kind: "done",
      exported: {
        kind: "purchase_order",
        ref: outcome.erpRef,
        itemRefs: outcome.itemRefs,
        vendorName: vendor.name,
      },
      audit: {
        commitmentId: commitment.id,
        purchaseOrderId: outcome.erpRef.purchaseOrderId,
        vendorRef: outcome.erpRef.vendorRef,
        createdVendor: outcome.createdVendor,
        createdItems: outcome.createdItems,
        createdJob: outcome.createdJob,
      },
    };
  },

  async recordExported(tx, { companyId, submissionId, document, erpType, now }, exported) {
    if (exported.kind !== "purchase_order") throw new Error("a commitment is exported as a purchase order");
    const { ref } = exported;
    const po = {
      purchase_order_id: ref.purchaseOrderId,
      version: ref.version,
      vendor_ref: ref.vendorRef,
      job_ref: ref.jobRef,
      doc_number: ref.docNumber,
      lines: JSON.stringify(ref.lines),
      submission_id: submissionId,
      updated_at: now,
    };
    await tx
      .insertInto("erp_purchase_orders")
      .values({ company_id: companyId, commitment_id: document.id, erp_type: erpType, ...po })
      .onConflict((oc) => oc.columns(["company_id", "commitment_id", "erp_type"]).doUpdateSet(po))
      .execute();
    // The vendor found or created by the export becomes the vendor's link, unless an admin linked one already.
    await tx
      .updateTable("vendors")
      .set({ erp_vendor_ref: ref.vendorRef, erp_vendor_name: exported.vendorName, updated_at: now })
      .where("company_id", "=", companyId)
      .where("id", "=", (eb) =>
        eb
          .selectFrom("commitments")
          .select("vendor_id")
          .where("company_id", "=", companyId)
          .where("id", "=", document.id),
      )
      .where("erp_vendor_ref", "is", null)
      .execute();
  },

  afterExportOutcome: (tx, companyId, ref, now) => touchCommitment(tx, companyId, ref, now),
};
