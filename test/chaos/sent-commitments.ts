/**
 * Commitments for the crash and scale tests: an approved commitment with its lines and the submission Send to ERP
 * leaves (ready to export, its lines snapshotted), written straight into the product's database, and the checks
 * that say whether this build can take them through ERP Integrations › Commitments to QuickBooks Online purchase
 * orders at all.
 */
import { randomBytes } from "node:crypto";
import type pg from "pg";
import { createQboConnector, type QboConnectorOptions } from "../../src/erp/quickbooks-online/index.js";

export interface SentCommitment {
  commitmentId: string;
  submissionId: string;
  vendorId: string;
  vendorName: string;
  projectId: string;
  /** Cents per `costCode|category`, as the purchase order's lines must add up. */
  amounts: Map<string, number>;
}

/** Whether this build's QuickBooks Online connector writes purchase orders (docs/product.md §commitments). */
export function qboExportsPurchaseOrders(): boolean {
  // Building the connector only wires functions together; nothing is called.
  const connector = createQboConnector({ throttleBackoffSeconds: 1 } as QboConnectorOptions);
  return typeof connector.exportPurchaseOrder === "function";
}

/**
 * Whether the product answers ERP Integrations › Commitments (an unknown route answers 404 "No route …"), and why
 * not when it does not.
 */
export async function commitmentSubmissionsMissing(
  base: string,
  companyId: string,
  token: string,
): Promise<string | null> {
  const res = await fetch(
    `${base}/api/v1/companies/${companyId}/erp/commitment-submissions?status=ready_to_export`,
    {
      headers: { authorization: `Bearer ${token}` },
    },
  );
  const body = (await res.json().catch(() => ({}))) as { error?: { message?: string } };
  if (res.status === 200) {
    return qboExportsPurchaseOrders() ? null : "the QuickBooks Online connector writes no purchase orders";
  }
  if (res.status === 404 && String(body.error?.message ?? "").startsWith("No route")) {
    return "the product has no commitment-submissions route";
  }
  return `the Commitments tab answered ${res.status}`;
}

const id = (prefix: string) => `${prefix}_${randomBytes(9).toString("base64url").replace(/[-_]/g, "x")}`;

/**
 * An approved commitment on `projectId` for the vendor named `vendorName` (added to the company's vendors when
 * missing), with one line per entry of `lines`, sent to ERP by `userId`: what a project manager's Send to ERP leaves.
 * Cost codes and categories must be the company's.
 */
