import type { Selectable } from "kysely";
import type { Executor } from "../../db/database.js";
import type { DB } from "../../db/schema.js";
import type * as D from "../../domain/index.js";
import {
  type CategoryRow,
  type CodeRow,
  type CompanySettings,
  loadCompanySettings,
  loadConnection,
  loadProject,
  type ProjectRow,
} from "../budget/load.js";
import type { AppContext } from "../context.js";
import { findErp } from "../erp/registry.js";
import { AppError } from "../errors.js";

export type VendorRow = Selectable<DB["vendors"]>;

/** Who did what to a change order, beside what the rules need. */
export interface ChangeOrderMeta {
  createdAt: Date;
  createdBy: string | null;
  decidedAt: Date | null;
  decidedBy: string | null;
}

/** One commitment as stored: the rules' view of it plus the columns only the answers need. */
export interface CommitmentRecord {
  commitment: D.Commitment;
  vendorId: string;
  version: number;
  createdBy: string | null;
  createdAt: Date;
  changeOrderMeta: Map<string, ChangeOrderMeta>;
}

/** A project's commitments (or one of them) with everything the rules and the answers need. */
export interface CommitmentsContext {
  company: CompanySettings;
  erp: { type: string; status: string } | null;
  project: ProjectRow;
  /** By code. */
  costCodes: Map<string, CodeRow>;
  /** By code. */
  categories: Map<string, CategoryRow>;
  vendors: Map<string, VendorRow>;
  /** Names of the people the commitments mention, by id. */
  people: Map<string, string>;
  records: CommitmentRecord[];
}

/**
 * Loads a project's commitments, or only `commitmentId` (then a commitment that is not the project's is not found).
 * With `forUpdate` the commitment rows are locked for the rest of the transaction, so commands on one commitment
 * run one at a time.
 */
