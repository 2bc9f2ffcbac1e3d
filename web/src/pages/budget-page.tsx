import { useQuery } from "@tanstack/react-query";
import type { ReactNode } from "react";
import {
  type ActionGate,
  type Budget,
  type BudgetState,
  budgetCsvUrl,
  type CompanyMembership,
  type DocumentKind,
  getBudget,
  getSubmission,
  keys,
  listProjectSubmissions,
  listProjects,
  lockBudget,
  retrieveFromErp,
  type SubmissionSummary,
  sendToErp,
  unlockBudget,
} from "../api.js";
import { PageHeader } from "../components/page-header.js";
import { ErrorState, GatedButton, Loading, Money } from "../components/ui.js";
import { useAction } from "../components/use-action.js";
import { formatDateTime } from "../format.js";
import { Link } from "../router.js";
import {
  BUDGET_DOCUMENTS,
  budgetRibbon,
  canViewErp,
  type DocumentKindDef,
  type Ribbon,
  revisedTotalOf,
  SUBMISSION_STATUS_LABEL,
  sendLabel,
} from "../rules.js";
import { BudgetChangesSection } from "./budget-changes.js";
import { BudgetImportSection } from "./budget-import.js";
import { BudgetLinesSection } from "./budget-lines.js";
import { ProjectNav } from "./project-nav.js";

/** How often the page re-reads the budget while something happens elsewhere (an export, an approver's decision). */
export function budgetRefreshInterval(state: BudgetState | undefined): number | false {
  if (state === "exporting") return 1000;
  if (state === "awaiting_acceptance") return 5000;
  return false;
}

export function BudgetPage({ company, projectId }: { company: CompanyMembership; projectId: string }) {
  const c = company.id;
  const budget = useQuery({
    queryKey: keys.budget(c, projectId),
    queryFn: () => getBudget(c, projectId),
    refetchInterval: (query) => budgetRefreshInterval(query.state.data?.state),
  });
  const history = useQuery({
    queryKey: keys.projectSubmissions(c, projectId),
    queryFn: () => listProjectSubmissions(c, projectId),
    refetchInterval: budgetRefreshInterval(budget.data?.state),
  });

  // Older servers did not name the project in the budget; the first page of projects usually has it.
  const projects = useQuery({
    queryKey: [...keys.projects(c), "page", null],
    queryFn: () => listProjects(c, null, 50),
    enabled: budget.isSuccess && !budget.data.project,
  });
  const project = budget.data?.project ?? projects.data?.items.find((p) => p.id === projectId);
  const title = project ? `Budget: ${project.number} ${project.name}` : "Project budget";
  const projectsHref = `/companies/${encodeURIComponent(c)}/projects`;

  return (
    <>
      <PageHeader
        title={title}
        kicker={
          <>
            {company.name} · <Link to={projectsHref}>Projects</Link> <span aria-hidden="true">/</span>{" "}
            {project ? project.name : "Budget"}
          </>
        }
      />
      <ProjectNav companyId={c} projectId={projectId} current="budget" />
      {budget.isPending ? (
        <Loading label="Loading budget…" />
      ) : budget.isError ? (
        <ErrorState error={budget.error} onRetry={() => budget.refetch()} />
      ) : (
        <BudgetView
          company={company}
          projectId={projectId}
          budget={budget.data}
          history={history.data ?? []}
        />
      )}
    </>
  );
}

export function BudgetView({
  company,
  projectId,
  budget,
  history,
}: {
  company: CompanyMembership;
  projectId: string;
  budget: Budget;
  history: SubmissionSummary[];
}) {
  const c = company.id;
  const invalidate = [keys.budget(c, projectId), keys.projects(c), keys.submissions(c)];
  const lock = useAction({ run: () => lockBudget(c, projectId), success: "Budget locked.", invalidate });
  const unlock = useAction({
    run: () => unlockBudget(c, projectId),
    success: "Budget unlocked.",
    invalidate,
  });
  const label = sendLabel(budget, history);
  // While an export runs, its submission says what it waits for (the Web Connector, a reconnect); only people who
  // can see ERP Integrations may read it, everyone else sees the plain progress.
  const exporting = budget.state === "exporting" ? budget.lastSubmission?.id : undefined;
  const waitingFor = useExportWaitingFor(company, exporting);
  const send = useAction({
    run: () => sendToErp(c, projectId),
    success: "Budget sent to ERP. It now waits for an accounting approver.",
    invalidate,
  });
  const retrieve = useAction({
    run: () => retrieveFromErp(c, projectId),
    success: "Budget retrieved from ERP. You can make changes and send it again.",
    invalidate,
  });
  const busy = lock.isPending || unlock.isPending || send.isPending || retrieve.isPending;

  const ribbon = budgetRibbon(budget, waitingFor);
  const rejectedReason =
    budget.status.key === "rejected"
      ? (budget.lastSubmission?.reason ??
        history.find((s) => s.id === budget.lastSubmission?.id)?.decision?.reason ??
        null)
      : null;

  return (
    <div className="stack">
      <StatusRibbon
        ribbon={ribbon}
        label="Budget status"
        state={budget.state}
        rejectedReason={rejectedReason}
      >
        {budget.changedInQuickBooks ? (
          <p className="ribbon-reason changed-in-quickbooks" role="status">
            <span className="pill pill-changed-in-erp">Changed in QuickBooks</span> Someone changed the
            estimate's lines or job in QuickBooks on {formatDateTime(budget.changedInQuickBooks.at)}. The next
            export asks the approver before it overwrites them.
          </p>
        ) : null}
      </StatusRibbon>

      <section className="toolbar" aria-label="Budget actions">
        {budget.locked ? (
          <GatedButton
            allowed={budget.actions.unlock.allowed}
            reasons={budget.actions.unlock.reasons}
            busy={busy}
            className="button button-secondary"
            onClick={() => unlock.mutate()}
          >
            Unlock Budget
          </GatedButton>
        ) : (
          <GatedButton
            allowed={budget.actions.lock.allowed}
            reasons={budget.actions.lock.reasons}
            busy={busy}
            className="button button-secondary"
            onClick={() => lock.mutate()}
          >
            Lock Budget
          </GatedButton>
        )}
        <SendRetrieveButtons
          actions={budget.actions}
          busy={busy}
          sendLabel={label}
          onSend={() => send.mutate()}
          onRetrieve={() => retrieve.mutate()}
        />
        <a className="button button-link" href={budgetCsvUrl(c, projectId)} download>
          Download CSV
        </a>
      </section>

      <BudgetLinesSection company={company} projectId={projectId} budget={budget} />
      <BudgetImportSection company={company} projectId={projectId} budget={budget} />
      <BudgetChangesSection company={company} projectId={projectId} budget={budget} />
      <SubmissionHistory history={history} />
    </div>
  );
}

