import * as D from "../../domain/index.js";
import { recordAudit } from "../audit.js";
import type { AppContext } from "../context.js";
import { findErp } from "../erp/registry.js";
import { AppError } from "../errors.js";
import { type Actor, requireRight } from "../membership.js";

function settingsView(c: {
  time_zone: string;
  currency: string;
  daily_summary_hour: number;
  create_missing_items: boolean;
  create_missing_vendors: boolean;
  default_parent_customer: string | null;
  estimate_mode: string;
  separation_of_duties: boolean;
  notify_approvers_on_send: boolean;
  self_service_approver_grants: boolean;
  use_classes: boolean;
  name: string;
}) {
  return {
    name: c.name,
    timeZone: c.time_zone,
    currency: c.currency,
    dailySummaryHour: c.daily_summary_hour,
    createMissingItems: c.create_missing_items,
    createMissingVendors: c.create_missing_vendors,
    defaultParentCustomer: c.default_parent_customer,
    estimateMode: c.estimate_mode,
    separationOfDuties: c.separation_of_duties,
    notifyApproversOnSend: c.notify_approvers_on_send,
    selfServiceApproverGrants: c.self_service_approver_grants,
    useClasses: c.use_classes,
  };
}

function settingsChanges(before: ReturnType<typeof settingsView>, after: ReturnType<typeof settingsView>) {
  const out: Record<string, { from: unknown; to: unknown }> = {};
  for (const key of Object.keys(after) as (keyof typeof after)[]) {
    if (before[key] !== after[key]) out[key] = { from: before[key], to: after[key] };
  }
  return out;
}

/** Currencies the runtime knows (ISO 4217); a well-formed but unknown code such as "ABC" is refused. */
export function isKnownCurrency(code: string): boolean {
  return Intl.supportedValuesOf("currency").includes(code);
}

export async function getSettings(ctx: AppContext, actor: Actor, companyId: string) {
  await requireRight(ctx, actor, companyId);
  const c = await ctx.db
    .selectFrom("companies")
    .selectAll()
    .where("id", "=", companyId)
    .executeTakeFirstOrThrow();
  return settingsView(c);
}

export interface SettingsPatch {
  timeZone?: string;
  currency?: string;
  dailySummaryHour?: number;
  createMissingItems?: boolean;
  /** Whether an export may create a vendor the ERP lacks (docs/product.md §vendors). */
  createMissingVendors?: boolean;
  defaultParentCustomer?: string | null;
  estimateMode?: "update_in_place" | "new_estimate_per_submission";
  separationOfDuties?: boolean;
  notifyApproversOnSend?: boolean;
  useClasses?: boolean;
}

/**
 * The default parent customer becomes a QuickBooks customer name: no colon (it separates Parent:Job), no control
 * characters, and within QuickBooks Desktop's 41 characters when the company is connected to QuickBooks Desktop.
 */
async function checkDefaultParentCustomer(ctx: AppContext, companyId: string, raw: string) {
  const name = raw.trim();
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused
  if (/[:\u0000-\u001F\u007F\uFFFE\uFFFF]/.test(name)) {
    throw new AppError(
      "invalid_input",
      "A customer name cannot contain a colon, a tab, a line break or another control character.",
      { field: "defaultParentCustomer" },
    );
  }
  const erp = await ctx.db
    .selectFrom("erp_connections")
    .select("type")
    .where("company_id", "=", companyId)
    .executeTakeFirst();
  // Only an ERP that adds the parent customer by name limits it (QuickBooks Desktop: 41 characters).
  const def = findErp(erp?.type);
  const max = def?.limits.parentCustomerNameMaxChars;
  if (def && max !== undefined && [...name].length > max) {
    throw new AppError(
      "invalid_input",
      `${def.label} allows ${max} characters for a customer name; the default parent customer has ${[...name].length}.`,
      { field: "defaultParentCustomer" },
    );
  }
}

export async function updateSettings(ctx: AppContext, actor: Actor, companyId: string, p: SettingsPatch) {
  await requireRight(ctx, actor, companyId, "manage_erp");
  if (p.timeZone !== undefined && !D.isValidTimeZone(p.timeZone)) {
    throw new AppError("invalid_time_zone", `${p.timeZone} is not a known IANA time zone.`, {
      field: "timeZone",
    });
  }
  if (p.currency !== undefined && !isKnownCurrency(p.currency)) {
    throw new AppError("invalid_input", `${p.currency} is not an ISO 4217 currency code.`, {
      field: "currency",
    });
  }
  if (Object.values(p).every((v) => v === undefined)) {
    throw new AppError("invalid_input", "Nothing to change: send at least one setting.");
  }
  if (p.defaultParentCustomer) await checkDefaultParentCustomer(ctx, companyId, p.defaultParentCustomer);
  return ctx.db.transaction().execute(async (tx) => {
    const before = await tx
      .selectFrom("companies")
      .selectAll()
      .where("id", "=", companyId)
      .forUpdate()
      .executeTakeFirstOrThrow();
    const c = await tx
      .updateTable("companies")
      .set({
        ...(p.timeZone !== undefined ? { time_zone: p.timeZone } : {}),
        ...(p.currency !== undefined ? { currency: p.currency } : {}),
        ...(p.dailySummaryHour !== undefined ? { daily_summary_hour: p.dailySummaryHour } : {}),
        ...(p.createMissingItems !== undefined ? { create_missing_items: p.createMissingItems } : {}),
        ...(p.createMissingVendors !== undefined ? { create_missing_vendors: p.createMissingVendors } : {}),
        ...(p.defaultParentCustomer !== undefined
          ? { default_parent_customer: p.defaultParentCustomer?.trim() || null }
          : {}),
        ...(p.estimateMode !== undefined ? { estimate_mode: p.estimateMode } : {}),
        ...(p.separationOfDuties !== undefined ? { separation_of_duties: p.separationOfDuties } : {}),
        ...(p.notifyApproversOnSend !== undefined
          ? { notify_approvers_on_send: p.notifyApproversOnSend }
          : {}),
        ...(p.useClasses !== undefined ? { use_classes: p.useClasses } : {}),
      })
      .where("id", "=", companyId)
      .returningAll()
      .executeTakeFirstOrThrow();
    await recordAudit(tx, {
      companyId,
      actor: { kind: "user", userId: actor.userId },
      action: "settings.updated",
      entityType: "company",
      entityId: companyId,
      at: ctx.now(),
      data: { changes: settingsChanges(settingsView(before), settingsView(c)) },
    });
    return settingsView(c);
  });
}
