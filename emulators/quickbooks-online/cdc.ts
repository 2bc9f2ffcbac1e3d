import { CHANGE_RETENTION_MS } from "./core.js";
import { type Obj, QboFault } from "./faults.js";
import { ENTITY_NAMES, type EntityName, type RealmState } from "./state.js";
import { formatTimestamp } from "./time.js";

/** The most objects one change data capture answer holds, across all entities asked for. */
export const CDC_MAX_OBJECTS = 1000;

function parseChangedSince(raw: unknown, nowMs: number): number {
  if (typeof raw !== "string" || raw.trim() === "") {
    throw new QboFault("2020", "Required parameter changedSince is missing in the request", "changedSince");
  }
  // A date alone is midnight in the company's zone; a date-time carries its own offset (or is UTC).
  const text = raw.trim();
  const ms = /^\d{4}-\d{2}-\d{2}$/.test(text) ? Date.parse(`${text}T00:00:00-08:00`) : Date.parse(text);
  if (Number.isNaN(ms)) {
    throw new QboFault(
      "2010",
      `Property Name:changedSince specified value ${text} is not supported`,
      "changedSince",
    );
  }
  if (ms < nowMs - CHANGE_RETENTION_MS) {
    throw new QboFault(
      "4001",
      "Invalid query: changedSince must be within the last 30 days.",
      "changedSince",
    );
  }
  return ms;
}

function parseEntities(raw: unknown): string[] {
  if (typeof raw !== "string" || raw.trim() === "") {
    throw new QboFault("2020", "Required parameter entities is missing in the request", "entities");
  }
  return [
    ...new Set(
      raw
        .split(",")
        .map((s) => s.trim())
        .filter(Boolean),
    ),
  ];
}

/**
 * `GET /v3/company/{realm}/cdc?entities=A,B&changedSince=…`: every object of the listed entities changed at or
 * after `changedSince` (at most 30 days back), as it is now, oldest change first; a deleted transaction appears as
 * `{status: "Deleted", Id}`. At most 1,000 objects per answer: the oldest are kept, so a client that moves its
 * `changedSince` to the newest `LastUpdatedTime` it got catches up over several calls.
 */
export function changeDataCapture(realm: RealmState, query: Record<string, unknown>, nowMs: number): Obj {
  const since = parseChangedSince(query.changedSince, nowMs);
  const asked = parseEntities(query.entities);
  const known = new Map<string, EntityName>(ENTITY_NAMES.map((n) => [n.toLowerCase(), n]));
  const wanted = new Set(asked.map((a) => known.get(a.toLowerCase())).filter((n): n is EntityName => !!n));
  // The newest change of each object since `since`, in the order of those changes.
  const last = new Map<string, { entity: EntityName; id: string; at: number; deleted: boolean }>();
  for (const change of realm.changes ?? []) {
    if (change.at < since || !wanted.has(change.entity)) continue;
    const key = `${change.entity}\u0000${change.id}`;
    last.delete(key);
    last.set(key, {
      entity: change.entity,
      id: change.id,
      at: change.at,
      deleted: change.operation === "Delete" && !realm.entities[change.entity][change.id],
    });
  }
  const byEntity = new Map<EntityName, Obj[]>();
  let count = 0;
  for (const entry of last.values()) {
    if (count >= CDC_MAX_OBJECTS) break;
    const current = realm.entities[entry.entity][entry.id];
    let object: Obj;
    if (current && !entry.deleted) object = structuredClone(current);
    else if (entry.deleted)
      object = {
        domain: "QBO",
        status: "Deleted",
        Id: entry.id,
        MetaData: { LastUpdatedTime: formatTimestamp(entry.at) },
      };
    else continue;
    byEntity.set(entry.entity, [...(byEntity.get(entry.entity) ?? []), object]);
    count++;
  }
  const responses = asked.map((name) => {
    const entity = known.get(name.toLowerCase());
    const list = entity ? byEntity.get(entity) : undefined;
    if (!entity || !list || list.length === 0) return {};
    return { [entity]: list, startPosition: 1, maxResults: list.length, totalCount: list.length };
  });
  return { CDCResponse: [{ QueryResponse: responses }] };
}
