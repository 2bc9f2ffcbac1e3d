import { sql } from "kysely";
import type { Executor } from "../../db/database.js";
import { isUniqueViolation } from "../../db/errors.js";
import * as D from "../../domain/index.js";
import { newId } from "../../lib/ids.js";
import { recordAudit } from "../audit.js";
import type { AppContext } from "../context.js";
import { fromDomain } from "../domain-errors.js";
import { AppError } from "../errors.js";
import { type Actor, memberOf, requireRight } from "../membership.js";
import { type DirectoryItem, loadDirectory, loadDirectoryItem } from "./directory-entries.js";
import { INVITATION_TTL_MS, type Inviter, sendAddedNotice, sendInvitation } from "./invitations.js";

/** Nobody changes their own rights or deactivates themselves: another directory admin must. */
const forbiddenOwn = () =>
  new AppError(
    "forbidden",
    "You cannot change your own permissions or deactivate yourself; ask another directory admin.",
    { details: { rule: "own_permissions" } },
  );

export interface LevelsInput {
  erpIntegrations?: D.Level;
  directory?: D.Level;
  budget?: D.Level;
  lockBudget?: boolean;
  sendAndRetrieveBudget?: boolean;
  subscribeErpDigest?: boolean;
}

const LEVEL_FIELDS = [
  "erpIntegrations",
  "directory",
  "budget",
  "lockBudget",
  "sendAndRetrieveBudget",
] as const;

function entryColumns(p: LevelsInput) {
  return {
    ...(p.erpIntegrations !== undefined ? { erp_integrations: p.erpIntegrations } : {}),
    ...(p.directory !== undefined ? { directory: p.directory } : {}),
    ...(p.budget !== undefined ? { budget: p.budget } : {}),
    ...(p.lockBudget !== undefined ? { lock_budget: p.lockBudget } : {}),
    ...(p.sendAndRetrieveBudget !== undefined ? { send_and_retrieve_budget: p.sendAndRetrieveBudget } : {}),
    ...(p.subscribeErpDigest !== undefined ? { subscribe_erp_digest: p.subscribeErpDigest } : {}),
  };
}

/** Seeing the directory needs Directory Read Only or higher. */
async function requireDirectoryView(ctx: AppContext, actor: Actor, companyId: string) {
  const m = await memberOf(ctx.db, actor, companyId);
  if (!D.isLevelAtLeast(m.directory, "read_only")) {
    throw new AppError("forbidden", "Needs Directory Read Only or higher.", {
      details: { needs: "Directory Read Only or higher" },
    });
  }
  return m;
}

export async function listDirectory(ctx: AppContext, actor: Actor, companyId: string) {
  await requireDirectoryView(ctx, actor, companyId);
  return { items: await loadDirectory(ctx.db, companyId) };
}

/** One entry: anyone may read their own (for the digest toggle), others need Directory Read Only. */
export async function getDirectoryEntry(ctx: AppContext, actor: Actor, companyId: string, userId: string) {
  if (actor.userId === userId) await memberOf(ctx.db, actor, companyId);
  else await requireDirectoryView(ctx, actor, companyId);
  return loadDirectoryItem(ctx.db, companyId, userId);
}

async function companyRow(db: Executor, companyId: string) {
  const c = await db
    .selectFrom("companies")
    .select(["id", "name", "time_zone", "self_service_approver_grants"])
    .where("id", "=", companyId)
    .executeTakeFirst();
  if (!c) throw new AppError("not_found", "Company was not found.");
  return c;
}

async function inviterFor(db: Executor, userId: string): Promise<Inviter> {
  const u = await db
    .selectFrom("users")
    .select(["name", "email"])
    .where("id", "=", userId)
    .executeTakeFirstOrThrow();
  return { userId, name: u.name || u.email };
}

/**
 * Adds someone to the directory (or brings back a deactivated entry). A new address gets an account without a
 * password and an invitation to set one; an address that already has an account gets a notice instead. What the
 * adding company sees is the same either way (invited until the person joins, one audit action): adding an address
 * tells it nothing about an account another company made.
 */