export async function loadCommitments(
  db: Executor,
  companyId: string,
  projectId: string,
  opts: { commitmentId?: string; forUpdate?: boolean } = {},
): Promise<CommitmentsContext> {
  const [company, erp, project] = await Promise.all([
    loadCompanySettings(db, companyId),
    loadConnection(db, companyId),
    loadProject(db, companyId, projectId),
  ]);
  let query = db
    .selectFrom("commitments")
    .selectAll()
    .where("company_id", "=", companyId)
    .where("project_id", "=", projectId);
  if (opts.commitmentId !== undefined) query = query.where("id", "=", opts.commitmentId);
  if (opts.forUpdate) query = query.forUpdate();
  const rows = await query.orderBy("number").orderBy("id").execute();
  if (opts.commitmentId !== undefined && rows.length === 0) {
    throw new AppError("not_found", "Commitment was not found.");
  }
  const ids = rows.map((r) => r.id);
  const none = ids.length === 0;
  const [codeRows, categoryRows, lineRows, orderRows, orderLineRows, submissionRows] = await Promise.all([
    db.selectFrom("cost_codes").selectAll().where("company_id", "=", companyId).execute(),
    db.selectFrom("categories").selectAll().where("company_id", "=", companyId).execute(),
    none
      ? []
      : db
          .selectFrom("commitment_lines")
          .selectAll()
          .where("company_id", "=", companyId)
          .where("commitment_id", "in", ids)
          .orderBy("created_at")
          .orderBy("id")
          .execute(),
    none
      ? []
      : db
          .selectFrom("commitment_change_orders")
          .selectAll()
          .where("company_id", "=", companyId)
          .where("commitment_id", "in", ids)
          .orderBy("number")
          .execute(),
    none
      ? []
      : db
          .selectFrom("commitment_change_order_lines")
          .innerJoin("commitment_change_orders as o", (j) =>
            j
              .onRef("o.company_id", "=", "commitment_change_order_lines.company_id")
              .onRef("o.id", "=", "commitment_change_order_lines.change_order_id"),
          )
          .selectAll("commitment_change_order_lines")
          .where("commitment_change_order_lines.company_id", "=", companyId)
          .where("o.commitment_id", "in", ids)
          .orderBy("commitment_change_order_lines.position")
          .execute(),
    none
      ? []
      : db
          .selectFrom("submissions")
          .select(["id", "commitment_id", "status", "reason", "submitted_at", "exported_at"])
          .where("company_id", "=", companyId)
          .where("commitment_id", "in", ids)
          .orderBy("submitted_at", "desc")
          .orderBy("id", "desc")
          .execute(),
  ]);

  const costCodes = new Map<string, CodeRow>(
    codeRows.map((r) => [
      r.code,
      { id: r.id, code: r.code, description: r.description, active: r.active, erpItemRef: r.erp_item_ref },
    ]),
  );
  const categories = new Map<string, CategoryRow>(
    categoryRows.map((r) => [r.code, { id: r.id, code: r.code, name: r.name, erpClassRef: r.erp_class_ref }]),
  );

  // The newest submission of each commitment, and the newest exported one (the baseline of "previously exported").
  const last = new Map<string, (typeof submissionRows)[number]>();
  const lastExported = new Map<string, string>();
  const exportedAt = new Map<string, number>();
  for (const s of submissionRows) {
    const id = s.commitment_id!;
    if (!last.has(id)) last.set(id, s);
    if (s.status === "exported") {
      const at = s.exported_at?.getTime() ?? 0;
      if (!lastExported.has(id) || at > (exportedAt.get(id) ?? 0)) {
        lastExported.set(id, s.id);
        exportedAt.set(id, at);
      }
    }
  }
  const exportedLines =
    lastExported.size === 0
      ? []
      : await db
          .selectFrom("submission_lines")
          .select(["submission_id", "line_id", "revised_minor"])
          .where("company_id", "=", companyId)
          .where("submission_id", "in", [...lastExported.values()])
          .execute();
  const baseline = new Map<string, { lineId: string; revised: bigint }[]>();
  for (const l of exportedLines) {
    const list = baseline.get(l.submission_id) ?? [];
    list.push({ lineId: l.line_id, revised: l.revised_minor });
    baseline.set(l.submission_id, list);
  }

  const orderLines = new Map<string, D.ChangeOrderLine[]>();
  for (const l of orderLineRows) {
    const list = orderLines.get(l.change_order_id) ?? [];
    list.push({
      costCode: l.cost_code,
      category: l.category,
      description: l.description,
      amount: l.amount_minor,
    });
    orderLines.set(l.change_order_id, list);
  }
  const people = new Set<string>();
  const records: CommitmentRecord[] = rows.map((r) => {
    if (r.created_by) people.add(r.created_by);
    const orders = orderRows.filter((o) => o.commitment_id === r.id);
    const changeOrderMeta = new Map<string, ChangeOrderMeta>();
    for (const o of orders) {
      if (o.created_by) people.add(o.created_by);
      if (o.decided_by) people.add(o.decided_by);
      changeOrderMeta.set(o.id, {
        createdAt: o.created_at,
        createdBy: o.created_by,
        decidedAt: o.decided_at,
        decidedBy: o.decided_by,
      });
    }
    const newest = last.get(r.id);
    const exportedId = lastExported.get(r.id);
    const commitment: D.Commitment = {
      id: r.id,
      kind: r.kind as D.CommitmentKind,
      number: r.number,
      title: r.title,
      status: r.status as D.CommitmentStatus,
      lines: lineRows
        .filter((l) => l.commitment_id === r.id)
        .map((l) => ({
          id: l.id,
          costCode: l.cost_code,
          costCodeDescription: costCodes.get(l.cost_code)?.description ?? "",
          category: l.category,
          description: l.description,
          original: l.original_minor,
          addedByChangeOrderId: l.added_by_change_order_id,
        })),
      changeOrders: orders.map((o) => ({
        id: o.id,
        number: o.number,
        title: o.title,
        status: o.status as D.ChangeOrderStatus,
        lines: orderLines.get(o.id) ?? [],
      })),
      lastSubmission: newest
        ? { id: newest.id, status: newest.status as D.SubmissionStatus, reason: newest.reason }
        : null,
      lastExported: exportedId ? { lines: baseline.get(exportedId) ?? [] } : null,
    };
    return {
      commitment,
      vendorId: r.vendor_id,
      version: r.version,
      createdBy: r.created_by,
      createdAt: r.created_at,
      changeOrderMeta,
    };
  });

  const vendorIds = [...new Set(rows.map((r) => r.vendor_id))];
  const [vendorRows, peopleRows] = await Promise.all([
    vendorIds.length === 0
      ? []
      : db
          .selectFrom("vendors")
          .selectAll()
          .where("company_id", "=", companyId)
          .where("id", "in", vendorIds)
          .execute(),
    people.size === 0
      ? []
      : db
          .selectFrom("users")
          .select(["id", "name"])
          .where("id", "in", [...people])
          .execute(),
  ]);
  return {
    company,
    erp,
    project,
    costCodes,
    categories,
    vendors: new Map(vendorRows.map((v) => [v.id, v])),
    people: new Map(peopleRows.map((p) => [p.id, p.name])),
    records,
  };
}

/** Everything the send rules need about one commitment of the loaded project. */
export function commitmentSendFacts(
  ctx: AppContext,
  c: CommitmentsContext,
  record: CommitmentRecord,
  rights?: D.EffectiveRights,
): D.CommitmentSendFacts {
  const vendor = c.vendors.get(record.vendorId);
  const definition = findErp(c.erp?.type);
  return {
    commitment: record.commitment,
    vendor: { name: vendor?.name ?? "", active: vendor?.active ?? false },
    project: {
      name: c.project.name,
      erpJobLinked: Boolean(c.project.erpJobRef),
      parentCustomerChosen: Boolean(c.project.erpParentCustomerRef || c.project.erpParentCustomerName),
    },
    erp: {
      type: c.erp?.type ?? null,
      ...(definition ? { label: definition.label, limits: definition.limits } : {}),
      takesCommitments: Boolean(definition?.connector(ctx).exportPurchaseOrder),
      createMissingItems: c.company.createMissingItems,
      hasDefaultParentCustomer: Boolean(c.company.defaultParentCustomer),
    },
    mappedCostCodes: new Set(
      [...c.costCodes.values()].filter((code) => code.erpItemRef).map((code) => code.code),
    ),
    inactiveCostCodes: new Set(
      [...c.costCodes.values()].filter((code) => !code.active).map((code) => code.code),
    ),
    ...(rights ? { rights } : {}),
  };
}
