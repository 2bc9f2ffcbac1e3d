import { useQueries, useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useEffect, useId, useRef, useState } from "react";
import {
  type CompanyMembership,
  type Connection,
  type DecisionInput,
  type DecisionResult,
  decideSubmissions,
  getConnection,
  getSubmission,
  keys,
  listSubmissions,
  retrySubmission,
  type SubmissionDecision,
  type SubmissionList,
  type SubmissionSummary,
} from "../api.js";
import { Dialog } from "../components/dialog.js";
import { useToast } from "../components/toast.js";
import { EmptyState, ErrorState, errorMessage, Loading, Money } from "../components/ui.js";
import { useAction } from "../components/use-action.js";
import { formatDateTime, plural } from "../format.js";
import { Link, useLocation, useNavigate } from "../router.js";
import {
  BUDGET_DOCUMENTS,
  buildDecisions,
  type Choice,
  COMMITMENT_KIND_LABEL,
  canDecide,
  canViewBudget,
  type DocumentKindDef,
  type FilterDef,
  filterCount,
  isErpAdmin,
  isSettled,
  MAX_REASON_LENGTH,
  parseFilter,
  revisedTotalOf,
  SUBMISSION_STATUS_LABEL,
  submissionLabel,
  submissionStatusLabel,
  waitingText,
} from "../rules.js";
import { BudgetUpdatesDialog } from "./budget-updates.js";
import { Pager } from "./projects-page.js";

const PAGE_SIZE = 50;

interface ShownResult {
  submissionId: string;
  project: string;
  ok: boolean;
  text: string;
  /** Accepted or retried: the export is followed live until it settles. */
  track: boolean;
}

function deciderName(by: SubmissionDecision["by"]): string {
  if (!by) return "someone no longer in the directory";
  return typeof by === "string" ? by : (by.name ?? by.email ?? "—");
}

function describeResult(result: DecisionResult, decision: DecisionInput | undefined): string {
  if (!result.ok) return result.error?.message ?? "Could not be processed.";
  if (result.status === "exporting") return "Accepted.";
  if (result.status === "rejected") return "Rejected and returned to the project manager.";
  if (result.status) return SUBMISSION_STATUS_LABEL[result.status] ?? result.status;
  return decision?.action === "reject" ? "Rejected." : "Accepted.";
}

export function ErpBudgetsTab({ company }: { company: CompanyMembership }) {
  return <ErpSubmissionsTab company={company} docs={BUDGET_DOCUMENTS} />;
}

