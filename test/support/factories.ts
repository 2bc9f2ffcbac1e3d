import { issueToken } from "../../src/app/auth/issue-token.js";
import type { AppContext } from "../../src/app/context.js";
import type { Level } from "../../src/app/membership.js";
import { newId } from "../../src/lib/ids.js";
import { hashPassword } from "../../src/lib/passwords.js";

let passwordHash: Promise<string> | null = null;
export const TEST_PASSWORD = "correct horse battery";

export async function makeCompany(ctx: AppContext, over: Partial<{ name: string; timeZone: string }> = {}) {
  const id = newId("co");
  await ctx.db
    .insertInto("companies")
    .values({
      id,
      name: over.name ?? `Company ${id.slice(-4)}`,
      time_zone: over.timeZone ?? "America/New_York",
    })
    .execute();
  return id;
}

export interface Perms {
  erpIntegrations?: Level;
  directory?: Level;
  budget?: Level;
  lockBudget?: boolean;
  sendAndRetrieveBudget?: boolean;
  canPushToAccounting?: boolean;
  subscribeErpDigest?: boolean;
}

/** Every right there is: one person who may set up, send and accept (separation of duties is off by default). */
export const EVERY_RIGHT: Perms = {
  erpIntegrations: "admin",
  directory: "admin",
  budget: "admin",
  lockBudget: true,
  sendAndRetrieveBudget: true,
  canPushToAccounting: true,
};

export async function makeUser(
  ctx: AppContext,
  companyId: string | null,
  perms: Perms = {},
  over: Partial<{ email: string; name: string }> = {},
) {
  passwordHash ??= hashPassword(TEST_PASSWORD);
  const id = newId("usr");
  const email = over.email ?? `${id.toLowerCase()}@example.test`;
  await ctx.db
    .insertInto("users")
    .values({ id, email, name: over.name ?? `User ${id.slice(-4)}`, password_hash: await passwordHash })
    .execute();
  if (companyId) {
    await ctx.db
      .insertInto("directory_entries")
      .values({
        company_id: companyId,
        user_id: id,
        erp_integrations: perms.erpIntegrations ?? "none",
        directory: perms.directory ?? "none",
        budget: perms.budget ?? "none",
        lock_budget: perms.lockBudget ?? false,
        send_and_retrieve_budget: perms.sendAndRetrieveBudget ?? false,
        can_push_to_accounting: perms.canPushToAccounting ?? false,
        subscribe_erp_digest: perms.subscribeErpDigest ?? true,
      })
      .execute();
  }
  const { token } = await issueToken(ctx, id, "bearer");
  return { id, email, token, auth: { authorization: `Bearer ${token}` } };
}
