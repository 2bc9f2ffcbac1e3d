import type { AppContext } from "../context.js";

/** The signed-in person: who they are. */
export async function currentUser(ctx: AppContext, userId: string) {
  return ctx.db
    .selectFrom("users")
    .select(["id", "email", "name"])
    .where("id", "=", userId)
    .executeTakeFirstOrThrow();
}
