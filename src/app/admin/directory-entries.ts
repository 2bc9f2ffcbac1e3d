import { sql } from "kysely";
import type { Executor } from "../../db/database.js";
import type * as D from "../../domain/index.js";
import { AppError } from "../errors.js";
import type { Actor } from "../membership.js";
import { isAccountingApprover, membershipFromRow, permissionsView, requireRight } from "../membership.js";

export type { Actor };

export { requireRight };

export function isUniqueViolation(e: unknown): boolean {
  return (e as { code?: string }).code === "23505";
}

export const forbiddenOwn = () =>
  new AppError(
    "forbidden",
    "You cannot change your own permissions or deactivate yourself; ask another directory admin.",
    { details: { rule: "own_permissions" } },
  );

export type DirectoryStatus = "active" | "invited" | "inactive";

export interface DirectoryItem {
  user: { id: string; email: string; name: string };
  permissions: ReturnType<typeof permissionsView>;
  isAccountingApprover: boolean;
  status: DirectoryStatus;
  active: boolean;
  projectOverrides: {
    projectId: string;
    budget: D.Level;
    lockBudget: boolean;
    sendAndRetrieveBudget: boolean;
  }[];
}

/** Directory entries with their users and per-project overrides, in one company; `userId` narrows to one. */
export async function loadDirectory(
  db: Executor,
  companyId: string,
  userId?: string,
): Promise<DirectoryItem[]> {
  let q = db
    .selectFrom("directory_entries")
    .innerJoin("users", "users.id", "directory_entries.user_id")
    .select([
      "directory_entries.company_id",
      "directory_entries.user_id",
      "directory_entries.erp_integrations",
      "directory_entries.directory",
      "directory_entries.budget",
      "directory_entries.lock_budget",
      "directory_entries.send_and_retrieve_budget",
      "directory_entries.can_push_to_accounting",
      "directory_entries.subscribe_erp_digest",
      "directory_entries.active",
      "users.email",
      "users.name",
      sql<boolean>`directory_entries.joined_at is not null and users.password_hash is not null`.as("joined"),
    ])
    .where("directory_entries.company_id", "=", companyId)
    .orderBy(sql`lower(users.name)`)
    .orderBy("users.email");
  if (userId) q = q.where("directory_entries.user_id", "=", userId);
  let oq = db
    .selectFrom("project_permissions")
    .select(["user_id", "project_id", "budget", "lock_budget", "send_and_retrieve_budget"])
    .where("company_id", "=", companyId)
    .orderBy("project_id");
  if (userId) oq = oq.where("user_id", "=", userId);
  const [rows, overrides] = await Promise.all([q.execute(), oq.execute()]);
  return rows.map((r) => {
    const m = membershipFromRow(r);
    return {
      user: { id: r.user_id, email: r.email, name: r.name },
      permissions: permissionsView(m),
      // An inactive entry keeps its stored rights but acts on nothing, so it carries no badge.
      isAccountingApprover: r.active && isAccountingApprover(m),
      // Invited until they joined this company (accepted its invitation, or signed in since being added) and have
      // a password: the same for an address that had an account elsewhere as for a new one.
      status: !r.active ? "inactive" : r.joined ? "active" : "invited",
      active: r.active,
      projectOverrides: overrides
        .filter((o) => o.user_id === r.user_id)
        .map((o) => ({
          projectId: o.project_id,
          budget: o.budget as D.Level,
          lockBudget: o.lock_budget,
          sendAndRetrieveBudget: o.send_and_retrieve_budget,
        })),
    };
  });
}

export async function loadDirectoryItem(
  db: Executor,
  companyId: string,
  userId: string,
): Promise<DirectoryItem> {
  const [item] = await loadDirectory(db, companyId, userId);
  if (!item) throw new AppError("not_found", "That user is not in this company's directory.");
  return item;
}
