import { checkPasswordStrength, hashPassword, verifyPassword } from "../../lib/passwords.js";
import type { AppContext } from "../context.js";
import { AppError } from "../errors.js";

/**
 * Changes the caller's password after checking the current one. Every other session and token of theirs ends with
 * the old password; the one in use (`keepTokenId`) stays.
 */
export async function changePassword(
  ctx: AppContext,
  input: { userId: string; keepTokenId: string; currentPassword: string; newPassword: string },
): Promise<{ ok: true }> {
  const user = await ctx.db
    .selectFrom("users")
    .select(["id", "email", "password_hash"])
    .where("id", "=", input.userId)
    .executeTakeFirstOrThrow();
  if (!(await verifyPassword(input.currentPassword, user.password_hash))) {
    throw new AppError("wrong_password", "The current password is not right.", { field: "currentPassword" });
  }
  const weak = checkPasswordStrength(input.newPassword, user.email);
  if (weak) throw new AppError("weak_password", weak, { field: "newPassword" });
  const hash = await hashPassword(input.newPassword);
  await ctx.db.transaction().execute(async (tx) => {
    await tx.updateTable("users").set({ password_hash: hash }).where("id", "=", user.id).execute();
    await tx
      .updateTable("auth_tokens")
      .set({ revoked_at: ctx.now() })
      .where("user_id", "=", user.id)
      .where("id", "<>", input.keepTokenId)
      .where("revoked_at", "is", null)
      .execute();
  });
  return { ok: true };
}
