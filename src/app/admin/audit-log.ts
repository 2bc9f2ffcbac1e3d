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
    })),
    nextCursor:
      rows.length > q.limit && last
        ? issueCursor(ctx.config.secretKey, "audit-log", companyId, [String(last.id)])
        : null,
  };
}
