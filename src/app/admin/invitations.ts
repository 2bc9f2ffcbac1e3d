import type { Executor } from "../../db/database.js";
import { newId, newSecretToken, sha256 } from "../../lib/ids.js";
import { checkPasswordStrength, hashPassword } from "../../lib/passwords.js";
import { INVITATION_VALID_DAYS } from "../../mail/templates/index.js";
import { recordAudit } from "../audit.js";
import type { AppContext } from "../context.js";
import { queueEmail } from "../email/outbox.js";
import { AppError } from "../errors.js";

export const INVITATION_TTL_MS = INVITATION_VALID_DAYS * 24 * 3600 * 1000;

/** Who invites: a directory admin by name, or the platform operator (shown as the product). */
export interface Inviter {
  userId: string | null;
  name: string;
}

export const OPERATOR_INVITER: Inviter = { userId: null, name: "The Costbridge team" };

interface CompanyRow {
  id: string;
  name: string;
  time_zone: string;
}

/**
 * Sends a single-use link to set a password. Any earlier link for the same person and company stops working, so
 * only the newest email is valid. Runs in the caller's transaction: the email is queued with the entry it is for.
 */
export async function sendInvitation(
  ctx: AppContext,
  tx: Executor,
  input: { company: CompanyRow; user: { id: string; email: string; name: string }; invitedBy: Inviter },
): Promise<{ invitationId: string; expiresAt: Date }> {
  const now = ctx.now();
  await tx
    .updateTable("invitations")
    .set({ expires_at: now })
    .where("company_id", "=", input.company.id)
    .where("user_id", "=", input.user.id)
    .where("accepted_at", "is", null)
    .where("expires_at", ">", now)
    .execute();
  const token = newSecretToken();
  const invitationId = newId("inv");
  const expiresAt = new Date(now.getTime() + INVITATION_TTL_MS);
  await tx
    .insertInto("invitations")
    .values({
      company_id: input.company.id,
      id: invitationId,
      token_hash: sha256(token),
      user_id: input.user.id,
      invited_by: input.invitedBy.userId,
      expires_at: expiresAt,
      created_at: now,
    })
    .execute();
  await queueEmail(tx, {
    companyId: input.company.id,
    dedupeKey: `invitation:${invitationId}`,
    to: input.user.email,
    secretKey: ctx.config.secretKey,
    message: {
      template: "invitation",
      data: {
        publicUrl: ctx.config.publicUrl,
        company: { name: input.company.name, timeZone: input.company.time_zone },
        invitedBy: { name: input.invitedBy.name },
        token,
        inviteeName: input.user.name,
        expiresAt,
      },
    },
  });
  return { invitationId, expiresAt };
}

/** Tells someone who already has an account that they can now see another company. */
export async function sendAddedNotice(
  ctx: AppContext,
  tx: Executor,
  input: { company: CompanyRow; user: { id: string; email: string; name: string }; addedBy: Inviter },
): Promise<void> {
  await queueEmail(tx, {
    companyId: input.company.id,
    // Each addition is its own notice: someone removed and added again hears about it again.
    dedupeKey: `added-to-company:${input.user.id}:${newId("add")}`,
    to: input.user.email,
    message: {
      template: "added-to-company",
      data: {
        publicUrl: ctx.config.publicUrl,
        company: { id: input.company.id, name: input.company.name },
        addedBy: { name: input.addedBy.name },
        recipientName: input.user.name,
      },
    },
  });
}

const gone = (code: "invitation_used" | "invitation_expired", message: string) => new AppError(code, message);

/**
 * Sets the invited person's password. Single use and compare-and-set: of two concurrent acceptances exactly one
 * succeeds; the link also stops working after INVITATION_VALID_DAYS or once a newer link was sent.
 */
export async function acceptInvitation(
  ctx: AppContext,
  token: string,
  input: { password: string; name?: string },
) {
  const row = await ctx.db
    .selectFrom("invitations")
    .innerJoin("users", "users.id", "invitations.user_id")
    .select([
      "invitations.company_id",
      "invitations.id",
      "invitations.accepted_at",
      "invitations.expires_at",
      "users.id as user_id",
      "users.email",
      "users.password_hash",
    ])
    .where("invitations.token_hash", "=", sha256(token))
    .executeTakeFirst();
  if (!row)
    throw new AppError("not_found", "This invitation link is not valid. Check that you copied all of it.");
  if (row.accepted_at)
    throw gone("invitation_used", "This invitation was already used. Sign in with your password.");
  if (row.password_hash) {
    throw gone(
      "invitation_used",
      "Your account is already set up (from another invitation). Sign in with your password.",
    );
  }
  if (row.expires_at.getTime() <= ctx.now().getTime()) {
    throw gone(
      "invitation_expired",
      "This invitation has expired. Ask your company admin to send a new one.",
    );
  }
  const weak = checkPasswordStrength(input.password, row.email);
  if (weak) throw new AppError("weak_password", weak, { field: "password" });
  const hash = await hashPassword(input.password);
  const now = ctx.now();
  return ctx.db.transaction().execute(async (tx) => {
    const claimed = await tx
      .updateTable("invitations")
      .set({ accepted_at: now })
      .where("company_id", "=", row.company_id)
      .where("id", "=", row.id)
      .where("accepted_at", "is", null)
      .where("expires_at", ">", now)
      .returning("id")
      .executeTakeFirst();
    if (!claimed) throw gone("invitation_used", "This invitation was just used. Sign in with your password.");
    const user = await tx
      .updateTable("users")
      .set({ password_hash: hash, ...(input.name?.trim() ? { name: input.name.trim() } : {}) })
      .where("id", "=", row.user_id)
      .where("password_hash", "is", null)
      .returning(["id", "email", "name"])
      .executeTakeFirst();
    if (!user) throw gone("invitation_used", "Your account is already set up. Sign in with your password.");
    await tx
      .updateTable("directory_entries")
      .set({ joined_at: now })
      .where("company_id", "=", row.company_id)
      .where("user_id", "=", user.id)
      .where("joined_at", "is", null)
      .execute();
    await recordAudit(tx, {
      companyId: row.company_id,
      actor: { kind: "user", userId: user.id },
      action: "invitation.accepted",
      entityType: "user",
      entityId: user.id,
      data: { invitationId: row.id },
      at: now,
    });
    return { user };
  });
}
