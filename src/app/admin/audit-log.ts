import type { AppContext } from "../context.js";
import { issueCursor, readCursor } from "../cursor.js";
import { AppError } from "../errors.js";
import { type Actor, requireRight } from "../membership.js";

export interface AuditQuery {
  entityType?: string;
  entityId?: string;
  actorUserId?: string;
  actorKind?: "user" | "operator" | "system";
  action?: string;
  from?: Date;
  to?: Date;
  cursor?: string;
  limit: number;
}

const MAX_BIGINT = 9223372036854775807n;

function decodeCursor(secretKey: string, companyId: string, cursor: string): bigint {
  return readCursor(secretKey, "audit-log", companyId, cursor, "cursor", ([id]) => {
    if (typeof id !== "string" || !/^\d{1,19}$/.test(id)) return null;
    const n = BigInt(id);
    return n <= MAX_BIGINT ? n : null;
  });
}

/**
 * The company's audit log, newest first, filtered by entity, actor, action and time; paged by a cursor on the
 * event id (the order events were recorded in), so pages never skip or repeat an event while new ones arrive.
 */
export async function listAuditEvents(ctx: AppContext, actor: Actor, companyId: string, q: AuditQuery) {
  await requireRight(ctx, actor, companyId, "view_audit_events");
  if (q.from && q.to && q.from.getTime() > q.to.getTime()) {
    throw new AppError("invalid_input", "from must not be after to.", { field: "from" });
  }
  let query = ctx.db
    .selectFrom("audit_events")
    .leftJoin("users", "users.id", "audit_events.actor_user_id")
    .select([
      "audit_events.id",
      "audit_events.at",
      "audit_events.actor_kind",
      "audit_events.actor_user_id",
      "users.email",
      "users.name",
      "audit_events.action",
      "audit_events.entity_type",
      "audit_events.entity_id",
      "audit_events.data",
    ])
    .where("audit_events.company_id", "=", companyId)
    .orderBy("audit_events.id", "desc")
    .limit(q.limit + 1);
  if (q.entityType) query = query.where("audit_events.entity_type", "=", q.entityType);
  if (q.entityId) query = query.where("audit_events.entity_id", "=", q.entityId);
  if (q.actorUserId) query = query.where("audit_events.actor_user_id", "=", q.actorUserId);
  if (q.actorKind) query = query.where("audit_events.actor_kind", "=", q.actorKind);
  if (q.action) query = query.where("audit_events.action", "=", q.action);
  if (q.from) query = query.where("audit_events.at", ">=", q.from);
  if (q.to) query = query.where("audit_events.at", "<", q.to);
  if (q.cursor)
    query = query.where("audit_events.id", "<", decodeCursor(ctx.config.secretKey, companyId, q.cursor));
  const rows = await query.execute();
  const page = rows.slice(0, q.limit);
  const last = page[page.length - 1];
  const names = await subjectNames(ctx, companyId, page);
  return {
    items: page.map((r) => ({
      id: String(r.id),
      at: r.at.toISOString(),
      actor: {
        kind: r.actor_kind,
        user: r.actor_user_id ? { id: r.actor_user_id, email: r.email, name: r.name } : null,
      },
      action: r.action,
      entity: { type: r.entity_type, id: r.entity_id },
      data: r.data,
      // The event's subject and the people it names, by name, so the log reads without ids.
      subject: names.subject(r),
      names: names.mentioned(r.data),
    })),
    nextCursor:
      rows.length > q.limit && last
        ? issueCursor(ctx.config.secretKey, "audit-log", companyId, [String(last.id)])
        : null,
  };
}

type AuditRow = { entity_type: string; entity_id: string; data: unknown };

const asRecord = (data: unknown): Record<string, unknown> =>
  typeof data === "object" && data !== null && !Array.isArray(data) ? (data as Record<string, unknown>) : {};

/**
 * The names behind the ids one page of events mentions: projects (of budgets, lines, changes and submissions too),
 * people, cost codes and categories. Four small lookups per page, whatever its length.
 */
