import type { Executor } from "../db/database.js";
import * as D from "../domain/index.js";
import type { Level } from "../domain/permissions.js";
import { fromDomain } from "./domain-errors.js";
import { AppError } from "./errors.js";

export type { Level };

/** Who is acting. */
export interface Actor {
  userId: string;
  /**
   * The caller's membership of one company, when it was already read together with their token (the company named
   * in the request's path): saves a round trip on every company route. `membership` is null when they are not an
   * active member of `companyId`.
   */
  known?: { companyId: string; membership: Membership | null };
}

export interface Membership {
  companyId: string;
  userId: string;
  erpIntegrations: Level;
  directory: Level;
  budget: Level;
  lockBudget: boolean;
  sendAndRetrieveBudget: boolean;
  canPushToAccounting: boolean;
  subscribeErpDigest: boolean;
}

export function permissionsView(m: Membership) {
  return {
    erpIntegrations: m.erpIntegrations,
    directory: m.directory,
    budget: m.budget,
    lockBudget: m.lockBudget,
    sendAndRetrieveBudget: m.sendAndRetrieveBudget,
    canPushToAccounting: m.canPushToAccounting,
    subscribeErpDigest: m.subscribeErpDigest,
  };
}

export function isAccountingApprover(
  m: Pick<Membership, "erpIntegrations" | "canPushToAccounting">,
): boolean {
  return m.canPushToAccounting && (m.erpIntegrations === "standard" || m.erpIntegrations === "admin");
}

export type EntryRow = {
  company_id: string;
  user_id: string;
  erp_integrations: string;
  directory: string;
  budget: string;
  lock_budget: boolean;
  send_and_retrieve_budget: boolean;
  can_push_to_accounting: boolean;
  subscribe_erp_digest: boolean;
};

export function membershipFromRow(r: EntryRow): Membership {
  return {
    companyId: r.company_id,
    userId: r.user_id,
    erpIntegrations: r.erp_integrations as Level,
    directory: r.directory as Level,
    budget: r.budget as Level,
    lockBudget: r.lock_budget,
    sendAndRetrieveBudget: r.send_and_retrieve_budget,
    canPushToAccounting: r.can_push_to_accounting,
    subscribeErpDigest: r.subscribe_erp_digest,
  };
}

const ENTRY_COLUMNS = [
  "company_id",
  "user_id",
  "erp_integrations",
  "directory",
  "budget",
  "lock_budget",
  "send_and_retrieve_budget",
  "can_push_to_accounting",
  "subscribe_erp_digest",
] as const;

/** The caller's membership of a company; a company they do not belong to is reported as not found. */
export async function requireMembership(
  db: Executor,
  userId: string,
  companyId: string,
): Promise<Membership> {
  const row = await db
    .selectFrom("directory_entries")
    .select(ENTRY_COLUMNS)
    .where("company_id", "=", companyId)
    .where("user_id", "=", userId)
    .where("active", "=", true)
    .executeTakeFirst();
  if (!row) throw new AppError("not_found", "Company was not found.");
  return membershipFromRow(row);
}

/**
 * The caller's membership of `companyId`, taken from what was read with their token when it is about that company,
 * else read now. Reads outside a transaction only: a command re-reads it inside its own.
 */
export async function memberOf(db: Executor, actor: Actor, companyId: string): Promise<Membership> {
  const known = actor.known;
  if (known?.companyId !== companyId) return requireMembership(db, actor.userId, companyId);
  if (!known.membership) throw new AppError("not_found", "Company was not found.");
  return known.membership;
}

/** The caller's membership of `companyId`, refused with a 403 naming the right when `action` is not allowed. */
export async function requireRight(
  ctx: { db: Executor },
  actor: Actor,
  companyId: string,
  action?: D.Action,
  actionCtx: D.ActionContext = {},
): Promise<Membership> {
  const m = await memberOf(ctx.db, actor, companyId);
  if (action) {
    const v = D.can(m, action, actionCtx);
    if (!v.ok) throw fromDomain(v.error);
  }
  return m;
}

export async function listMemberships(db: Executor, userId: string) {
  return db
    .selectFrom("directory_entries")
    .innerJoin("companies", "companies.id", "directory_entries.company_id")
    .select([
      ...ENTRY_COLUMNS.map((c) => `directory_entries.${c}` as const),
      "companies.name",
      "companies.time_zone",
    ])
    .where("directory_entries.user_id", "=", userId)
    .where("directory_entries.active", "=", true)
    .orderBy("companies.name")
    .execute();
}
