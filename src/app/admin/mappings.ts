import type { Executor } from "../../db/database.js";
import { itemNameFor, skuFor, vendorDisplayName } from "../../erp/quickbooks-online/index.js";
import type { QboCustomer, QboItem, QboVendor } from "../../erp/quickbooks-online/types.js";
import { recordAudit } from "../audit.js";
import type { AppContext } from "../context.js";
import { AppError } from "../errors.js";
import { type Actor, requireRight } from "../membership.js";
import { quickBooksLists } from "./quickbooks-lists.js";

export interface ErpRef {
  ref: string;
  name: string;
}

/** Category items group others and cannot go on an estimate line; inactive ones cannot be used at all. */
function isUsableItem(item: QboItem): boolean {
  return item.Active !== false && item.Type !== "Category";
}

function itemRefOf(item: QboItem): ErpRef & { type: string | null; sku: string | null } {
  return { ref: item.Id, name: item.Name, type: item.Type ?? null, sku: item.Sku ?? null };
}

const norm = (s: string) => s.trim().replace(/\s+/g, " ").toLowerCase();

/**
 * The item an unmapped cost code would match by name: the name the export would give it ("03-300 Cast-in-place
 * concrete"), the bare code, or an item whose SKU is the code — compared without regard to case or spacing.
 * Only an unambiguous match is suggested.
 */
export function suggestItem(
  code: { code: string; description: string },
  items: readonly QboItem[],
): QboItem | null {
  const names = new Set([norm(itemNameFor(code.code, code.description)), norm(code.code)]);
  const byName = items.filter((i) => names.has(norm(i.Name)));
  if (byName.length === 1) return byName[0] ?? null;
  if (byName.length > 1) return null;
  const bySku = items.filter((i) => i.Sku && norm(i.Sku) === norm(skuFor(code.code)));
  return bySku.length === 1 ? (bySku[0] ?? null) : null;
}

async function costCodes(db: Executor, companyId: string) {
  return db
    .selectFrom("cost_codes")
    .select(["id", "code", "description", "active", "erp_item_ref", "erp_item_name"])
    .where("company_id", "=", companyId)
    .orderBy("code")
    .execute();
}

/** Cost codes with their QuickBooks items, the pick list read from QuickBooks, and a suggestion per unmapped code. */
export async function listCostCodeMappings(ctx: AppContext, actor: Actor, companyId: string) {
  await requireRight(ctx, actor, companyId, "manage_erp");
  const lists = await quickBooksLists(ctx, companyId);
  const [codes, all] = await Promise.all([costCodes(ctx.db, companyId), lists.items()]);
  const usable = all.filter(isUsableItem);
  const known = new Map(usable.map((i) => [i.Id, i]));
  return {
    items: codes.map((c) => {
      const suggestion = c.erp_item_ref ? null : suggestItem(c, usable);
      return {
        costCode: { id: c.id, code: c.code, description: c.description, active: c.active },
        item: c.erp_item_ref ? { ref: c.erp_item_ref, name: c.erp_item_name ?? c.erp_item_ref } : null,
        // A mapped item that QuickBooks no longer lists (made inactive or merged) would fail the export.
        itemMissing: c.erp_item_ref ? !known.has(c.erp_item_ref) : false,
        suggestion: suggestion ? { ref: suggestion.Id, name: suggestion.Name } : null,
      };
    }),
    quickbooksItems: usable.map(itemRefOf),
  };
}

async function saveItemMapping(
  ctx: AppContext,
  tx: Executor,
  actor: Actor,
  companyId: string,
  code: { id: string; code: string; erp_item_ref: string | null },
  item: ErpRef | null,
  how: "chosen" | "matched_by_name",
) {
  await tx
    .updateTable("cost_codes")
    .set({ erp_item_ref: item?.ref ?? null, erp_item_name: item?.name ?? null })
    .where("company_id", "=", companyId)
    .where("id", "=", code.id)
    .execute();
  await recordAudit(tx, {
    companyId,
    actor: { kind: "user", userId: actor.userId },
    action: item ? "mapping.cost_code_item_set" : "mapping.cost_code_item_cleared",
    entityType: "cost_code",
    entityId: code.id,
    data: { code: code.code, from: code.erp_item_ref, to: item, how },
    at: ctx.now(),
  });
}