export async function addToDirectory(
  ctx: AppContext,
  tx: Executor,
  input: {
    companyId: string;
    email: string;
    name: string;
    permissions: LevelsInput & { canPushToAccounting?: boolean };
    by: Inviter;
    actorKind: "user" | "operator";
  },
): Promise<{ userId: string; invited: boolean }> {
  const company = await companyRow(tx, input.companyId);
  const email = input.email.trim();
  const existing = await tx
    .selectFrom("users")
    .select(["id", "email", "name", "password_hash"])
    .where(sql<string>`lower(email)`, "=", email.toLowerCase())
    .executeTakeFirst();
  const columns = {
    ...entryColumns(input.permissions),
    ...(input.permissions.canPushToAccounting !== undefined
      ? { can_push_to_accounting: input.permissions.canPushToAccounting }
      : {}),
  };
  let user: { id: string; email: string; name: string };
  let reactivated = false;
  if (existing) {
    user = existing;
    const entry = await tx
      .selectFrom("directory_entries")
      .select(["active"])
      .where("company_id", "=", input.companyId)
      .where("user_id", "=", existing.id)
      .executeTakeFirst();
    if (entry?.active) {
      throw new AppError("duplicate", `${existing.email} is already in this company's directory.`, {
        field: "email",
      });
    }
    if (entry) {
      // A returning person starts from the rights given now, not from what they had before.
      await tx
        .updateTable("directory_entries")
        .set({
          erp_integrations: "none",
          directory: "none",
          budget: "none",
          lock_budget: false,
          send_and_retrieve_budget: false,
          can_push_to_accounting: false,
          subscribe_erp_digest: true,
          ...columns,
          active: true,
          joined_at: null,
        })
        .where("company_id", "=", input.companyId)
        .where("user_id", "=", existing.id)
        .execute();
      await tx
        .deleteFrom("project_permissions")
        .where("company_id", "=", input.companyId)
        .where("user_id", "=", existing.id)
        .execute();
      reactivated = true;
    } else {
      await tx
        .insertInto("directory_entries")
        .values({ company_id: input.companyId, user_id: existing.id, ...columns, joined_at: null })
        .execute();
    }
  } else {
    user = { id: newId("usr"), email, name: input.name.trim() };
    await tx.insertInto("users").values({ id: user.id, email: user.email, name: user.name }).execute();
    await tx
      .insertInto("directory_entries")
      .values({ company_id: input.companyId, user_id: user.id, ...columns, joined_at: null })
      .execute();
  }
  // Someone who never set a password cannot sign in, so they get a (new) invitation rather than a notice.
  if (!existing?.password_hash) await sendInvitation(ctx, tx, { company, user, invitedBy: input.by });
  else await sendAddedNotice(ctx, tx, { company, user, addedBy: input.by });
  await recordAudit(tx, {
    companyId: input.companyId,
    actor: { kind: input.actorKind, userId: input.by.userId },
    action: "directory.invited",
    entityType: "user",
    entityId: user.id,
    // As the company typed them, not as an existing account has them.
    data: { email, name: input.name.trim(), permissions: input.permissions, reactivated },
    at: ctx.now(),
  });
  return { userId: user.id, invited: true };
}

export async function inviteToDirectory(
  ctx: AppContext,
  actor: Actor,
  companyId: string,
  input: { email: string; name: string; permissions: LevelsInput & { canPushToAccounting?: boolean } },
): Promise<DirectoryItem & { invited: boolean }> {
  const m = await requireRight(ctx, actor, companyId, "change_permissions");
  if (input.permissions.canPushToAccounting) {
    const company = await companyRow(ctx.db, companyId);
    const v = D.can(m, "grant_can_push_to_accounting", {
      selfServiceApproverGrants: company.self_service_approver_grants,
    });
    if (!v.ok) throw fromDomain(v.error);
  }
  try {
    return await ctx.db.transaction().execute(async (tx) => {
      const by = await inviterFor(tx, actor.userId);
      const r = await addToDirectory(ctx, tx, { companyId, ...input, by, actorKind: "user" });
      return { ...(await loadDirectoryItem(tx, companyId, r.userId)), invited: r.invited };
    });
  } catch (e) {
    // Two people inviting the same new address at once: the second finds it taken.
    if (isUniqueViolation(e)) {
      throw new AppError("duplicate", `${input.email.trim()} was just added by someone else.`, {
        field: "email",
      });
    }
    throw e;
  }
}