/** One kind of document in ERP Integrations: counts by status, the filtered list, decisions and retries. */
export function ErpSubmissionsTab({ company, docs }: { company: CompanyMembership; docs: DocumentKindDef }) {
  const c = company.id;
  const location = useLocation();
  const navigate = useNavigate();
  const params = new URLSearchParams(location.search);
  const filter = parseFilter(params.get("filter"), docs.filters);
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  const cursor = cursors[cursors.length - 1] ?? null;
  const selectId = useId();

  // A new filter starts again from the first page.
  // biome-ignore lint/correctness/useExhaustiveDependencies: reset only when the filter changes
  useEffect(() => setCursors([null]), [filter.key]);

  const list = useQuery({
    queryKey: keys.submissionList(c, filter.key, cursor, docs.kind),
    queryFn: () => listSubmissions(c, { status: filter.key, cursor, limit: PAGE_SIZE }, docs.kind),
    refetchInterval: (query) =>
      filter.key === "exporting" || query.state.data?.items.some((s) => s.status === "exporting")
        ? 1000
        : false,
  });

  // Approvers are told before they choose: accepting or retrying while QuickBooks is disconnected would only queue.
  const mayDecide = canDecide(company.permissions);
  const connection = useQuery({
    queryKey: keys.connection(c),
    queryFn: () => getConnection(c),
    enabled: mayDecide,
  });
  const exportBlocked = mayDecide && connection.data ? connection.data.status !== "connected" : false;

  const chooseFilter = (key: string) => {
    const next = new URLSearchParams(location.search);
    next.set("filter", key);
    navigate(`${location.pathname}?${next.toString()}`);
  };

  return (
    <div className="erp-layout">
      <aside className="side-pane" aria-labelledby="counts-heading">
        <h2 id="counts-heading" className="side-heading">
          {docs.title} by status
        </h2>
        <ul className="counts">
          {docs.filters.map((f) => {
            const count = filterCount(f, list.data?.counts);
            return (
              <li key={f.key}>
                <a
                  href={`${location.pathname}?filter=${encodeURIComponent(f.key)}`}
                  className={`count-link${f.key === filter.key ? " is-current" : ""}${f.key === "failed" && count > 0 ? " is-alert" : ""}`}
                  aria-current={f.key === filter.key ? "true" : undefined}
                  onClick={(event) => {
                    if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey) return;
                    event.preventDefault();
                    chooseFilter(f.key);
                  }}
                >
                  <span className="count-label">{f.label}</span>
                  <span className="count-value">{list.data ? count : "…"}</span>
                </a>
              </li>
            );
          })}
        </ul>
      </aside>

      <div className="erp-main">
        {exportBlocked ? (
          <div className="notice notice-warning" role="alert">
            <p>
              <strong>QuickBooks is not connected.</strong> Accepting, exporting and retrying {docs.many} are
              off until an ERP admin connects it again
              {isErpAdmin(company.permissions) ? (
                <>
                  {" "}
                  (<Link to={`/companies/${encodeURIComponent(c)}/erp/connection`}>reconnect QuickBooks</Link>
                  )
                </>
              ) : null}
              . You can still review {docs.many} and reject them.
            </p>
          </div>
        ) : null}
        <div className="filter-bar">
          <label htmlFor={selectId}>{docs.filterLabel}</label>
          <select
            id={selectId}
            className="input"
            value={filter.key}
            onChange={(e) => chooseFilter(e.target.value)}
          >
            {docs.filters.map((f) => (
              <option key={f.key} value={f.key}>
                {f.label}
              </option>
            ))}
          </select>
        </div>
        <h2 className="list-heading">{filter.heading}</h2>
        {list.isPending ? (
          <Loading label={`Loading ${docs.many}…`} />
        ) : list.isError ? (
          <ErrorState error={list.error} onRetry={() => list.refetch()} />
        ) : (
          <SubmissionsView
            key={filter.key + String(cursor)}
            company={company}
            docs={docs}
            filter={filter}
            list={list.data}
            exportBlocked={exportBlocked}
          />
        )}
        {list.data ? (
          <Pager
            hasPrevious={cursors.length > 1}
            hasNext={Boolean(list.data.nextCursor)}
            onPrevious={() => setCursors((all) => all.slice(0, -1))}
            onNext={() => setCursors((all) => [...all, list.data?.nextCursor ?? null])}
          />
        ) : null}
      </div>
    </div>
  );
}