/** Maps one cost code to a QuickBooks item (checked against QuickBooks), or clears the mapping with null. */
export async function setCostCodeMapping(
  ctx: AppContext,
  actor: Actor,
  companyId: string,
  costCodeId: string,
  itemRef: string | null,
) {
  await requireRight(ctx, actor, companyId, "manage_erp");
  const code = await ctx.db
    .selectFrom("cost_codes")
    .select(["id", "code", "erp_item_ref"])
    .where("company_id", "=", companyId)
    .where("id", "=", costCodeId)
    .executeTakeFirst();
  if (!code) throw new AppError("not_found", "Cost code was not found.");
  let item: ErpRef | null = null;
  if (itemRef !== null) {
    const lists = await quickBooksLists(ctx, companyId);
    const found = await lists.item(itemRef);
    if (!found) {
      throw new AppError("unknown_erp_reference", `QuickBooks has no item with id ${itemRef}.`, {
        field: "itemRef",
      });
    }
    if (!isUsableItem(found)) {
      throw new AppError(
        "unknown_erp_reference",
        found.Active === false
          ? `The QuickBooks item “${found.Name}” is inactive; make it active in QuickBooks or choose another.`
          : `“${found.Name}” is a category in QuickBooks and cannot go on an estimate; choose an item.`,
        { field: "itemRef" },
      );
    }
    item = { ref: found.Id, name: found.Name };
  }
  await ctx.db
    .transaction()
    .execute((tx) => saveItemMapping(ctx, tx, actor, companyId, code, item, "chosen"));
  return { costCodeId, code: code.code, item };
}

/** Maps every unmapped cost code whose name matches exactly one QuickBooks item. */
export async function autoMatchCostCodes(ctx: AppContext, actor: Actor, companyId: string) {
  await requireRight(ctx, actor, companyId, "manage_erp");
  const lists = await quickBooksLists(ctx, companyId);
  const usable = (await lists.items()).filter(isUsableItem);
  const matched: { costCodeId: string; code: string; item: ErpRef }[] = [];
  await ctx.db.transaction().execute(async (tx) => {
    for (const c of await costCodes(tx, companyId)) {
      if (c.erp_item_ref) continue;
      const s = suggestItem(c, usable);
      if (!s) continue;
      const item = { ref: s.Id, name: s.Name };
      await saveItemMapping(ctx, tx, actor, companyId, c, item, "matched_by_name");
      matched.push({ costCodeId: c.id, code: c.code, item });
    }
  });
  return { matched };
}

function customerView(c: QboCustomer) {
  return {
    ref: c.Id,
    name: c.DisplayName,
    fullyQualifiedName: c.FullyQualifiedName ?? c.DisplayName,
    isJob: c.Job === true,
    parentRef: c.ParentRef?.value ?? null,
  };
}

/** Active QuickBooks customers and jobs, for linking a project or choosing a parent customer. */
export async function listQuickBooksCustomers(ctx: AppContext, actor: Actor, companyId: string) {
  await requireRight(ctx, actor, companyId, "manage_erp");
  const lists = await quickBooksLists(ctx, companyId);
  const all = await lists.customers();
  return { items: all.filter((c) => c.Active !== false).map(customerView) };
}

export type ErpJobInput = { existingJobRef: string } | { parentCustomerRef: string } | null;

/**
 * Links a project to an existing QuickBooks customer or job, or chooses the parent customer its job will be added
 * under at the first export; null clears both. Refused while an export of the project is running, so a job never
 * changes under an export in flight.
 */
