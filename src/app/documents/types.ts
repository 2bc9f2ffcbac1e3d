import type { Executor, Tx } from "../../db/database.js";
import type {
  ErpConnector,
  ErpEstimateRef,
  ErpPurchaseOrderRef,
  UnfinishedOutcome,
} from "../../erp/connector.js";
import type { DocumentDescription } from "../../mail/templates/index.js";
import type { BudgetContext, CompanySettings, ProjectRow } from "../budget/load.js";
import type { AppContext } from "../context.js";
import type { ErpKind } from "../erp/registry.js";

/**
 * What a submission carries to accounting: a project's budget or one of its commitments (docs/product.md
 * §commitment-submissions). The lifecycle, attempts, job and emails are the same for both; what differs lives in
 * one `DocumentKind` per type (`./budget.ts`, `./commitment.ts`).
 */
export const DOCUMENT_TYPES = ["budget", "commitment"] as const;
export type DocumentType = (typeof DOCUMENT_TYPES)[number];

/** Which document a submission carries: its type, its id (a budget's or a commitment's) and its project. */
export interface DocumentRef {
  readonly type: DocumentType;
  readonly id: string;
  readonly projectId: string;
}

/** A submission row's document columns, as every reader of `submissions` has them. */
export function documentRefOf(row: {
  document_type: string;
  budget_id: string | null;
  commitment_id: string | null;
  project_id: string;
}): DocumentRef {
  const type = row.document_type as DocumentType;
  const id = type === "commitment" ? row.commitment_id : row.budget_id;
  if (!id) throw new Error(`submission of a ${type} without its ${type} id`);
  return { type, id, projectId: row.project_id };
}

export interface CommitmentRow {
  id: string;
  kind: "subcontract" | "purchase_order";
  number: string;
  title: string;
  status: string;
  version: number;
  createdBy: string | null;
}

export interface VendorRow {
  id: string;
  name: string;
  contactName: string | null;
  email: string | null;
  phone: string | null;
  address: {
    line1: string | null;
    city: string | null;
    region: string | null;
    postalCode: string | null;
    country: string | null;
  };
  erpVendorRef: string | null;
  erpVendorName: string | null;
}

/** A budget read under its lock, with everything its rules need. */
export interface BudgetDocument {
  readonly type: "budget";
  readonly ref: DocumentRef;
  readonly budget: BudgetContext;
}

/** A commitment read under its lock, with its vendor, project and company. */
export interface CommitmentDocument {
  readonly type: "commitment";
  readonly ref: DocumentRef;
  readonly company: CompanySettings;
  readonly project: ProjectRow;
  readonly commitment: CommitmentRow;
  readonly vendor: VendorRow;
}

export type LoadedDocument = BudgetDocument | CommitmentDocument;

/** One line of the snapshot stored with a submission, whatever the document. */
export interface SnapshotRow {
  lineId: string;
  costCode: string;
  costCodeDescription: string;
  category: string;
  categoryName: string;
  /** The line's own words (a commitment line's description; empty for budget lines). */
  description: string;
  original: bigint;
  /** Approved budget changes, or a commitment's approved change orders. */
  changes: bigint;
  revised: bigint;
  previouslyExported: bigint;
  delta: bigint;
}

/** What a send stores: the lines as the approver will see them and as they will be written, with their totals. */
export interface DocumentSnapshot {
  lines: readonly SnapshotRow[];
  totals: { original: bigint; changes: bigint; revised: bigint; previouslyExported: bigint; delta: bigint };
  /** The approved changes (budget changes or change orders) this snapshot counts. */
  changeIds: readonly string[];
}

/** What the ERP holds after a successful export, per kind of document written. */
export type ExportedDocument =
  | { kind: "estimate"; ref: ErpEstimateRef; itemRefs: Record<string, string> }
  | {
      kind: "purchase_order";
      ref: ErpPurchaseOrderRef;
      itemRefs: Record<string, string>;
      vendorName: string;
    };

/** One run of the export job for a submission, as the job read it. */
export interface ExportRun {
  companyId: string;
  submissionId: string;
  attempt: number;
  document: DocumentRef;
  erpType: ErpKind;
  overwriteChangedInErp: boolean;
  project: {
    number: string;
    name: string;
    erpJobRef: string | null;
    erpParentCustomerRef: string | null;
    erpParentCustomerName: string | null;
  };
}

/** How a run of the export job ended for its document: written (with what to record) or not finished. */
export type DocumentOutcome =
  | {
      kind: "done";
      exported: ExportedDocument;
      /** What the audit event of the export records beside the project. */
      audit: Record<string, unknown>;
    }
  | UnfinishedOutcome;

/** Everything the shared pipeline needs to know about one type of document. */
export interface DocumentKind<Doc extends LoadedDocument = LoadedDocument> {
  readonly type: DocumentType;
  /** Reads the document and locks its row, so its edits, sends and decisions happen one at a time. */
  lock(tx: Tx, companyId: string, ref: DocumentRef): Promise<Doc>;
  /** Moves the document's version on, so readers holding the old one see that it changed. */
  touch(tx: Tx, companyId: string, ref: DocumentRef, now: Date): Promise<void>;
  /** `return_document`: what handing it back after a rejection means for this kind of document. */
  returnDocument(tx: Tx, doc: Doc): Promise<void>;
  /** Who created the document: the rejection notice goes to them as well as to the sender. */
  creatorOf(doc: Doc): string | null;
  company(doc: Doc): CompanySettings;
  project(doc: Doc): { id: string; number: string; name: string };
  /** How emails name the document (a budget is named by its project alone). */
  describe(doc: Doc): DocumentDescription | undefined;
  /** The same, read by reference (outside a decision, e.g. when an export fails). */
  describeRef(db: Executor, companyId: string, ref: DocumentRef): Promise<DocumentDescription | undefined>;
  /** Builds the export request from the stored snapshot and calls the connector. */
  export(ctx: AppContext, connector: ErpConnector, run: ExportRun): Promise<DocumentOutcome>;
  /** What to record besides the shared export columns once the ERP holds the document. */
  recordExported(
    tx: Tx,
    input: { companyId: string; submissionId: string; document: DocumentRef; erpType: ErpKind; now: Date },
    exported: ExportedDocument,
  ): Promise<void>;
  /** After an export outcome is recorded: whatever the document derives from it. */
  afterExportOutcome(
    tx: Tx,
    companyId: string,
    ref: DocumentRef,
    now: Date,
    exported: boolean,
  ): Promise<void>;
}
