import type { Executor } from "../db/database.js";

export interface AuditActor {
  kind: "user" | "operator" | "system";
  userId?: string | null;
}

/** Appends one audit event; callers pass their transaction so the event commits with the change it records. */
export async function recordAudit(
  db: Executor,
  e: {
    companyId: string;
    actor: AuditActor;
    action: string;
    entityType: string;
    entityId: string;
    data?: Record<string, unknown>;
    at?: Date;
  },
): Promise<void> {
  await db
    .insertInto("audit_events")
    .values({
      company_id: e.companyId,
      actor_kind: e.actor.kind,
      actor_user_id: e.actor.userId ?? null,
      action: e.action,
      entity_type: e.entityType,
      entity_id: e.entityId,
      data: JSON.stringify(e.data ?? {}, (_k, v) => (typeof v === "bigint" ? v.toString() : v)),
      ...(e.at ? { at: e.at } : {}),
    })
    .execute();
}