export async function setProjectErpJob(
  ctx: AppContext,
  actor: Actor,
  companyId: string,
  projectId: string,
  input: ErpJobInput,
) {
  await requireRight(ctx, actor, companyId, "manage_erp");
  const project = await ctx.db
    .selectFrom("projects")
    .select(["id", "number", "erp_job_ref", "erp_parent_customer_ref"])
    .where("company_id", "=", companyId)
    .where("id", "=", projectId)
    .executeTakeFirst();
  if (!project) throw new AppError("not_found", "Project was not found.");
  let columns: {
    erp_job_ref: string | null;
    erp_job_name: string | null;
    erp_parent_customer_ref: string | null;
    erp_parent_customer_name: string | null;
  } = {
    erp_job_ref: null,
    erp_job_name: null,
    erp_parent_customer_ref: null,
    erp_parent_customer_name: null,
  };
  if (input) {
    const field = "existingJobRef" in input ? "existingJobRef" : "parentCustomerRef";
    const ref = "existingJobRef" in input ? input.existingJobRef : input.parentCustomerRef;
    const lists = await quickBooksLists(ctx, companyId);
    const customer = await lists.customer(ref);
    if (!customer) {
      throw new AppError("unknown_erp_reference", `QuickBooks has no customer or job with id ${ref}.`, {
        field,
      });
    }
    if (customer.Active === false) {
      throw new AppError(
        "unknown_erp_reference",
        `“${customer.DisplayName}” is inactive in QuickBooks; make it active there or choose another.`,
        { field },
      );
    }
    columns =
      field === "existingJobRef"
        ? { ...columns, erp_job_ref: customer.Id, erp_job_name: customer.DisplayName }
        : {
            ...columns,
            erp_parent_customer_ref: customer.Id,
            erp_parent_customer_name: customer.DisplayName,
          };
  }
  return ctx.db.transaction().execute(async (tx) => {
    const exporting = await tx
      .selectFrom("submissions")
      .select("id")
      .where("company_id", "=", companyId)
      .where("project_id", "=", projectId)
      .where("status", "=", "exporting")
      .executeTakeFirst();
    if (exporting) {
      throw new AppError(
        "conflict",
        "This project's budget is being written to QuickBooks; change its job once that is done.",
        { details: { rule: "export_in_progress" } },
      );
    }
    await tx
      .updateTable("projects")
      .set(columns)
      .where("company_id", "=", companyId)
      .where("id", "=", projectId)
      .execute();
    await recordAudit(tx, {
      companyId,
      actor: { kind: "user", userId: actor.userId },
      action: "mapping.project_erp_job_set",
      entityType: "project",
      entityId: projectId,
      data: {
        number: project.number,
        from: { jobRef: project.erp_job_ref, parentCustomerRef: project.erp_parent_customer_ref },
        to: { jobRef: columns.erp_job_ref, parentCustomerRef: columns.erp_parent_customer_ref },
      },
      at: ctx.now(),
    });
    return {
      projectId,
      erpJob: columns.erp_job_ref ? { ref: columns.erp_job_ref, name: columns.erp_job_name } : null,
      parentCustomer: columns.erp_parent_customer_ref
        ? { ref: columns.erp_parent_customer_ref, name: columns.erp_parent_customer_name }
        : null,
    };
  });
}

// ---- vendors ---------------------------------------------------------------------------------------------------

/**
 * The QuickBooks vendor a directory vendor would match by name: the DisplayName the export would look for,
 * compared without regard to case or spacing. Only an unambiguous match is suggested.
 */
export function suggestVendor(vendor: { name: string }, vendors: readonly QboVendor[]): QboVendor | null {
  const want = norm(vendorDisplayName(vendor.name));
  const found = vendors.filter((v) => norm(v.DisplayName) === want);
  return found.length === 1 ? (found[0] ?? null) : null;
}

async function directoryVendors(db: Executor, companyId: string) {
  return db
    .selectFrom("vendors")
    .select(["id", "name", "active", "erp_vendor_ref", "erp_vendor_name"])
    .where("company_id", "=", companyId)
    .orderBy("name")
    .execute();
}

const activeVendors = (all: QboVendor[]) => all.filter((v) => v.Active !== false);

/** The company's vendors with their QuickBooks vendors, and a name match for each unlinked one. */
export async function listVendorMappings(ctx: AppContext, actor: Actor, companyId: string) {
  await requireRight(ctx, actor, companyId, "manage_erp");
  const lists = await quickBooksLists(ctx, companyId);
  const [rows, all] = await Promise.all([directoryVendors(ctx.db, companyId), lists.vendors()]);
  const usable = activeVendors(all);
  return {
    items: rows.map((v) => {
      const suggestion = v.erp_vendor_ref ? null : suggestVendor(v, usable);
      return {
        vendorId: v.id,
        name: v.name,
        erpVendor: v.erp_vendor_ref
          ? { ref: v.erp_vendor_ref, name: v.erp_vendor_name ?? v.erp_vendor_ref }
          : null,
        suggestion: suggestion ? { ref: suggestion.Id, name: suggestion.DisplayName } : null,
      };
    }),
  };
}

