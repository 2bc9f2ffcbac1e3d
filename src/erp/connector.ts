/**
 * The boundary between the export job and an accounting system. Every ERP adapter implements it (QuickBooks Online
 * over REST, QuickBooks Desktop through the Web Connector); nothing here names a concept only one ERP has.
 */

/** What our last successful export wrote, enough to find it again and to notice edits made in the ERP since. */
export interface ErpEstimateRef {
  estimateId: string;
  /** Optimistic-lock token of the estimate as we left it: QBO SyncToken, QBD EditSequence. */
  version: string;
  /** The customer/job the estimate sits on; persisted as the project's ERP job link. */
  jobRef: string;
  docNumber: string;
  /**
   * Fingerprint of the fields Costbridge owns on the estimate as we left it (lines, amounts, job). A later edit
   * in the ERP counts as "changed in QuickBooks" only when it moves this; null where it was never recorded.
   */
  ownedDigest?: string | null;
  /**
   * What Costbridge wrote on the estimate, as the ERP returned it after the write: an edit made in the ERP counts as
   * "changed" only when it changes these. Absent for estimates written before it was recorded.
   */
  written?: WrittenEstimate | null;
}

/** The fields of an estimate Costbridge owns: the job it sits on and its lines (item, description, amount). */
export interface WrittenEstimate {
  jobRef: string;
  lines: { itemRef: string; description: string; amount: string }[];
}

export interface EstimateExportLine {
  costCode: string;
  costCodeDescription: string;
  /** Category code, e.g. "L". */
  category: string;
  /** Category name, e.g. "Labor"; becomes the class name or goes into the line description. */
  categoryName: string;
  /** Minor units (cents). Never negative: sending is blocked before that. */
  revisedEstimate: bigint;
  /** The ERP item this cost code is mapped to, if any. */
  itemRef?: string | null;
}

export interface EstimateExportRequest {
  companyId: string;
  submissionId: string;
  /** Each accept or retry is a new attempt; idempotency keys derive from (submission, attempt, step). */
  attempt: number;
  project: {
    number: string;
    name: string;
    /** Set once the project is linked to a job in the ERP (by an admin or by an earlier export). */
    existingJobRef?: string | null;
    /** Parent customer for a job created at export, by name or by reference (reference wins). */
    parentCustomerName?: string | null;
    parentCustomerRef?: string | null;
  };
  lines: EstimateExportLine[];
  createMissingItems: boolean;
  estimateMode: "update_in_place" | "new_estimate_per_submission";
  /** What our last successful export of this project wrote; null before the first export. */
  previous: ErpEstimateRef | null;
  /**
   * True on an approver's retry after a "changed in QuickBooks" failure: overwrite the edits
   * (docs/product.md §changed-in-quickbooks).
   */
  overwriteChangedInErp: boolean;
  /** Carry the category as a class on each line instead of in the line description. */
  useClasses: boolean;
  /** The company's ISO 4217 currency in Costbridge; the ERP must hold it. USD when absent. */
  currency?: string;
}

export type ExportOutcome =
  /**
   * Written and confirmed by reading it back. Record `erpRef` (and `erpRef.jobRef` as the project's job link)
   * with the success. `createdItems` names the items added to the ERP; `itemRefs` maps every exported cost code
   * to its ERP item, so new mappings can be recorded too.
   */
  | {
      kind: "done";
      erpRef: ErpEstimateRef;
      createdJob: boolean;
      createdItems: string[];
      itemRefs: Record<string, string>;
    }
  /** Permanent: the submission goes to Failed to Export showing `message` and `remedy`. */
  | { kind: "rejected"; code: string; message: string; remedy: string }
  /** Transient: run again later with the same attempt number (same idempotency keys). */
  | { kind: "retryable"; code: string; message: string; retryAfterMs?: number }
  /** The connection was revoked or expired (`invalid_grant`): pause exports for the company; nothing is lost. */
  | { kind: "reconnect_needed"; message: string }
  /**
   * The ERP pulls its work (QuickBooks Desktop's Web Connector): requests are queued and the caller should ask
   * again later with the same request; not an error and not a failed try.
   */
  | { kind: "waiting"; message: string; checkAfterMs?: number };

