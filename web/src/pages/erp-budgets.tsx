import { useQueries, useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useEffect, useId, useRef, useState } from "react";
import {
  type CompanyMembership,
  type DecisionInput,
  type DecisionResult,
  decideSubmissions,
  getSubmission,
  keys,
  listSubmissions,
  retrySubmission,
  type SubmissionList,
  type SubmissionSummary,
} from "../api.js";
import { Dialog } from "../components/dialog.js";
import { useToast } from "../components/toast.js";
import { EmptyState, ErrorState, errorMessage, Loading, Money } from "../components/ui.js";
import { useAction } from "../components/use-action.js";
import { formatDateTime, plural } from "../format.js";
import { useLocation, useNavigate } from "../router.js";
import {
  buildDecisions,
  type Choice,
  canDecide,
  FILTERS,
  type FilterDef,
  filterCount,
  MAX_REASON_LENGTH,
  parseFilter,
  SUBMISSION_STATUS_LABEL,
} from "../rules.js";
import { BudgetUpdatesDialog } from "./budget-updates.js";
import { Pager } from "./projects-page.js";

const PAGE_SIZE = 50;

interface ShownResult {
  submissionId: string;
  project: string;
  ok: boolean;
  text: string;
}

function describeResult(result: DecisionResult, decision: DecisionInput | undefined): string {
  if (!result.ok) return result.error?.message ?? "Could not be processed.";
  if (result.status === "exporting") return "Accepted: being written to QuickBooks.";
  if (result.status === "rejected") return "Rejected and returned to the project manager.";
  if (result.status) return SUBMISSION_STATUS_LABEL[result.status] ?? result.status;
  return decision?.action === "reject" ? "Rejected." : "Accepted.";
}