/** Sends a fresh invitation to someone who has not set a password yet; the previous link stops working. */
export async function resendInvitation(ctx: AppContext, actor: Actor, companyId: string, userId: string) {
  await requireRight(ctx, actor, companyId, "change_permissions");
  return ctx.db.transaction().execute(async (tx) => {
    const item = await loadDirectoryItem(tx, companyId, userId);
    if (item.status !== "invited") {
      throw new AppError(
        "conflict",
        item.status === "inactive"
          ? "This person is deactivated; add them again instead."
          : "This person already set a password; they can sign in.",
        { details: { rule: "not_invited" } },
      );
    }
    const company = await companyRow(tx, companyId);
    const by = await inviterFor(tx, actor.userId);
    const account = await tx
      .selectFrom("users")
      .select("password_hash")
      .where("id", "=", userId)
      .executeTakeFirstOrThrow();
    // Someone with an account already (made elsewhere) is told again to sign in; the company sees the same answer.
    let expiresAt = new Date(ctx.now().getTime() + INVITATION_TTL_MS);
    if (account.password_hash) await sendAddedNotice(ctx, tx, { company, user: item.user, addedBy: by });
    else ({ expiresAt } = await sendInvitation(ctx, tx, { company, user: item.user, invitedBy: by }));
    await recordAudit(tx, {
      companyId,
      actor: { kind: "user", userId: actor.userId },
      action: "directory.invitation_resent",
      entityType: "user",
      entityId: userId,
      data: { email: item.user.email },
      at: ctx.now(),
    });
    return { ...item, invitationExpiresAt: expiresAt.toISOString() };
  });
}

function changedFields(before: Record<string, unknown>, patch: Record<string, unknown>) {
  const out: Record<string, { from: unknown; to: unknown }> = {};
  for (const [k, v] of Object.entries(patch)) {
    if (v !== undefined && before[k] !== v) out[k] = { from: before[k], to: v };
  }
  return out;
}

/**
 * Edits an entry. Levels and deactivation need Directory Admin and never apply to oneself (so a company always
 * keeps the admin who made the change); the digest subscription is also each person's own to change.
 */
export async function updateDirectoryEntry(
  ctx: AppContext,
  actor: Actor,
  companyId: string,
  userId: string,
  patch: LevelsInput & { active?: boolean },
) {
  const m = await memberOf(ctx.db, actor, companyId);
  const touchesLevels = LEVEL_FIELDS.some((f) => patch[f] !== undefined) || patch.active !== undefined;
  if (!touchesLevels && patch.subscribeErpDigest === undefined) {
    throw new AppError("invalid_input", "Nothing to change: send at least one field.");
  }
  if (touchesLevels) {
    const v = D.can(m, "change_permissions");
    if (!v.ok) throw fromDomain(v.error);
    if (userId === actor.userId) throw forbiddenOwn();
  }
  if (patch.subscribeErpDigest !== undefined) {
    const v = D.can(m, "change_digest_subscription", { actorId: actor.userId, targetUserId: userId });
    if (!v.ok) throw fromDomain(v.error);
  }
  return ctx.db.transaction().execute(async (tx) => {
    const before = await loadDirectoryItem(tx, companyId, userId);
    // Rights of a deactivated entry change only together with bringing it back.
    if (!before.active && patch.active !== true && touchesLevels) {
      throw new AppError("conflict", "This person is deactivated; reactivate them first.", {
        details: { rule: "inactive_user" },
      });
    }
    await tx
      .updateTable("directory_entries")
      .set({ ...entryColumns(patch), ...(patch.active !== undefined ? { active: patch.active } : {}) })
      .where("company_id", "=", companyId)
      .where("user_id", "=", userId)
      .execute();
    if (patch.active === false) {
      // Outstanding invitation links of a deactivated person stop working at once.
      await tx
        .updateTable("invitations")
        .set({ expires_at: ctx.now() })
        .where("company_id", "=", companyId)
        .where("user_id", "=", userId)
        .where("accepted_at", "is", null)
        .where("expires_at", ">", ctx.now())
        .execute();
    }
    const { active, ...levels } = patch;
    const changes = changedFields(before.permissions as unknown as Record<string, unknown>, levels);
    if (active !== undefined && active !== before.active)
      changes.active = { from: before.active, to: active };
    const action =
      active === false && before.active
        ? "directory.deactivated"
        : active === true && !before.active
          ? "directory.reactivated"
          : touchesLevels
            ? "directory.permissions_changed"
            : "directory.digest_subscription_changed";
    if (Object.keys(changes).length > 0) {
      await recordAudit(tx, {
        companyId,
        actor: { kind: "user", userId: actor.userId },
        action,
        entityType: "user",
        entityId: userId,
        data: { changes },
        at: ctx.now(),
      });
    }
    return loadDirectoryItem(tx, companyId, userId);
  });
}