async function subjectNames(ctx: AppContext, companyId: string, rows: AuditRow[]) {
  const projectIds = new Set<string>();
  const submissionIds = new Set<string>();
  const userIds = new Set<string>();
  const costCodeIds = new Set<string>();
  const categoryIds = new Set<string>();
  const commitmentIds = new Set<string>();
  const vendorIds = new Set<string>();
  for (const r of rows) {
    const data = asRecord(r.data);
    if (typeof data.projectId === "string") projectIds.add(data.projectId);
    if (typeof data.userId === "string") userIds.add(data.userId);
    if (r.entity_type === "project") projectIds.add(r.entity_id);
    if (r.entity_type === "submission") submissionIds.add(r.entity_id);
    if (r.entity_type === "user") userIds.add(r.entity_id);
    if (r.entity_type === "cost_code") costCodeIds.add(r.entity_id);
    if (r.entity_type === "category") categoryIds.add(r.entity_id);
    if (typeof data.commitmentId === "string") commitmentIds.add(data.commitmentId);
    if (r.entity_type === "vendor") vendorIds.add(r.entity_id);
  }
  const submissionProject = new Map<string, string>();
  if (submissionIds.size > 0) {
    const found = await ctx.db
      .selectFrom("submissions")
      .select(["id", "project_id"])
      .where("company_id", "=", companyId)
      .where("id", "in", [...submissionIds])
      .execute();
    for (const s of found) {
      submissionProject.set(s.id, s.project_id);
      projectIds.add(s.project_id);
    }
  }
  const [projects, users, costCodes, categories, commitments, vendors] = await Promise.all([
    projectIds.size === 0
      ? []
      : ctx.db
          .selectFrom("projects")
          .select(["id", "number", "name"])
          .where("company_id", "=", companyId)
          .where("id", "in", [...projectIds])
          .execute(),
    userIds.size === 0
      ? []
      : ctx.db
          .selectFrom("users")
          .select(["id", "name", "email"])
          .where("id", "in", [...userIds])
          .execute(),
    costCodeIds.size === 0
      ? []
      : ctx.db
          .selectFrom("cost_codes")
          .select(["id", "code", "description"])
          .where("company_id", "=", companyId)
          .where("id", "in", [...costCodeIds])
          .execute(),
    categoryIds.size === 0
      ? []
      : ctx.db
          .selectFrom("categories")
          .select(["id", "code", "name"])
          .where("company_id", "=", companyId)
          .where("id", "in", [...categoryIds])
          .execute(),
    commitmentIds.size === 0
      ? []
      : ctx.db
          .selectFrom("commitments")
          .select(["id", "number", "title"])
          .where("company_id", "=", companyId)
          .where("id", "in", [...commitmentIds])
          .execute(),
    vendorIds.size === 0
      ? []
      : ctx.db
          .selectFrom("vendors")
          .select(["id", "name"])
          .where("company_id", "=", companyId)
          .where("id", "in", [...vendorIds])
          .execute(),
  ]);
  const project = new Map(projects.map((p) => [p.id, `${p.number} ${p.name}`]));
  const user = new Map(users.map((u) => [u.id, u.name || u.email]));
  const costCode = new Map(costCodes.map((c) => [c.id, `${c.code} ${c.description}`.trim()]));
  const category = new Map(categories.map((c) => [c.id, `${c.code} ${c.name}`]));
  const commitment = new Map(commitments.map((c) => [c.id, `${c.number} ${c.title}`]));
  const vendor = new Map(vendors.map((v) => [v.id, v.name]));
  return {
    subject(r: AuditRow): { kind: string; name: string } | null {
      const data = asRecord(r.data);
      const id = r.entity_id;
      const named = (kind: string, name: string | undefined) => (name ? { kind, name } : null);
      switch (r.entity_type) {
        case "project":
          return named("project", project.get(id));
        case "submission":
          if (typeof data.commitmentId === "string")
            return named("commitment", commitment.get(data.commitmentId));
          return named("budget", project.get(submissionProject.get(id) ?? String(data.projectId ?? "")));
        case "commitment":
        case "commitment_change_order":
          return named("commitment", commitment.get(String(data.commitmentId ?? id)));
        case "vendor":
          return named("vendor", vendor.get(id) ?? (typeof data.name === "string" ? data.name : undefined));
        case "user":
          return named("person", user.get(id));
        case "cost_code":
          return named("cost code", costCode.get(id));
        case "category":
          return named("category", category.get(id));
        default:
          return typeof data.projectId === "string" ? named("budget", project.get(data.projectId)) : null;
      }
    },
    mentioned(data: unknown): Record<string, string> {
      const d = asRecord(data);
      const out: Record<string, string> = {};
      if (typeof d.projectId === "string" && project.has(d.projectId))
        out.project = project.get(d.projectId) ?? "";
      if (typeof d.userId === "string" && user.has(d.userId)) out.person = user.get(d.userId) ?? "";
      if (typeof d.commitmentId === "string" && commitment.has(d.commitmentId))
        out.commitment = commitment.get(d.commitmentId) ?? "";
      return out;
    },
  };
}