export function ErpBudgetsTab({ company }: { company: CompanyMembership }) {
  const c = company.id;
  const location = useLocation();
  const navigate = useNavigate();
  const params = new URLSearchParams(location.search);
  const filter = parseFilter(params.get("filter"));
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  const cursor = cursors[cursors.length - 1] ?? null;
  const selectId = useId();

  // A new filter starts again from the first page.
  // biome-ignore lint/correctness/useExhaustiveDependencies: reset only when the filter changes
  useEffect(() => setCursors([null]), [filter.key]);

  const list = useQuery({
    queryKey: keys.submissionList(c, filter.key, cursor),
    queryFn: () => listSubmissions(c, { status: filter.key, cursor, limit: PAGE_SIZE }),
    refetchInterval: (query) =>
      filter.key === "exporting" || query.state.data?.items.some((s) => s.status === "exporting")
        ? 1000
        : false,
  });

  const chooseFilter = (key: string) => {
    const next = new URLSearchParams(location.search);
    next.set("filter", key);
    navigate(`${location.pathname}?${next.toString()}`);
  };

  return (
    <div className="erp-layout">
      <aside className="side-pane" aria-labelledby="counts-heading">
        <h2 id="counts-heading" className="side-heading">
          Budgets by status
        </h2>
        <ul className="counts">
          {FILTERS.map((f) => {
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
        <div className="filter-bar">
          <label htmlFor={selectId}>Filter Estimates By</label>
          <select
            id={selectId}
            className="input"
            value={filter.key}
            onChange={(e) => chooseFilter(e.target.value)}
          >
            {FILTERS.map((f) => (
              <option key={f.key} value={f.key}>
                {f.label}
              </option>
            ))}
          </select>
        </div>
        <h2 className="list-heading">{filter.heading}</h2>
        {list.isPending ? (
          <Loading label="Loading budgets…" />
        ) : list.isError ? (
          <ErrorState error={list.error} onRetry={() => list.refetch()} />
        ) : (
          <SubmissionsView
            key={filter.key + String(cursor)}
            company={company}
            filter={filter}
            list={list.data}
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
  filter,
  list,
}: {
  company: CompanyMembership;
  filter: FilterDef;
  list: SubmissionList;
}) {
  const [details, setDetails] = useState<string | null>(null);
  const mayDecide = canDecide(company.permissions);
  const detailsDialog = details ? (
    <BudgetUpdatesDialog company={company} submissionId={details} onClose={() => setDetails(null)} />
  ) : null;

  if (filter.key === "ready_to_export") {
    return (
      <>
        <ReadyList
          company={company}
          items={list.items}
          mayDecide={mayDecide}
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
          items={list.items}
          mayDecide={mayDecide}
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
        <table className="table table-money">
          <thead>
            <tr>
              <CommonHeaders />
              <th scope="col">Status</th>
              <th scope="col">
                <span className="sr-only">Details</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {list.items.map((s) => (
              <tr key={s.id}>
                <CommonCells submission={s} />
                <td>
                  <span className={`pill pill-sub-${s.status}`}>
                    {SUBMISSION_STATUS_LABEL[s.status] ?? s.status}
                  </span>
                  {s.status === "exporting" ? (
                    <span className="spinner spinner-inline" aria-hidden="true" />
                  ) : null}
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

function CommonHeaders() {
  return (
    <>
      <th scope="col">Project</th>
      <th scope="col">Sent by</th>
      <th scope="col">Sent at</th>
      <th scope="col" className="num">
        Lines
      </th>
      <th scope="col" className="num">
        Revised Estimate total
      </th>
      <th scope="col" className="num">
        Change since last export
      </th>
    </>
  );
}

function CommonCells({ submission: s }: { submission: SubmissionSummary }) {
  return (
    <>
      <th scope="row" className="cell-project">
        <span className="mono">{s.project.number}</span> {s.project.name}
      </th>
      <td>{s.submittedBy?.name ?? s.submittedBy?.email}</td>
      <td>{formatDateTime(s.submittedAt)}</td>
      <td className="num">{s.lineCount}</td>
      <td className="num">
        <Money amount={s.totals?.revisedEstimate} />
      </td>
      <td className="num">
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

function useDecide(company: CompanyMembership, items: SubmissionSummary[]) {
  const queryClient = useQueryClient();
  const toast = useToast();
  const [results, setResults] = useState<ShownResult[]>([]);
  const [pending, setPending] = useState(false);

  const run = async (decisions: DecisionInput[]): Promise<boolean> => {
    setPending(true);
    try {
      const response = await decideSubmissions(company.id, decisions);
      const shown = response.results.map((result) => {
        const decision = decisions.find((d) => d.submissionId === result.submissionId);
        const item = items.find((s) => s.id === result.submissionId);
        return {
          submissionId: result.submissionId,
          project: item ? `${item.project.number} ${item.project.name}` : result.submissionId,
          ok: result.ok,
          text: describeResult(result, decision),
        };
      });
      setResults(shown);
      const okCount = shown.filter((r) => r.ok).length;
      const failed = shown.length - okCount;
      if (okCount > 0) toast.success(`${plural(okCount, "budget")} processed.`);
      if (failed > 0)
        toast.error(`${plural(failed, "budget")} could not be processed. See the results above the list.`);
      return true;
    } catch (error) {
      toast.error(errorMessage(error));
      return false;
    } finally {
      setPending(false);
      await queryClient.invalidateQueries({ queryKey: keys.submissions(company.id) });
      await queryClient.invalidateQueries({ queryKey: ["budget", company.id] });
    }
  };
  return { run, results, pending, clearResults: () => setResults([]) };
}

function ResultsPanel({ results, onDismiss }: { results: ShownResult[]; onDismiss: () => void }) {
  if (results.length === 0) return null;
  return (
    <section className="results" aria-labelledby="results-heading">
      <div className="card-head">
        <h3 id="results-heading">Results</h3>
        <button type="button" className="button button-small button-secondary" onClick={onDismiss}>
          Dismiss results
        </button>
      </div>
      <ul role="status">
        {results.map((r) => (
          <li key={r.submissionId} className={r.ok ? "result-ok" : "result-error"}>
            <strong>{r.project}:</strong> {r.text}
          </li>
        ))}
      </ul>
    </section>
  );
}

function ReadyList({
  company,
  items,
  mayDecide,
  onDetails,
  empty,
}: {
  company: CompanyMembership;
  items: SubmissionSummary[];
  mayDecide: boolean;
  onDetails: (id: string) => void;
  empty: string;
}) {
  const [choices, setChoices] = useState<Record<string, Choice | undefined>>({});
  const [askReason, setAskReason] = useState(false);
  const decide = useDecide(company, items);
  const chosen = items.filter((s) => choices[s.id]);
  const rejectCount = items.filter((s) => choices[s.id] === "reject").length;
  const exportHint = useId();

  const submit = async (reason: string | null) => {
    const visible = Object.fromEntries(items.map((s) => [s.id, choices[s.id]]));
    const ok = await decide.run(buildDecisions(visible, reason));
    if (ok) {
      setChoices({});
      setAskReason(false);
    }
  };

  const onExport = () => {
    if (chosen.length === 0) return;
    if (rejectCount > 0) setAskReason(true);
    else void submit(null);
  };

  const setAll = (choice: Choice | undefined) =>
    setChoices(Object.fromEntries(items.map((s) => [s.id, choice])));

  return (
    <>
      <ResultsPanel results={decide.results} onDismiss={decide.clearResults} />
      {items.length === 0 ? (
        <EmptyState title={empty} />
      ) : (
        <>
          {mayDecide ? (
            <fieldset className="bulk-bar">
              <legend className="sr-only">Choose for every budget on this page</legend>
              <button
                type="button"
                className="button button-small button-secondary"
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
              You can review these budgets. Accepting or rejecting them needs Standard or Admin access to ERP
              Integrations and the Can Push to Accounting privilege.
            </p>
          )}
          <div className="table-wrap">
            <table className="table table-money">
              <thead>
                <tr>
                  <CommonHeaders />
                  <th scope="col">
                    <span className="sr-only">Details</span>
                  </th>
                  {mayDecide ? <th scope="col">Decision</th> : null}
                </tr>
              </thead>
              <tbody>
                {items.map((s) => (
                  <tr key={s.id} className={choices[s.id] ? `row-${choices[s.id]}` : undefined}>
                    <CommonCells submission={s} />
                    <td>
                      <DetailsButton onClick={() => onDetails(s.id)} />
                    </td>
                    {mayDecide ? (
                      <td>
                        <div
                          className="decision"
                          role="radiogroup"
                          aria-label={`Decision for ${s.project.number} ${s.project.name}`}
                        >
                          {(["accept", "reject"] as const).map((choice) => (
                            <label key={choice} className={`radio radio-${choice}`}>
                              <input
                                type="radio"
                                name={`decision-${s.id}`}
                                value={choice}
                                checked={choices[s.id] === choice}
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
                  ? "Choose Accept or Reject for the budgets you want to process."
                  : `${plural(chosen.length - rejectCount, "budget")} to accept, ${plural(rejectCount, "budget")} to reject.`}
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
          count={rejectCount}
          busy={decide.pending}
          onCancel={() => setAskReason(false)}
          onReject={(reason) => void submit(reason)}
        />
      ) : null}
    </>
  );
}

function FailedList({
  company,
  items,
  mayDecide,
  onDetails,
  empty,
}: {
  company: CompanyMembership;
  items: SubmissionSummary[];
  mayDecide: boolean;
  onDetails: (id: string) => void;
  empty: string;
}) {
  const c = company.id;
  const details = useQueries({
    queries: items.map((s) => ({
      queryKey: keys.submission(c, s.id),
      queryFn: () => getSubmission(c, s.id),
    })),
  });
  const [rejecting, setRejecting] = useState<Record<string, boolean>>({});
  const [askReason, setAskReason] = useState(false);
  const decide = useDecide(company, items);
  const retry = useAction({
    run: (s: SubmissionSummary) => retrySubmission(c, s.id),
    success: (_r, s) => `Export of ${s.project.number} ${s.project.name} is being retried.`,
    invalidate: [keys.submissions(c), ["budget", c]],
  });
  const toReject = items.filter((s) => rejecting[s.id]);

  const submit = async (reason: string) => {
    const decisions: DecisionInput[] = toReject.map((s) => ({
      submissionId: s.id,
      action: "reject",
      reason: reason.trim(),
    }));
    if (await decide.run(decisions)) {
      setRejecting({});
      setAskReason(false);
    }
  };

  return (
    <>
      <ResultsPanel results={decide.results} onDismiss={decide.clearResults} />
      {items.length === 0 ? (
        <EmptyState title={empty} />
      ) : (
        <>
          <div className="table-wrap">
            <table className="table">
              <thead>
                <tr>
                  <th scope="col">Project</th>
                  <th scope="col">Sent by</th>
                  <th scope="col">Sent at</th>
                  <th scope="col" className="num">
                    Revised Estimate total
                  </th>
                  <th scope="col">Error</th>
                  <th scope="col">
                    <span className="sr-only">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {items.map((s, index) => {
                  const detail = details[index];
                  const lastError = detail?.data?.export?.lastError;
                  return (
                    <tr key={s.id}>
                      <th scope="row" className="cell-project">
                        <span className="mono">{s.project.number}</span> {s.project.name}
                      </th>
                      <td>{s.submittedBy?.name ?? s.submittedBy?.email}</td>
                      <td>{formatDateTime(s.submittedAt)}</td>
                      <td className="num">
                        <Money amount={s.totals?.revisedEstimate} />
                      </td>
                      <td className="cell-error">
                        {detail?.isPending ? (
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
                      <td className="row-actions">
                        <DetailsButton onClick={() => onDetails(s.id)} />
                        {mayDecide ? (
                          <>
                            <button
                              type="button"
                              className="button button-small button-primary"
                              disabled={retry.isPending}
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
                              Reject
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
                Retry writes the budget to QuickBooks again. Reject hands it back to the project manager with
                your reason.
              </p>
              <button
                type="button"
                className="button button-danger"
                disabled={toReject.length === 0 || decide.pending}
                onClick={() => setAskReason(true)}
              >
                Return marked budgets
              </button>
            </div>
          ) : null}
        </>
      )}
      {askReason ? (
        <ReasonDialog
          count={toReject.length}
          busy={decide.pending}
          onCancel={() => setAskReason(false)}
          onReject={(reason) => void submit(reason)}
        />
      ) : null}
    </>
  );
}

export function ReasonDialog({
  count,
  busy,
  onCancel,
  onReject,
}: {
  count: number;
  busy: boolean;
  onCancel: () => void;
  onReject: (reason: string) => void;
}) {
  const [reason, setReason] = useState("");
  const [error, setError] = useState<string | null>(null);
  const fieldId = useId();
  const errorId = useId();
  const textarea = useRef<HTMLTextAreaElement>(null);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (!reason.trim()) {
      setError("Enter a reason: the project manager sees it in the rejection email.");
      textarea.current?.focus();
      return;
    }
    setError(null);
    onReject(reason.trim());
  };

  return (
    <Dialog
      title={count === 1 ? "Reject budget" : `Reject ${count} budgets`}
      description="The project manager gets your reason by email and can change the budget and send it again."
      onClose={onCancel}
      initialFocus={textarea}
    >
      <form onSubmit={submit} noValidate>
        <div className="field">
          <label htmlFor={fieldId}>Reason</label>
          <textarea
            id={fieldId}
            ref={textarea}
            className="input"
            rows={4}
            maxLength={MAX_REASON_LENGTH}
            value={reason}
            aria-invalid={error ? true : undefined}
            aria-describedby={error ? errorId : undefined}
            onChange={(e) => setReason(e.target.value)}
          />
          {error ? (
            <p id={errorId} className="field-error" role="alert">
              {error}
            </p>
          ) : null}
        </div>
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