export async function insertSentCommitment(
  db: pg.Pool,
  c: {
    companyId: string;
    projectId: string;
    vendorName: string;
    number: string;
    title: string;
    kind?: "subcontract" | "purchase_order";
    userId: string;
    lines: { costCode: string; category: string; description: string; amount: string }[];
  },
): Promise<SentCommitment> {
  const client = await db.connect();
  try {
    await client.query("begin");
    await client.query(
      `insert into vendors (company_id, id, name) values ($1, $2, $3) on conflict do nothing`,
      [c.companyId, id("ven"), c.vendorName],
    );
    const vendor = await client.query<{ id: string }>(
      "select id from vendors where company_id = $1 and lower(btrim(name)) = lower(btrim($2))",
      [c.companyId, c.vendorName],
    );
    const vendorId = vendor.rows[0]!.id;
    const commitmentId = id("cmt");
    const submissionId = id("sub");
    await client.query(
      `insert into commitments (company_id, id, project_id, kind, number, title, vendor_id, status, version, created_by)
       values ($1, $2, $3, $4, $5, $6, $7, 'approved', 1, $8)`,
      [
        c.companyId,
        commitmentId,
        c.projectId,
        c.kind ?? "subcontract",
        c.number,
        c.title,
        vendorId,
        c.userId,
      ],
    );
    const amounts = new Map<string, number>();
    let total = 0;
    for (const [i, l] of c.lines.entries()) {
      const cents = Math.round(Number(l.amount) * 100);
      amounts.set(`${l.costCode}|${l.category}`, cents);
      total += cents;
      await client.query(
        `insert into commitment_lines (company_id, id, commitment_id, cost_code, category, description, original_minor)
         values ($1, $2, $3, $4, $5, $6, $7)`,
        [
          c.companyId,
          `${commitmentId}_l${i + 1}`,
          commitmentId,
          l.costCode,
          l.category,
          l.description,
          cents,
        ],
      );
    }
    await client.query(
      `insert into submissions (company_id, id, document_type, commitment_id, budget_id, project_id, status, version,
                                submitted_by, line_count, total_original_minor, total_changes_minor,
                                total_revised_minor, total_delta_minor)
       values ($1, $2, 'commitment', $3, null, $4, 'ready_to_export', 0, $5, $6, $7, 0, $7, $7)`,
      [c.companyId, submissionId, commitmentId, c.projectId, c.userId, c.lines.length, total],
    );
    // The snapshot, with the names the company's catalog gives the codes.
    await client.query(
      `insert into submission_lines (company_id, submission_id, position, line_id, cost_code, cost_code_description,
                                     category, category_name, description, original_minor, budget_changes_minor,
                                     revised_minor, previously_exported_minor, delta_minor)
       select l.company_id, $3, row_number() over (order by l.id), l.id, l.cost_code, cc.description, l.category,
              cat.name, l.description, l.original_minor, 0, l.original_minor, 0, l.original_minor
       from commitment_lines l
       join cost_codes cc on cc.company_id = l.company_id and cc.code = l.cost_code
       join categories cat on cat.company_id = l.company_id and cat.code = l.category
       where l.company_id = $1 and l.commitment_id = $2`,
      [c.companyId, commitmentId, submissionId],
    );
    await client.query("commit");
    return {
      commitmentId,
      submissionId,
      vendorId,
      vendorName: c.vendorName,
      projectId: c.projectId,
      amounts,
    };
  } catch (e) {
    await client.query("rollback").catch(() => {});
    throw e;
  } finally {
    client.release();
  }
}

type Json = Record<string, unknown>;

/**
 * What QuickBooks holds for a sent commitment: its purchase orders (found by the marker naming the commitment),
 * and for the only one, whether its vendor, job and line amounts are the commitment's. `null` detail: all match.
 */
export function purchaseOrdersFor(
  realm: Record<string, Json[]>,
  c: SentCommitment,
  jobName: string,
): { count: number; mismatch: string | null } {
  const marker = `Costbridge commitment ${c.commitmentId}`;
  const pos = (realm.PurchaseOrder ?? []).filter((po) =>
    [po.Memo, po.PrivateNote].some((m) => typeof m === "string" && m.includes(marker)),
  );
  if (pos.length !== 1) return { count: pos.length, mismatch: null };
  const po = pos[0]!;
  const vendor = (realm.Vendor ?? []).find((v) => String(v.Id) === String((po.VendorRef as Json)?.value));
  const jobs = new Set(
    (realm.Customer ?? []).filter((x) => x.DisplayName === jobName).map((x) => String(x.Id)),
  );
  const lines = ((po.Line as Json[]) ?? []).filter((l) => l.DetailType === "ItemBasedExpenseLineDetail");
  const problems: string[] = [];
  if (vendor?.DisplayName !== c.vendorName) problems.push(`vendor ${String(vendor?.DisplayName)}`);
  const offJob = lines.filter(
    (l) => !jobs.has(String(((l.ItemBasedExpenseLineDetail as Json)?.CustomerRef as Json)?.value)),
  );
  if (offJob.length > 0) problems.push(`${offJob.length} line(s) not on the job`);
  const cents = lines.reduce((s, l) => s + Math.round(Number(l.Amount) * 100), 0);
  const expected = [...c.amounts.values()].reduce((s, n) => s + n, 0);
  if (lines.length !== c.amounts.size) problems.push(`${lines.length} lines, expected ${c.amounts.size}`);
  if (cents !== expected) problems.push(`total ${cents / 100}, expected ${expected / 100}`);
  return { count: 1, mismatch: problems.length ? problems.join(", ") : null };
}
