import type { AppContext } from "../context.js";

/** Ends a token (signing out, or the token in use being revoked); it stops working at once. */
export async function revokeToken(ctx: AppContext, tokenId: string) {
  await ctx.db.updateTable("auth_tokens").set({ revoked_at: ctx.now() }).where("id", "=", tokenId).execute();
}