async function requireProject(db: Executor, companyId: string, projectId: string) {
  const p = await db
    .selectFrom("projects")
    .select(["id", "number", "name"])
    .where("company_id", "=", companyId)
    .where("id", "=", projectId)
    .executeTakeFirst();
  if (!p) throw new AppError("not_found", "Project was not found.");
  return p;
}

/** Replaces a person's company-wide budget rights on one project. */
export async function setProjectOverride(
  ctx: AppContext,
  actor: Actor,
  companyId: string,
  projectId: string,
  userId: string,
  input: { budget: D.Level; lockBudget: boolean; sendAndRetrieveBudget: boolean },
) {
  await requireRight(ctx, actor, companyId, "change_permissions");
  if (userId === actor.userId) throw forbiddenOwn();
  return ctx.db.transaction().execute(async (tx) => {
    const project = await requireProject(tx, companyId, projectId);
    await loadDirectoryItem(tx, companyId, userId);
    const values = {
      budget: input.budget,
      lock_budget: input.lockBudget,
      send_and_retrieve_budget: input.sendAndRetrieveBudget,
    };
    await tx
      .insertInto("project_permissions")
      .values({ company_id: companyId, project_id: projectId, user_id: userId, ...values })
      .onConflict((oc) => oc.columns(["company_id", "project_id", "user_id"]).doUpdateSet(values))
      .execute();
    await recordAudit(tx, {
      companyId,
      actor: { kind: "user", userId: actor.userId },
      action: "directory.project_override_set",
      entityType: "user",
      entityId: userId,
      data: { projectId, projectNumber: project.number, ...input },
      at: ctx.now(),
    });
    return { projectId, userId, ...input };
  });
}

/** Back to the company-wide rights on this project. */
export async function clearProjectOverride(
  ctx: AppContext,
  actor: Actor,
  companyId: string,
  projectId: string,
  userId: string,
) {
  await requireRight(ctx, actor, companyId, "change_permissions");
  if (userId === actor.userId) throw forbiddenOwn();
  await ctx.db.transaction().execute(async (tx) => {
    const project = await requireProject(tx, companyId, projectId);
    const deleted = await tx
      .deleteFrom("project_permissions")
      .where("company_id", "=", companyId)
      .where("project_id", "=", projectId)
      .where("user_id", "=", userId)
      .executeTakeFirst();
    if (Number(deleted.numDeletedRows) === 0) return;
    await recordAudit(tx, {
      companyId,
      actor: { kind: "user", userId: actor.userId },
      action: "directory.project_override_cleared",
      entityType: "user",
      entityId: userId,
      data: { projectId, projectNumber: project.number },
      at: ctx.now(),
    });
  });
}

/**
 * Grants or withdraws Can Push to Accounting. The operator always may; a directory admin only where the operator
 * enabled self-service for the company and only while holding the privilege themselves.
 */
export async function setCanPushToAccounting(
  ctx: AppContext,
  by: { kind: "operator" } | { kind: "user"; actor: Actor },
  companyId: string,
  userId: string,
  granted: boolean,
) {
  const company = await companyRow(ctx.db, companyId);
  if (by.kind === "user") {
    const m = await memberOf(ctx.db, by.actor, companyId);
    const v = D.can(m, "grant_can_push_to_accounting", {
      selfServiceApproverGrants: company.self_service_approver_grants,
    });
    if (!v.ok) throw fromDomain(v.error);
  }
  return ctx.db.transaction().execute(async (tx) => {
    const before = await loadDirectoryItem(tx, companyId, userId);
    await tx
      .updateTable("directory_entries")
      .set({ can_push_to_accounting: granted })
      .where("company_id", "=", companyId)
      .where("user_id", "=", userId)
      .execute();
    if (before.permissions.canPushToAccounting !== granted) {
      await recordAudit(tx, {
        companyId,
        actor: by.kind === "operator" ? { kind: "operator" } : { kind: "user", userId: by.actor.userId },
        action: granted
          ? "directory.can_push_to_accounting_granted"
          : "directory.can_push_to_accounting_revoked",
        entityType: "user",
        entityId: userId,
        data: { email: before.user.email },
        at: ctx.now(),
      });
    }
    return loadDirectoryItem(tx, companyId, userId);
  });
}
