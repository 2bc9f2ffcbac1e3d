import type { AppContext } from "../context.js";
import { listMemberships, membershipFromRow, permissionsView } from "../membership.js";
import { currentUser } from "./current-user.js";

/** The signed-in person and the companies they belong to, with their rights in each. */
export async function whoAmI(ctx: AppContext, userId: string) {
  const user = await currentUser(ctx, userId);
  const rows = await listMemberships(ctx.db, userId);
  return {
    user,
    companies: rows.map((r) => ({
      id: r.company_id,
      name: r.name,
      timeZone: r.time_zone,
      permissions: permissionsView(membershipFromRow(r)),
    })),
  };
}
