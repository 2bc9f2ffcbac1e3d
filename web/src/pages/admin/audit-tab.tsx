import { useQuery } from "@tanstack/react-query";
import { useId, useState } from "react";
import type { CompanyMembership } from "../../api.js";
import { EmptyState, ErrorState, Loading } from "../../components/ui.js";
import { dayStartIn, formatDateTime, getDisplayTimeZone } from "../../format.js";
import { humanizeKey } from "../../rules.js";
import { Pager } from "../projects-page.js";
import { type AuditFilters, adminKeys, listAuditEvents, listDirectory } from "./admin-api.js";
import { canViewDirectory } from "./admin-rules.js";
import { auditDetails, auditSentence } from "./audit-text.js";

const ENTITY_TYPES: Record<string, string> = {
  user: "People and permissions",
  company: "Company and settings",
  project: "Projects",
  cost_code: "Cost codes",
  category: "Categories",
  erp_connection: "QuickBooks connection",
  submission: "Submissions",
  budget: "Budgets",
  budget_line: "Budgets",
  budget_change: "Budget changes",
  commitment: "Commitments",
  commitment_change_order: "Commitment change orders",
  vendor: "Vendors",
};

export function AuditTab({ company }: { company: CompanyMembership }) {
  const c = company.id;
  const [entityType, setEntityType] = useState("");
  const [actorUserId, setActor] = useState("");
  const [from, setFrom] = useState("");
  const [to, setTo] = useState("");
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  const cursor = cursors[cursors.length - 1] ?? null;
  const ids = { entity: useId(), actor: useId(), from: useId(), to: useId() };
  // "From" and "To" are whole days in the company's time zone, the zone every time below is shown in.
  const zone = getDisplayTimeZone();
  const filters: AuditFilters = {
    ...(entityType ? { entityType } : {}),
    ...(actorUserId ? { actorUserId } : {}),
    ...(from ? { from: dayStartIn(from, zone) } : {}),
    ...(to ? { to: dayStartIn(to, zone, 1) } : {}),
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
      <fieldset className="filter-grid">
        <legend className="sr-only">Filter the audit log</legend>
        <div className="field">
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
        </div>
        <div className="field">
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
        </div>
        <div className="field">
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
        </div>
        <div className="field">
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
        </div>
      </fieldset>
      {zone ? <p className="muted small">Times are in the company's time zone, {zone}.</p> : null}
      {events.isPending ? (
        <Loading label="Loading the audit log…" />
      ) : events.isError ? (
        <ErrorState error={events.error} onRetry={() => events.refetch()} />
      ) : events.data.items.length === 0 ? (
        <EmptyState title="No events match." />
      ) : (
        <>
          <div className="table-wrap">
            <table className="table table-stack audit-table">
              <caption className="sr-only">Audit log of {company.name}</caption>
              <thead>
                <tr>
                  <th scope="col">When</th>
                  <th scope="col">What happened</th>
                  <th scope="col">Details</th>
                </tr>
              </thead>
              <tbody>
                {events.data.items.map((e) => {
                  const details = auditDetails(e);
                  return (
                    <tr key={e.id}>
                      <td data-label="When" className="cell-when">
                        <time dateTime={e.at}>{formatDateTime(e.at)}</time>
                      </td>
                      <td data-label="What happened">
                        {auditSentence(e)}
                        <span className="sub">
                          {ENTITY_TYPES[e.entity.type] ?? humanizeKey(e.entity.type)}
                        </span>
                      </td>
                      <td data-label="Details">
                        {details.length === 0 ? (
                          <span className="muted">—</span>
                        ) : (
                          <dl className="kv">
                            {details.map(([k, v]) => (
                              <div key={k}>
                                <dt>{k}</dt>
                                <dd>{v}</dd>
                              </div>
                            ))}
                          </dl>
                        )}
                      </td>
                    </tr>
                  );
                })}
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