export function SubmissionsView({
  company,
  docs = BUDGET_DOCUMENTS,
  filter,
  list,
  exportBlocked = false,
}: {
  company: CompanyMembership;
  docs?: DocumentKindDef;
  filter: FilterDef;
  list: SubmissionList;
  /** QuickBooks is not connected: nothing can be accepted or retried. */
  exportBlocked?: boolean;
}) {
  const [details, setDetails] = useState<string | null>(null);
  const mayDecide = canDecide(company.permissions);
  const detailsDialog = details ? (
    <BudgetUpdatesDialog
      company={company}
      docs={docs}
      submissionId={details}
      exportBlocked={exportBlocked}
      onClose={() => setDetails(null)}
    />
  ) : null;

  if (filter.key === "ready_to_export") {
    return (
      <>
        <ReadyList
          company={company}
          docs={docs}
          items={list.items}
          mayDecide={mayDecide}
          exportBlocked={exportBlocked}
          onDetails={setDetails}
          empty={filter.empty}
        />
        {detailsDialog}
      </>
    );
  }
  if (filter.key === "failed") {
    return (
      <>
        <FailedList
          company={company}
          docs={docs}
          items={list.items}
          mayDecide={mayDecide}
          exportBlocked={exportBlocked}
          onDetails={setDetails}
          empty={filter.empty}
        />
        {detailsDialog}
      </>
    );
  }
  if (list.items.length === 0) return <EmptyState title={filter.empty} />;
  return (
    <>
      <div className="table-wrap">
        <table className="table table-money table-stack">
          <thead>
            <tr>
              <CommonHeaders docs={docs} />
              <th scope="col">Status</th>
              <th scope="col">
                <span className="sr-only">Details</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {list.items.map((s) => (
              <tr key={s.id}>
                <CommonCells company={company} docs={docs} submission={s} />
                <td data-label="Status">
                  {/* One block, so on a phone the status, who and the reason stack under each other. */}
                  <div className="status-stack">
                    <span className={`pill pill-sub-${s.status}`}>
                      {s.status === "exporting" ? (
                        <span className="spinner spinner-inline" aria-hidden="true" />
                      ) : null}
                      {submissionStatusLabel(s)}
                    </span>
                    {s.status === "exporting" && s.waitingFor ? (
                      <span className="sub">{waitingText(s.waitingFor)}</span>
                    ) : null}
                    {(s.status === "rejected" || s.status === "retrieved") && s.decision ? (
                      <span className="sub decided">
                        {s.status === "rejected" ? "Rejected" : "Retrieved"} by {deciderName(s.decision.by)}{" "}
                        on {formatDateTime(s.decision.at)}
                      </span>
                    ) : null}
                    {s.status === "rejected" && s.reason ? (
                      <span className="sub reason">{s.reason}</span>
                    ) : null}
                    {s.changedInQuickBooksAt ? (
                      <span
                        className="pill pill-changed-in-erp"
                        title={`Changed in QuickBooks on ${formatDateTime(s.changedInQuickBooksAt)}`}
                      >
                        Changed in QuickBooks
                      </span>
                    ) : null}
                  </div>
                </td>
                <td>
                  <DetailsButton onClick={() => setDetails(s.id)} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {detailsDialog}
    </>
  );
}

function CommonHeaders({ docs }: { docs: DocumentKindDef }) {
  return (
    <>
      <th scope="col">Project</th>
      {docs.kind === "commitment" ? <th scope="col">Commitment</th> : null}
      <th scope="col">Sent by</th>
      <th scope="col">Sent at</th>
      <th scope="col" className="num">
        Lines
      </th>
      <th scope="col" className="num">
        {docs.revisedTotal}
      </th>
      <th scope="col" className="num">
        Change since last export
      </th>
    </>
  );
}

/** The project, linked to its budget (or its commitments) for those who may open it. */
function ProjectCell({
  company,
  project,
  docs = BUDGET_DOCUMENTS,
}: {
  company: CompanyMembership;
  project: SubmissionSummary["project"];
  docs?: DocumentKindDef;
}) {
  const page = docs.kind === "commitment" ? "commitments" : "budget";
  const href = `/companies/${encodeURIComponent(company.id)}/projects/${encodeURIComponent(project.id)}/${page}`;
  return (
    <th scope="row" className="cell-project">
      <span className="mono">{project.number}</span>{" "}
      {canViewBudget(company.permissions) ? <Link to={href}>{project.name}</Link> : project.name}
    </th>
  );
}

/** The commitment a submission carries: its number and title (linked), its kind and vendor. */
function CommitmentCell({
  company,
  submission: s,
}: {
  company: CompanyMembership;
  submission: SubmissionSummary;
}) {
  if (!s.commitment) return <td data-label="Commitment">—</td>;
  const href = `/companies/${encodeURIComponent(company.id)}/projects/${encodeURIComponent(s.project.id)}/commitments/${encodeURIComponent(s.commitment.id)}`;
  return (
    <td data-label="Commitment">
      <div className="status-stack">
        <span>
          <span className="mono">{s.commitment.number}</span>{" "}
          {canViewBudget(company.permissions) ? (
            <Link to={href}>{s.commitment.title}</Link>
          ) : (
            s.commitment.title
          )}
        </span>
        <span className="sub">
          {COMMITMENT_KIND_LABEL[s.commitment.kind] ?? s.commitment.kind}
          {s.vendor ? ` · ${s.vendor.name}` : ""}
        </span>
      </div>
    </td>
  );
}

function CommonCells({
  company,
  docs,
  submission: s,
}: {
  company: CompanyMembership;
  docs: DocumentKindDef;
  submission: SubmissionSummary;
}) {
  return (
    <>
      <ProjectCell company={company} project={s.project} docs={docs} />
      {docs.kind === "commitment" ? <CommitmentCell company={company} submission={s} /> : null}
      <td data-label="Sent by">{s.submittedBy?.name ?? s.submittedBy?.email}</td>
      <td data-label="Sent at" className="cell-date">
        {formatDateTime(s.submittedAt)}
      </td>
      <td data-label="Lines" className="num">
        {s.lineCount}
      </td>
      <td data-label={docs.revisedTotal} className="num">
        <Money amount={revisedTotalOf(s)} />
      </td>
      <td data-label="Change since last export" className="num">
        <Money amount={s.totals?.delta} signed />
      </td>
    </>
  );
}

function DetailsButton({ onClick }: { onClick: () => void }) {
  return (
    <button type="button" className="button button-small button-secondary" onClick={onClick}>
      Details
    </button>
  );
}

function useDecide(company: CompanyMembership, items: SubmissionSummary[], docs: DocumentKindDef) {
  const queryClient = useQueryClient();
  const toast = useToast();
  const [results, setResults] = useState<ShownResult[]>([]);
  const [pending, setPending] = useState(false);

  const run = async (decisions: DecisionInput[]): Promise<boolean> => {
    setPending(true);
    try {
      const response = await decideSubmissions(company.id, decisions, docs.kind);
      const shown = response.results.map((result) => {
        const decision = decisions.find((d) => d.submissionId === result.submissionId);
        const item = items.find((s) => s.id === result.submissionId);
        return {
          submissionId: result.submissionId,
          project: item ? submissionLabel(item) : result.submissionId,
          ok: result.ok,
          text: describeResult(result, decision),
          track: result.ok && decision?.action === "accept",
        };
      });
      setResults(shown);
      const accepted = shown.filter((r) => r.ok && r.track).length;
      const rejected = shown.filter((r) => r.ok && !r.track).length;
      const failed = shown.length - accepted - rejected;
      // An ERP whose agent polls (QuickBooks Desktop's Web Connector) takes the estimate only when it next polls:
      // say so, not "sent".
      const connection = queryClient.getQueryData<Connection>(keys.connection(company.id));
      const desktop = connection?.connectionFlow === "agent_credentials";
      const erpName = connection?.label ?? "the ERP";
      const done = [
        accepted > 0
          ? desktop
            ? `${plural(accepted, docs.one)} accepted; waiting for the Web Connector to write ${accepted === 1 ? "it" : "them"} to ${erpName}`
            : `${plural(accepted, docs.one)} accepted and sent to ${erpName}`
          : null,
        rejected > 0 ? `${plural(rejected, docs.one)} rejected` : null,
      ].filter(Boolean);
      if (done.length > 0) toast.success(`${done.join("; ")}.`);
      if (failed > 0)
        toast.error(`${plural(failed, docs.one)} could not be processed. See the results above the list.`);
      return true;
    } catch (error) {
      toast.error(errorMessage(error));
      return false;
    } finally {
      setPending(false);
      await queryClient.invalidateQueries({ queryKey: keys.submissions(company.id) });
      await queryClient.invalidateQueries({ queryKey: documentKey(docs, company.id) });
    }
  };
  const track = (result: ShownResult) =>
    setResults((all) => [result, ...all.filter((r) => r.submissionId !== result.submissionId)]);
  return { run, track, results, pending, clearResults: () => setResults([]) };
}

/** What a document page reads, refreshed when one of its submissions moves. */
function documentKey(docs: DocumentKindDef, companyId: string): readonly unknown[] {
  return docs.kind === "commitment" ? keys.allCommitments(companyId) : ["budget", companyId];
}

/** The live state of one accepted (or retried) export: read every second until it settles. */
function LiveStatus({
  company,
  docs,
  submissionId,
}: {
  company: CompanyMembership;
  docs: DocumentKindDef;
  submissionId: string;
}) {
  const queryClient = useQueryClient();
  const detail = useQuery({
    queryKey: keys.submission(company.id, submissionId, docs.kind),
    queryFn: () => getSubmission(company.id, submissionId, docs.kind),
    refetchInterval: (query) => (isSettled(query.state.data?.status) ? false : 1000),
  });
  const status = detail.data?.status;
  const waitingFor = detail.data?.export?.waitingFor ?? null;
  // When the export settles, the lists and their counts move too.
  useEffect(() => {
    if (status && isSettled(status)) {
      void queryClient.invalidateQueries({ queryKey: [...keys.submissions(company.id), "list"] });
      void queryClient.invalidateQueries({ queryKey: documentKey(docs, company.id) });
    }
  }, [status, company.id, queryClient, docs]);
  if (!detail.data) {
    return (
      <span className="live-status">
        <span className="spinner spinner-inline" aria-hidden="true" />
        Exporting to QuickBooks…
      </span>
    );
  }
  const lastError = detail.data.export?.lastError;
  return (
    <span className="live-status">
      <span className={`pill pill-sub-${status}`}>
        {status === "exporting" ? <span className="spinner spinner-inline" aria-hidden="true" /> : null}
        {submissionStatusLabel({ status: detail.data.status, waitingFor })}
      </span>
      {status === "exporting" && waitingFor ? <span className="sub">{waitingText(waitingFor)}</span> : null}
      {status === "failed" && lastError ? (
        <span className="sub error-text">
          {lastError.message} Open Failed to Export to retry or reject it.
        </span>
      ) : null}
    </span>
  );
}

function ResultsPanel({
  company,
  docs,
  results,
  onDismiss,
}: {
  company: CompanyMembership;
  docs: DocumentKindDef;
  results: ShownResult[];
  onDismiss: () => void;
}) {
  if (results.length === 0) return null;
  return (
    <section className="results" aria-labelledby="results-heading">
      <div className="card-head">
        <h3 id="results-heading">Results</h3>
        <button type="button" className="button button-small button-secondary" onClick={onDismiss}>
          Dismiss results
        </button>
      </div>
      <ul aria-live="polite">
        {results.map((r) => (
          <li key={r.submissionId} className={r.ok ? "result-ok" : "result-error"}>
            <strong>{r.project}:</strong> {r.text}{" "}
            {r.track ? <LiveStatus company={company} docs={docs} submissionId={r.submissionId} /> : null}
          </li>
        ))}
      </ul>
    </section>
  );
}

function ReadyList({
  company,
  docs,
  items,
  mayDecide,
  exportBlocked,
  onDetails,
  empty,
}: {
  company: CompanyMembership;
  docs: DocumentKindDef;
  items: SubmissionSummary[];
  mayDecide: boolean;
  exportBlocked: boolean;
  onDetails: (id: string) => void;
  empty: string;
}) {
  const [choices, setChoices] = useState<Record<string, Choice | undefined>>({});
  const [askReason, setAskReason] = useState(false);
  const decide = useDecide(company, items, docs);
  const chosen = items.filter((s) => choices[s.id]);
  const rejectCount = items.filter((s) => choices[s.id] === "reject").length;
  const exportHint = useId();

  const submit = async (reasons: Record<string, string>) => {
    const visible = Object.fromEntries(items.map((s) => [s.id, choices[s.id]]));
    const ok = await decide.run(buildDecisions(visible, reasons));
    if (ok) {
      setChoices({});
      setAskReason(false);
    }
  };

  const onExport = () => {
    if (chosen.length === 0) return;
    if (rejectCount > 0) setAskReason(true);
    else void submit({});
  };

  const setAll = (choice: Choice | undefined) =>
    setChoices(Object.fromEntries(items.map((s) => [s.id, choice])));

  return (
    <>
      <ResultsPanel company={company} docs={docs} results={decide.results} onDismiss={decide.clearResults} />
      {items.length === 0 ? (
        <EmptyState title={empty} />
      ) : (
        <>
          {mayDecide ? (
            <fieldset className="bulk-bar">
              <legend className="sr-only">Choose for every {docs.one} on this page</legend>
              <button
                type="button"
                className="button button-small button-secondary"
                disabled={exportBlocked}
                onClick={() => setAll("accept")}
              >
                Accept all
              </button>
              <button
                type="button"
                className="button button-small button-secondary"
                onClick={() => setAll("reject")}
              >
                Reject all
              </button>
              <button
                type="button"
                className="button button-small button-secondary"
                onClick={() => setAll(undefined)}
              >
                Clear choices
              </button>
            </fieldset>
          ) : (
            <p className="notice notice-info">
              You can review these {docs.many}. Accepting or rejecting them needs Standard or Admin access to
              ERP Integrations and the Can Push to Accounting privilege.
            </p>
          )}
          <div className="table-wrap">
            <table className="table table-money table-stack">
              <thead>
                <tr>
                  <CommonHeaders docs={docs} />
                  <th scope="col">
                    <span className="sr-only">Details</span>
                  </th>
                  {mayDecide ? <th scope="col">Decision</th> : null}
                </tr>
              </thead>
              <tbody>
                {items.map((s) => (
                  <tr key={s.id} className={choices[s.id] ? `row-${choices[s.id]}` : undefined}>
                    <CommonCells company={company} docs={docs} submission={s} />
                    <td>
                      <DetailsButton onClick={() => onDetails(s.id)} />
                    </td>
                    {mayDecide ? (
                      <td data-label="Decision">
                        <div
                          className="decision"
                          role="radiogroup"
                          aria-label={`Decision for ${submissionLabel(s)}`}
                        >
                          {(["accept", "reject"] as const).map((choice) => (
                            <label key={choice} className={`radio radio-${choice}`}>
                              <input
                                type="radio"
                                name={`decision-${s.id}`}
                                value={choice}
                                checked={choices[s.id] === choice}
                                disabled={choice === "accept" && exportBlocked}
                                onChange={() => setChoices((all) => ({ ...all, [s.id]: choice }))}
                              />
                              {choice === "accept" ? "Accept" : "Reject"}
                            </label>
                          ))}
                        </div>
                      </td>
                    ) : null}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          {mayDecide ? (
            <div className="export-bar">
              <p id={exportHint} className="muted small">
                {chosen.length === 0
                  ? `Choose Accept or Reject for the ${docs.many} you want to process.`
                  : `${plural(chosen.length - rejectCount, docs.one)} to accept, ${plural(rejectCount, docs.one)} to reject.`}
              </p>
              <button
                type="button"
                className="button button-primary"
                disabled={chosen.length === 0 || decide.pending}
                aria-describedby={exportHint}
                aria-busy={decide.pending || undefined}
                onClick={onExport}
              >
                Export
              </button>
            </div>
          ) : null}
        </>
      )}
      {askReason ? (
        <ReasonDialog
          docs={docs}
          budgets={items.filter((s) => choices[s.id] === "reject").map(targetOf)}
          busy={decide.pending}
          onCancel={() => setAskReason(false)}
          onReject={(reasons) => void submit(reasons)}
        />
      ) : null}
    </>
  );
}

function FailedList({
  company,
  docs,
  items,
  mayDecide,
  exportBlocked,
  onDetails,
  empty,
}: {
  company: CompanyMembership;
  docs: DocumentKindDef;
  items: SubmissionSummary[];
  mayDecide: boolean;
  exportBlocked: boolean;
  onDetails: (id: string) => void;
  empty: string;
}) {
  const c = company.id;
  // List items carry their last error; the detail is read only where a server left it out.
  const details = useQueries({
    queries: items.map((s) => ({
      queryKey: keys.submission(c, s.id, docs.kind),
      queryFn: () => getSubmission(c, s.id, docs.kind),
      enabled: !s.lastError,
    })),
  });
  const [rejecting, setRejecting] = useState<Record<string, boolean>>({});
  const [askReason, setAskReason] = useState(false);
  const decide = useDecide(company, items, docs);
  const retry = useAction({
    run: (s: SubmissionSummary) => retrySubmission(c, s.id, docs.kind),
    success: (_r, s) => `Export of ${submissionLabel(s)} is being retried.`,
    invalidate: [keys.submissions(c), documentKey(docs, c)],
    onSuccess: (_r, s) =>
      decide.track({
        submissionId: s.id,
        project: submissionLabel(s),
        ok: true,
        text: "Retried.",
        track: true,
      }),
  });
  const toReject = items.filter((s) => rejecting[s.id]);

  const submit = async (reasons: Record<string, string>) => {
    const decisions: DecisionInput[] = toReject.map((s) => ({
      submissionId: s.id,
      action: "reject",
      reason: reasons[s.id] ?? "",
    }));
    if (await decide.run(decisions)) {
      setRejecting({});
      setAskReason(false);
    }
  };

  return (
    <>
      <ResultsPanel company={company} docs={docs} results={decide.results} onDismiss={decide.clearResults} />
      {items.length === 0 ? (
        <EmptyState title={empty} />
      ) : (
        <>
          <div className="table-wrap">
            <table className="table table-stack">
              <thead>
                <tr>
                  <th scope="col">Project</th>
                  {docs.kind === "commitment" ? <th scope="col">Commitment</th> : null}
                  <th scope="col">Sent by</th>
                  <th scope="col">Sent at</th>
                  <th scope="col" className="num">
                    {docs.revisedTotal}
                  </th>
                  <th scope="col">Failed</th>
                  <th scope="col">Error</th>
                  <th scope="col">
                    <span className="sr-only">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {items.map((s, index) => {
                  const detail = details[index];
                  const lastError = s.lastError ?? detail?.data?.export?.lastError;
                  return (
                    <tr key={s.id}>
                      <ProjectCell company={company} project={s.project} docs={docs} />
                      {docs.kind === "commitment" ? (
                        <CommitmentCell company={company} submission={s} />
                      ) : null}
                      <td data-label="Sent by">{s.submittedBy?.name ?? s.submittedBy?.email}</td>
                      <td data-label="Sent at" className="cell-date">
                        {formatDateTime(s.submittedAt)}
                      </td>
                      <td data-label={docs.revisedTotal} className="num">
                        <Money amount={revisedTotalOf(s)} />
                      </td>
                      <td data-label="Failed" className="cell-date">
                        {s.failedAt ? (
                          <div className="status-stack">
                            <span className="nowrap">{formatDateTime(s.failedAt)}</span>
                            <span className="sub">after {plural(s.attempts ?? 1, "attempt")}</span>
                          </div>
                        ) : (
                          "—"
                        )}
                      </td>
                      <td className="cell-error">
                        {!lastError && detail?.isFetching ? (
                          <span className="muted">Loading…</span>
                        ) : lastError ? (
                          <>
                            <span className="error-text">{lastError.message}</span>
                            {lastError.remedy ? <span className="sub">{lastError.remedy}</span> : null}
                          </>
                        ) : (
                          <span className="muted">No error details recorded.</span>
                        )}
                      </td>
                      <td className="row-actions row-actions-stacked">
                        <DetailsButton onClick={() => onDetails(s.id)} />
                        {mayDecide ? (
                          <>
                            <button
                              type="button"
                              className="button button-small button-primary"
                              disabled={retry.isPending || exportBlocked}
                              aria-busy={retry.isPending || undefined}
                              onClick={() => retry.mutate(s)}
                            >
                              Retry
                            </button>
                            <label className="radio radio-reject">
                              <input
                                type="checkbox"
                                checked={Boolean(rejecting[s.id])}
                                onChange={(e) =>
                                  setRejecting((all) => ({ ...all, [s.id]: e.target.checked }))
                                }
                              />
                              Mark to reject
                            </label>
                          </>
                        ) : null}
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
          {mayDecide ? (
            <div className="export-bar">
              <p className="muted small">
                Retry writes the {docs.one} to QuickBooks again. Reject hands it back to the project manager
                with your reason.
              </p>
              <button
                type="button"
                className="button button-danger"
                disabled={toReject.length === 0 || decide.pending}
                onClick={() => setAskReason(true)}
              >
                Reject marked {docs.many}…
              </button>
            </div>
          ) : null}
        </>
      )}
      {askReason ? (
        <ReasonDialog
          docs={docs}
          budgets={toReject.map(targetOf)}
          busy={decide.pending}
          onCancel={() => setAskReason(false)}
          onReject={(reasons) => void submit(reasons)}
        />
      ) : null}
    </>
  );
}

/** A budget or commitment named in the Reject dialog. */
export interface RejectTarget {
  submissionId: string;
  /** "E1042 Harbor Lofts" */
  label: string;
}

export const targetOf = (s: SubmissionSummary): RejectTarget => ({
  submissionId: s.id,
  label: submissionLabel(s),
});

/**
 * Names every budget being rejected. One budget takes one reason; several take a reason each (or, when the
 * approver says so, one reason for all of them).
 */
export function ReasonDialog({
  docs = BUDGET_DOCUMENTS,
  budgets,
  busy,
  onCancel,
  onReject,
}: {
  docs?: DocumentKindDef;
  budgets: RejectTarget[];
  busy: boolean;
  onCancel: () => void;
  /** The reason for each submission, trimmed and never blank. */
  onReject: (reasons: Record<string, string>) => void;
}) {
  const several = budgets.length > 1;
  const [same, setSame] = useState(false);
  const [shared, setShared] = useState("");
  const [reasons, setReasons] = useState<Record<string, string>>({});
  const [missing, setMissing] = useState<string[]>([]);
  const baseId = useId();
  const first = useRef<HTMLTextAreaElement>(null);
  const perBudget = several && !same;

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const chosen = Object.fromEntries(
      budgets.map((b) => [b.submissionId, (perBudget ? (reasons[b.submissionId] ?? "") : shared).trim()]),
    );
    const blank = perBudget
      ? budgets.filter((b) => !chosen[b.submissionId]).map((b) => b.submissionId)
      : shared.trim()
        ? []
        : ["all"];
    setMissing(blank);
    if (blank.length > 0) {
      const at = perBudget ? budgets.findIndex((b) => b.submissionId === blank[0]) : 0;
      document.getElementById(`${baseId}-${at}`)?.focus();
      return;
    }
    onReject(chosen);
  };

  const title = several ? `Reject ${budgets.length} ${docs.many}` : `Reject ${budgets[0]?.label ?? docs.one}`;
  const missingText = "Enter a reason: the project manager sees it in the rejection email.";

  return (
    <Dialog
      title={title}
      description={`The project manager gets your reason by email and can change the ${docs.one} and send it again.`}
      onClose={onCancel}
      initialFocus={first}
      size={several ? "large" : "small"}
    >
      <form onSubmit={submit} noValidate className="stack">
        {several ? (
          <>
            <ul className="reject-names" aria-label={`${docs.title} to reject`}>
              {budgets.map((b) => (
                <li key={b.submissionId}>{b.label}</li>
              ))}
            </ul>
            <label className="radio">
              <input type="checkbox" checked={same} onChange={(e) => setSame(e.target.checked)} />
              Use one reason for all {budgets.length}
            </label>
          </>
        ) : null}
        {perBudget ? (
          budgets.map((b, index) => {
            const id = `${baseId}-${index}`;
            const bad = missing.includes(b.submissionId);
            return (
              <div className="field" key={b.submissionId}>
                <label htmlFor={id}>Reason for {b.label}</label>
                <textarea
                  id={id}
                  ref={index === 0 ? first : undefined}
                  className="input"
                  rows={2}
                  maxLength={MAX_REASON_LENGTH}
                  value={reasons[b.submissionId] ?? ""}
                  aria-invalid={bad || undefined}
                  aria-describedby={bad ? `${id}-error` : undefined}
                  onChange={(e) => setReasons((all) => ({ ...all, [b.submissionId]: e.target.value }))}
                />
                {bad ? (
                  <p id={`${id}-error`} className="field-error" role="alert">
                    {missingText}
                  </p>
                ) : null}
              </div>
            );
          })
        ) : (
          <div className="field">
            <label htmlFor={`${baseId}-0`}>{several ? `Reason for all ${budgets.length}` : "Reason"}</label>
            <textarea
              id={`${baseId}-0`}
              ref={first}
              className="input"
              rows={4}
              maxLength={MAX_REASON_LENGTH}
              value={shared}
              aria-invalid={missing.length > 0 || undefined}
              aria-describedby={missing.length > 0 ? `${baseId}-error` : undefined}
              onChange={(e) => setShared(e.target.value)}
            />
            {missing.length > 0 ? (
              <p id={`${baseId}-error`} className="field-error" role="alert">
                {missingText}
              </p>
            ) : null}
          </div>
        )}
        <div className="dialog-footer">
          <button type="button" className="button button-secondary" onClick={onCancel}>
            Cancel
          </button>
          <button
            type="submit"
            className="button button-danger"
            disabled={busy}
            aria-busy={busy || undefined}
          >
            Reject
          </button>
        </div>
      </form>
    </Dialog>
  );
}