async function saveVendorLink(
  ctx: AppContext,
  tx: Executor,
  actor: Actor,
  companyId: string,
  vendor: { id: string; name: string; erp_vendor_ref: string | null },
  erpVendor: ErpRef | null,
  how: "chosen" | "matched_by_name",
) {
  await tx
    .updateTable("vendors")
    .set({
      erp_vendor_ref: erpVendor?.ref ?? null,
      erp_vendor_name: erpVendor?.name ?? null,
      updated_at: ctx.now(),
    })
    .where("company_id", "=", companyId)
    .where("id", "=", vendor.id)
    .execute();
  await recordAudit(tx, {
    companyId,
    actor: { kind: "user", userId: actor.userId },
    action: "vendor.linked",
    entityType: "vendor",
    entityId: vendor.id,
    data: { name: vendor.name, from: vendor.erp_vendor_ref, to: erpVendor, how },
    at: ctx.now(),
  });
}

/** Links a vendor to a QuickBooks vendor (checked against QuickBooks: it must exist and be active); null unlinks. */
export async function setVendorMapping(
  ctx: AppContext,
  actor: Actor,
  companyId: string,
  vendorId: string,
  vendorRef: string | null,
) {
  await requireRight(ctx, actor, companyId, "manage_erp");
  const vendor = await ctx.db
    .selectFrom("vendors")
    .select(["id", "name", "erp_vendor_ref"])
    .where("company_id", "=", companyId)
    .where("id", "=", vendorId)
    .executeTakeFirst();
  if (!vendor) throw new AppError("not_found", "Vendor was not found.");
  let erpVendor: ErpRef | null = null;
  if (vendorRef !== null) {
    const lists = await quickBooksLists(ctx, companyId);
    const found = await lists.vendor(vendorRef);
    if (!found) {
      throw new AppError("unknown_erp_reference", `QuickBooks has no vendor with id ${vendorRef}.`, {
        field: "vendorRef",
      });
    }
    if (found.Active === false) {
      throw new AppError(
        "unknown_erp_reference",
        `The QuickBooks vendor “${found.DisplayName}” is inactive; make it active in QuickBooks or choose another.`,
        { field: "vendorRef" },
      );
    }
    erpVendor = { ref: found.Id, name: found.DisplayName };
  }
  await ctx.db
    .transaction()
    .execute((tx) => saveVendorLink(ctx, tx, actor, companyId, vendor, erpVendor, "chosen"));
  return { vendorId, name: vendor.name, erpVendor };
}

/** Links every unlinked vendor whose name matches exactly one active QuickBooks vendor. */
export async function autoMatchVendors(ctx: AppContext, actor: Actor, companyId: string) {
  await requireRight(ctx, actor, companyId, "manage_erp");
  const lists = await quickBooksLists(ctx, companyId);
  const usable = activeVendors(await lists.vendors());
  const matched: { vendorId: string; name: string; erpVendor: ErpRef }[] = [];
  await ctx.db.transaction().execute(async (tx) => {
    for (const v of await directoryVendors(tx, companyId)) {
      if (v.erp_vendor_ref) continue;
      const s = suggestVendor(v, usable);
      if (!s) continue;
      const erpVendor = { ref: s.Id, name: s.DisplayName };
      await saveVendorLink(ctx, tx, actor, companyId, v, erpVendor, "matched_by_name");
      matched.push({ vendorId: v.id, name: v.name, erpVendor });
    }
  });
  return { matched };
}

/** Active QuickBooks vendors, for linking a vendor of the directory. */
export async function listQuickBooksVendors(ctx: AppContext, actor: Actor, companyId: string) {
  await requireRight(ctx, actor, companyId, "manage_erp");
  const lists = await quickBooksLists(ctx, companyId);
  return { items: activeVendors(await lists.vendors()).map((v) => ({ ref: v.Id, name: v.DisplayName })) };
}
