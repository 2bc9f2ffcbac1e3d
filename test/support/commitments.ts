/**
 * Commitments for pipeline tests, written straight to the tables: a vendor, an approved commitment with its lines,
 * approved change orders, and a send that stores the submission through the lifecycle applier (the document's
 * snapshot and the approvers' notice come from the pipeline itself). The product's own commitment screens and their
 * send rules are tested with their use cases.
 */

import { sendCommitment as sendCommitmentToErp } from "../../src/app/commitments/send-commitment.js";
import type { AppContext } from "../../src/app/context.js";
import * as D from "../../src/domain/index.js";
import { newId } from "../../src/lib/ids.js";

/** [cost code, category, amount "1234.56", description?] */
export type LineSpec = [string, string, string, string?];

export interface CommitmentSpec {
  projectId: string;
  createdBy: string;
  vendorName?: string;
  /** A vendor already in the company; `vendorName` is then not used. */
  vendorId?: string;
  /** Approved unless said otherwise. */
  status?: "draft" | "approved";
  kind?: "subcontract" | "purchase_order";
  number?: string;
  title?: string;
  lines: LineSpec[];
}

let seq = 0;

function minor(amount: string): bigint {
  const parsed = D.parseAmount(amount);
  if (!parsed.ok) throw new Error(`not an amount: ${amount}`);
  return parsed.value;
}

/** The company's vendor of that name, added when it is not there yet. */
export async function vendorNamed(ctx: AppContext, companyId: string, name: string): Promise<string> {
  const found = await ctx.db
    .selectFrom("vendors")
    .select("id")
    .where("company_id", "=", companyId)
    .where("name", "=", name)
    .executeTakeFirst();
  if (found) return found.id;
  const id = newId("ven");
  await ctx.db.insertInto("vendors").values({ company_id: companyId, id, name }).execute();
  return id;
}

/** A commitment (approved unless the spec says draft) with its lines, in the order given. */
export async function insertCommitment(ctx: AppContext, companyId: string, spec: CommitmentSpec) {
  seq++;
  const vendorId = spec.vendorId ?? (await vendorNamed(ctx, companyId, spec.vendorName ?? "Acme Drywall"));
  const id = newId("cmt");
  const number = spec.number ?? `SC-${String(seq).padStart(3, "0")}`;
  await ctx.db
    .insertInto("commitments")
    .values({
      company_id: companyId,
      id,
      project_id: spec.projectId,
      kind: spec.kind ?? "subcontract",
      number,
      title: spec.title ?? "Drywall",
      vendor_id: vendorId,
      status: spec.status ?? "approved",
      created_by: spec.createdBy,
    })
    .execute();
  const lineIds = spec.lines.map(() => newId("cml"));
  await ctx.db
    .insertInto("commitment_lines")
    .values(
      spec.lines.map(([costCode, category, amount, description], i) => ({
        company_id: companyId,
        id: lineIds[i]!,
        commitment_id: id,
        cost_code: costCode,
        category,
        description: description ?? "",
        original_minor: minor(amount),
      })),
    )
    .execute();
  return { id, number, vendorId, lineIds };
}

/**
 * An approved change order: its lines change existing lines or, for a new cost code × category, add a line with
 * original 0 that names it.
 */
export async function approveChangeOrder(
  ctx: AppContext,
  companyId: string,
  commitmentId: string,
  by: string,
  lines: LineSpec[],
) {
  const existing = await ctx.db
    .selectFrom("commitment_change_orders")
    .select((eb) => eb.fn.countAll<string>().as("n"))
    .where("company_id", "=", companyId)
    .where("commitment_id", "=", commitmentId)
    .executeTakeFirstOrThrow();
  const id = newId("cco");
  await ctx.db
    .insertInto("commitment_change_orders")
    .values({
      company_id: companyId,
      id,
      commitment_id: commitmentId,
      number: Number(existing.n) + 1,
      title: "Change order",
      status: "approved",
      created_by: by,
      decided_by: by,
      decided_at: new Date(),
    })
    .execute();
  await ctx.db
    .insertInto("commitment_change_order_lines")
    .values(
      lines.map(([costCode, category, amount, description], position) => ({
        company_id: companyId,
        change_order_id: id,
        position,
        cost_code: costCode,
        category,
        description: description ?? "",
        amount_minor: minor(amount),
      })),
    )
    .execute();
  for (const [costCode, category, , description] of lines) {
    await ctx.db
      .insertInto("commitment_lines")
      .values({
        company_id: companyId,
        id: newId("cml"),
        commitment_id: commitmentId,
        cost_code: costCode,
        category,
        description: description ?? "",
        original_minor: 0n,
        added_by_change_order_id: id,
      })
      .onConflict((oc) => oc.columns(["company_id", "commitment_id", "cost_code", "category"]).doNothing())
      .execute();
  }
  return id;
}

/** Sends a commitment through the product's own Send to ERP (its rules, snapshot and lifecycle row). */
export async function sendCommitment(
  ctx: AppContext,
  companyId: string,
  commitmentId: string,
  userId: string,
): Promise<string> {
  const row = await ctx.db
    .selectFrom("commitments")
    .select("project_id")
    .where("company_id", "=", companyId)
    .where("id", "=", commitmentId)
    .executeTakeFirstOrThrow();
  const sent = await sendCommitmentToErp(
    ctx,
    { userId },
    { companyId, projectId: row.project_id, commitmentId },
  );
  return sent.id;
}
