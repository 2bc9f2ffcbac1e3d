import { useQuery } from "@tanstack/react-query";
import { useId, useState } from "react";
import type { CompanyMembership } from "../../api.js";
import { EmptyState, ErrorState, Loading } from "../../components/ui.js";
import { formatDateTime } from "../../format.js";
import { Pager } from "../projects-page.js";
import {
  type AuditEvent,
  type AuditFilters,
  adminKeys,
  listAuditEvents,
  listDirectory,
} from "./admin-api.js";
import { canViewDirectory, describeAction } from "./admin-rules.js";

const ENTITY_TYPES: Record<string, string> = {
  user: "People and permissions",
  company: "Company and settings",
  project: "Projects",
  cost_code: "Cost codes",
  category: "Categories",
  erp_connection: "QuickBooks connection",
  submission: "Submissions",
  budget: "Budgets",
};

/** A date input's local day as an instant, so "from" and "to" mean whole days where the reader is. */
function dayStart(value: string, plusDays = 0): string | undefined {
  if (!value) return undefined;
  const [y, m, d] = value.split("-").map(Number) as [number, number, number];
  return new Date(y, m - 1, d + plusDays).toISOString();
}

function actorName(e: AuditEvent): string {
  if (e.actor.kind === "operator") return "Platform operator";
  if (e.actor.kind === "system") return "Costbridge";
  return e.actor.user?.name || e.actor.user?.email || "Unknown user";
}

function summary(data: Record<string, unknown>): string {
  const text = JSON.stringify(data);
  return text === "{}" ? "" : text.length > 240 ? `${text.slice(0, 240)}…` : text;
}

export function AuditTab({ company }: { company: CompanyMembership }) {
  const c = company.id;
  const [entityType, setEntityType] = useState("");
  const [actorUserId, setActor] = useState("");
  const [from, setFrom] = useState("");
  const [to, setTo] = useState("");
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  const cursor = cursors[cursors.length - 1] ?? null;
  const ids = { entity: useId(), actor: useId(), from: useId(), to: useId() };
  const filters: AuditFilters = {
    ...(entityType ? { entityType } : {}),
    ...(actorUserId ? { actorUserId } : {}),
    ...(from ? { from: dayStart(from) } : {}),
    ...(to ? { to: dayStart(to, 1) } : {}),
  };
  const events = useQuery({
    queryKey: adminKeys.audit(c, filters, cursor),
    queryFn: () => listAuditEvents(c, filters, cursor),
  });
  const people = useQuery({
    queryKey: adminKeys.directory(c),
    queryFn: () => listDirectory(c),
    enabled: canViewDirectory(company.permissions),
  });
  const reset = () => setCursors([null]);

  return (
    <div className="stack">
      <fieldset className="filter-bar fields">
        <legend className="sr-only">Filter the audit log</legend>
        <label htmlFor={ids.entity}>What</label>
        <select
          id={ids.entity}
          className="input"
          value={entityType}
          onChange={(e) => {
            setEntityType(e.target.value);
            reset();
          }}
        >
          <option value="">Everything</option>
          {Object.entries(ENTITY_TYPES).map(([k, v]) => (
            <option key={k} value={k}>
              {v}
            </option>
          ))}
        </select>
        <label htmlFor={ids.actor}>Who</label>
        <select
          id={ids.actor}
          className="input"
          value={actorUserId}
          onChange={(e) => {
            setActor(e.target.value);
            reset();
          }}
        >
          <option value="">Anyone</option>
          {(people.data?.items ?? []).map((p) => (
            <option key={p.user.id} value={p.user.id}>
              {p.user.name} ({p.user.email})
            </option>
          ))}
        </select>
        <label htmlFor={ids.from}>From</label>
        <input
          id={ids.from}
          type="date"
          className="input"
          value={from}
          onChange={(e) => {
            setFrom(e.target.value);
            reset();
          }}
        />
        <label htmlFor={ids.to}>To</label>
        <input
          id={ids.to}
          type="date"
          className="input"
          value={to}
          onChange={(e) => {
            setTo(e.target.value);
            reset();
          }}
        />
      </fieldset>
      {events.isPending ? (
        <Loading label="Loading the audit log…" />
      ) : events.isError ? (
        <ErrorState error={events.error} onRetry={() => events.refetch()} />
      ) : events.data.items.length === 0 ? (
        <EmptyState title="No events match." />
      ) : (
        <>
          <div className="table-wrap">
            <table className="table">
              <caption className="sr-only">Audit log of {company.name}</caption>
              <thead>
                <tr>
                  <th scope="col">When</th>
                  <th scope="col">Who</th>
                  <th scope="col">What happened</th>
                  <th scope="col">Subject</th>
                  <th scope="col">Details</th>
                </tr>
              </thead>
              <tbody>
                {events.data.items.map((e) => (
                  <tr key={e.id}>
                    <td>{formatDateTime(e.at)}</td>
                    <td>{actorName(e)}</td>
                    <td>{describeAction(e.action)}</td>
                    <td>
                      {ENTITY_TYPES[e.entity.type] ?? e.entity.type}{" "}
                      <span className="mono small">{e.entity.id}</span>
                    </td>
                    <td className="mono small">{summary(e.data)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <Pager
            hasPrevious={cursors.length > 1}
            hasNext={Boolean(events.data.nextCursor)}
            onPrevious={() => setCursors((cs) => cs.slice(0, -1))}
            onNext={() => setCursors((cs) => [...cs, events.data.nextCursor ?? null])}
          />
        </>
      )}
    </div>
  );
}
