import type { Selectable } from "kysely";
import { isUniqueViolation } from "../../db/errors.js";
import type { DB } from "../../db/schema.js";
import { newId } from "../../lib/ids.js";
import { recordAudit } from "../audit.js";
import type { AppContext } from "../context.js";
import { AppError } from "../errors.js";
import { type Actor, requireRight } from "../membership.js";
import { requireSomeField } from "./require-some-field.js";

/** A vendor's postal address; each part may be left out. */
export interface VendorAddress {
  line1?: string | null;
  city?: string | null;
  region?: string | null;
  postalCode?: string | null;
  country?: string | null;
}

export interface VendorInput {
  name: string;
  contactName?: string | null;
  email?: string | null;
  phone?: string | null;
  address?: VendorAddress | null;
}

export interface VendorPatch extends Partial<VendorInput> {
  active?: boolean;
}

type VendorRow = Selectable<DB["vendors"]>;

/** A vendor as the API shows it (docs/product.md §vendors). */
export function vendorView(r: VendorRow) {
  return {
    id: r.id,
    name: r.name,
    contactName: r.contact_name,
    email: r.email,
    phone: r.phone,
    address: {
      line1: r.address_line1,
      city: r.city,
      region: r.region,
      postalCode: r.postal_code,
      country: r.country,
    },
    active: r.active,
    erpVendor: r.erp_vendor_ref ? { ref: r.erp_vendor_ref, name: r.erp_vendor_name } : null,
  };
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused
const CONTROL = /[\u0000-\u001F\u007F]/;

/** A name that is not blank after trimming and holds no control character (it becomes the ERP's vendor name). */
function checkName(raw: string): string {
  const name = raw.trim();
  if (name.length === 0) throw new AppError("invalid_input", "A vendor needs a name.", { field: "name" });
  if (CONTROL.test(name)) {
    throw new AppError(
      "invalid_input",
      "A vendor name cannot contain a tab, a line break or another control character.",
      {
        field: "name",
      },
    );
  }
  return name;
}

/** Optional text: trimmed, and null when blank. */
function optional(value: string | null | undefined): string | null | undefined {
  if (value === undefined) return undefined;
  const trimmed = value?.trim() ?? "";
  return trimmed.length === 0 ? null : trimmed;
}

type OptionalColumn =
  | "contact_name"
  | "email"
  | "phone"
  | "address_line1"
  | "city"
  | "region"
  | "postal_code"
  | "country";
type VendorColumns = { name?: string } & { [K in OptionalColumn]?: string | null };

function columnsOf(input: Partial<VendorInput>): VendorColumns {
  const columns: VendorColumns = {};
  if (input.name !== undefined) columns.name = checkName(input.name);
  const set = (column: OptionalColumn, value: string | null | undefined) => {
    const v = optional(value);
    if (v !== undefined) columns[column] = v;
  };
  set("contact_name", input.contactName);
  set("email", input.email);
  set("phone", input.phone);
  if (input.address === null) {
    for (const c of ["address_line1", "city", "region", "postal_code", "country"] as const) columns[c] = null;
  } else if (input.address) {
    set("address_line1", input.address.line1);
    set("city", input.address.city);
    set("region", input.address.region);
    set("postal_code", input.address.postalCode);
    set("country", input.address.country);
  }
  return columns;
}

function nameTaken(name: string): AppError {
  return new AppError("vendor_name_taken", `The company already has a vendor named ${name}.`, {
    field: "name",
  });
}

/** The company's vendors by name, for anyone in the company; inactive ones only when asked. */
export async function listVendors(
  ctx: AppContext,
  actor: Actor,
  companyId: string,
  opts: { includeInactive?: boolean } = {},
) {
  await requireRight(ctx, actor, companyId);
  let query = ctx.db.selectFrom("vendors").selectAll().where("company_id", "=", companyId);
  if (!opts.includeInactive) query = query.where("active", "=", true);
  const rows = await query.orderBy("name").orderBy("id").execute();
  return { items: rows.map(vendorView) };
}

export async function createVendor(ctx: AppContext, actor: Actor, companyId: string, input: VendorInput) {
  await requireRight(ctx, actor, companyId, "manage_cost_codes");
  const columns = columnsOf(input);
  const id = newId("ven");
  try {
    return await ctx.db.transaction().execute(async (tx) => {
      const row = await tx
        .insertInto("vendors")
        .values({ ...columns, company_id: companyId, id, name: columns.name! })
        .returningAll()
        .executeTakeFirstOrThrow();
      await recordAudit(tx, {
        companyId,
        actor: { kind: "user", userId: actor.userId },
        action: "vendor.created",
        entityType: "vendor",
        entityId: id,
        at: ctx.now(),
        data: { name: row.name },
      });
      return vendorView(row);
    });
  } catch (e) {
    if (isUniqueViolation(e)) throw nameTaken(columns.name!);
    throw e;
  }
}

export async function updateVendor(
  ctx: AppContext,
  actor: Actor,
  companyId: string,
  vendorId: string,
  patch: VendorPatch,
) {
  await requireRight(ctx, actor, companyId, "manage_cost_codes");
  requireSomeField(patch);
  const columns = columnsOf(patch);
  try {
    return await ctx.db.transaction().execute(async (tx) => {
      const before = await tx
        .selectFrom("vendors")
        .selectAll()
        .where("company_id", "=", companyId)
        .where("id", "=", vendorId)
        .forUpdate()
        .executeTakeFirst();
      if (!before) throw new AppError("not_found", "Vendor was not found.");
      const row = await tx
        .updateTable("vendors")
        .set({
          ...columns,
          ...(patch.active !== undefined ? { active: patch.active } : {}),
          updated_at: ctx.now(),
        })
        .where("company_id", "=", companyId)
        .where("id", "=", vendorId)
        .returningAll()
        .executeTakeFirstOrThrow();
      const changes: Record<string, { from: unknown; to: unknown }> = {};
      const was = vendorView(before);
      const is = vendorView(row);
      for (const key of ["name", "contactName", "email", "phone", "active"] as const) {
        if (was[key] !== is[key]) changes[key] = { from: was[key], to: is[key] };
      }
      if (JSON.stringify(was.address) !== JSON.stringify(is.address)) {
        changes.address = { from: was.address, to: is.address };
      }
      await recordAudit(tx, {
        companyId,
        actor: { kind: "user", userId: actor.userId },
        action: patch.active === false && before.active ? "vendor.deactivated" : "vendor.updated",
        entityType: "vendor",
        entityId: vendorId,
        at: ctx.now(),
        data: { name: row.name, changes },
      });
      return is;
    });
  } catch (e) {
    if (isUniqueViolation(e)) throw nameTaken(columns.name!);
    throw e;
  }
}