/**
 * What a running export waits for (the Web Connector, a reconnect), read from its submission; only people who can
 * see ERP Integrations may read it, everyone else sees the plain progress.
 */
export function useExportWaitingFor(
  company: CompanyMembership,
  exporting: string | undefined,
  kind: DocumentKind = "budget",
): string | null {
  const c = company.id;
  const exportDetail = useQuery({
    queryKey: keys.submission(c, exporting ?? "none", kind),
    queryFn: () => getSubmission(c, exporting ?? "", kind),
    enabled: Boolean(exporting) && canViewErp(company.permissions),
    refetchInterval: 1000,
    retry: false,
  });
  return exporting ? (exportDetail.data?.export?.waitingFor ?? null) : null;
}

/** The coloured band atop a budget or a commitment: where it stands, and the approver's reason after a rejection. */
export function StatusRibbon({
  ribbon,
  label,
  state,
  rejectedReason,
  children,
}: {
  ribbon: Ribbon;
  label: string;
  state: string;
  rejectedReason: string | null;
  children?: ReactNode;
}) {
  return (
    <section
      className={`ribbon ribbon-${ribbon.tone}`}
      aria-label={label}
      aria-live="polite"
      data-state={state}
    >
      <p className="ribbon-title">
        {state === "exporting" ? <span className="spinner spinner-inline" aria-hidden="true" /> : null}
        {ribbon.title}
      </p>
      <p className="ribbon-text">{ribbon.text}</p>
      {rejectedReason ? (
        <p className="ribbon-reason">
          <strong>Reason given:</strong> {rejectedReason}
        </p>
      ) : null}
      {children}
    </section>
  );
}

/** Send to ERP and Retrieve from ERP, each enabled as the server's gate says. */
export function SendRetrieveButtons({
  actions,
  busy,
  sendLabel,
  onSend,
  onRetrieve,
}: {
  actions: { send: ActionGate; retrieve: ActionGate };
  busy: boolean;
  sendLabel: string;
  onSend: () => void;
  onRetrieve: () => void;
}) {
  return (
    <>
      <GatedButton
        allowed={actions.send.allowed}
        reasons={actions.send.reasons}
        busy={busy}
        className="button button-primary"
        onClick={onSend}
      >
        {sendLabel}
      </GatedButton>
      <GatedButton
        allowed={actions.retrieve.allowed}
        reasons={actions.retrieve.reasons}
        busy={busy}
        className="button button-secondary"
        onClick={onRetrieve}
      >
        Retrieve from ERP
      </GatedButton>
    </>
  );
}

export function SubmissionHistory({
  history,
  docs = BUDGET_DOCUMENTS,
}: {
  history: SubmissionSummary[];
  docs?: DocumentKindDef;
}) {
  return (
    <section className="card" aria-labelledby="history-heading">
      <h2 id="history-heading">Submission history</h2>
      {history.length === 0 ? (
        <p className="muted">This {docs.one} has not been sent to ERP yet.</p>
      ) : (
        <div className="table-wrap">
          <table className="table table-stack">
            <thead>
              <tr>
                <th scope="col">Sent at</th>
                <th scope="col">Sent by</th>
                <th scope="col">Status</th>
                <th scope="col" className="num">
                  Lines
                </th>
                <th scope="col" className="num">
                  Revised total
                </th>
                <th scope="col" className="num">
                  Change
                </th>
                <th scope="col">Decision</th>
              </tr>
            </thead>
            <tbody>
              {history.map((s) => (
                <tr key={s.id}>
                  <td data-label="Sent at" className="cell-date">
                    {formatDateTime(s.submittedAt)}
                  </td>
                  <td data-label="Sent by">{s.submittedBy?.name ?? s.submittedBy?.email ?? "—"}</td>
                  <td data-label="Status">
                    {s.replaced ? (
                      <span
                        className="pill pill-sub-replaced"
                        title={`A later export of this ${docs.one} overwrote the ${docs.erpDocument} this one wrote.`}
                      >
                        Replaced
                      </span>
                    ) : (
                      <span className={`pill pill-sub-${s.status}`}>
                        {SUBMISSION_STATUS_LABEL[s.status] ?? s.status}
                      </span>
                    )}
                  </td>
                  <td data-label="Lines" className="num">
                    {s.lineCount}
                  </td>
                  <td data-label="Revised total" className="num">
                    <Money amount={revisedTotalOf(s)} />
                  </td>
                  <td data-label="Change" className="num">
                    <Money amount={s.totals?.delta} signed />
                  </td>
                  <td data-label="Decision">
                    {s.decision?.reason ? <span className="reason">{s.decision.reason}</span> : "—"}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