/** An outcome that is not "done": the same for every kind of document. */
export type UnfinishedOutcome = Exclude<ExportOutcome, { kind: "done" }>;

/**
 * What our last successful export of a commitment wrote: the purchase order to modify in place, its version, and
 * the ERP's id of each line (keyed by `lineKey`), so a change order changes those lines and adds new ones.
 */
export interface ErpPurchaseOrderRef {
  purchaseOrderId: string;
  /** Optimistic-lock token of the purchase order as we left it: QBO SyncToken, QBD EditSequence. */
  version: string;
  vendorRef: string;
  /** The customer/job every line is charged to; persisted as the project's ERP job link. */
  jobRef: string;
  docNumber: string;
  /** The ERP's line id (QBO Line.Id, QBD TxnLineID) for each commitment line, by `lineKey`. */
  lines: { lineKey: string; lineId: string; amount: string }[];
}

export interface PurchaseOrderExportLine {
  /** Stable key of the line within its commitment: `<cost code>|<category>`. */
  lineKey: string;
  costCode: string;
  costCodeDescription: string;
  category: string;
  categoryName: string;
  /** The line's own description (may be empty): goes into the purchase-order line's description. */
  description: string;
  /** Minor units (cents): the line's amount with every approved change order. Never negative. */
  amount: bigint;
  /** The ERP item this cost code is mapped to, if any. */
  itemRef?: string | null;
}

export interface PurchaseOrderExportRequest {
  companyId: string;
  submissionId: string;
  /** Each accept or retry is a new attempt; idempotency keys derive from (submission, attempt, step). */
  attempt: number;
  project: EstimateExportRequest["project"];
  commitment: {
    id: string;
    /** The commitment's number in Costbridge, e.g. "SC-001"; it becomes the purchase order's number. */
    number: string;
    title: string;
    kind: "subcontract" | "purchase_order";
  };
  vendor: {
    /** Name in Costbridge's vendor directory; how the ERP's vendor is found when there is no link. */
    name: string;
    /** Set when an admin linked the vendor or an earlier export found or created it. */
    existingVendorRef?: string | null;
    contactName?: string | null;
    email?: string | null;
    phone?: string | null;
    address?: {
      line1?: string | null;
      city?: string | null;
      region?: string | null;
      postalCode?: string | null;
      country?: string | null;
    } | null;
  };
  lines: PurchaseOrderExportLine[];
  createMissingItems: boolean;
  createMissingVendors: boolean;
  /** What our last successful export of this commitment wrote; null before the first export. */
  previous: ErpPurchaseOrderRef | null;
  /**
   * True on an approver's retry after a "changed in QuickBooks" failure (the purchase order we wrote was deleted
   * there): write the commitment as a new purchase order. Absent means false.
   */
  overwriteChangedInErp?: boolean;
  useClasses: boolean;
  /** The company's ISO 4217 currency in Costbridge; the ERP must hold it. USD when absent. */
  currency?: string;
}

export type PurchaseOrderOutcome =
  /**
   * Written. Record `erpRef` (its `jobRef` as the project's job link and `vendorRef` as the vendor's link);
   * `itemRefs` maps every exported cost code to its ERP item.
   */
  | {
      kind: "done";
      erpRef: ErpPurchaseOrderRef;
      createdJob: boolean;
      createdVendor: boolean;
      createdItems: string[];
      itemRefs: Record<string, string>;
    }
  | UnfinishedOutcome;

export interface ErpConnector {
  /** The ERP's kind in the registry (`erp_connections.type`). */
  readonly kind: string;
  exportEstimate(req: EstimateExportRequest): Promise<ExportOutcome>;
  /** Commitments as purchase orders; an ERP without it cannot take commitments (sending is refused). */
  exportPurchaseOrder?(req: PurchaseOrderExportRequest): Promise<PurchaseOrderOutcome>;
}

/** Done and rejected end an attempt; every other outcome means "run the same request again later". */
export function isFinalOutcome(outcome: ExportOutcome | PurchaseOrderOutcome): boolean {
  return outcome.kind === "done" || outcome.kind === "rejected";
}
