import type { AppContext } from "../context.js";
import { type Actor, requireRight } from "../membership.js";

/** The Approvers report: the company's active members who can accept budgets into QuickBooks, by name. */
export async function approversReport(ctx: AppContext, actor: Actor, companyId: string) {
  await requireRight(ctx, actor, companyId, "view_erp_integrations");
  const rows = await ctx.db
    .selectFrom("directory_entries")
    .innerJoin("users", "users.id", "directory_entries.user_id")
    .select([
      "users.id",
      "users.email",
      "users.name",
      "directory_entries.erp_integrations",
      "directory_entries.subscribe_erp_digest",
    ])
    .where("directory_entries.company_id", "=", companyId)
    .where("directory_entries.active", "=", true)
    .where("directory_entries.can_push_to_accounting", "=", true)
    .where("directory_entries.erp_integrations", "in", ["standard", "admin"])
    .orderBy("users.name")
    .execute();
  return {
    items: rows.map((r) => ({
      user: { id: r.id, email: r.email, name: r.name },
      erpIntegrations: r.erp_integrations,
      subscribeErpDigest: r.subscribe_erp_digest,
    })),
  };
}
