import { useQuery } from "@tanstack/react-query";
import { type CompanyMembership, getSubmission, keys, type SubmissionDetail } from "../api.js";
import { ValueView } from "../components/data-view.js";
import { Dialog } from "../components/dialog.js";
import { ErrorState, Loading, Money } from "../components/ui.js";
import { formatDateTime } from "../format.js";
import { sumAmounts } from "../money.js";
import { SUBMISSION_STATUS_LABEL } from "../rules.js";

function decidedBy(detail: SubmissionDetail): string {
  const by = detail.decision?.by;
  if (!by) return "—";
  return typeof by === "string" ? by : (by.name ?? by.email ?? "—");
}

function attemptCount(attempts: number | unknown[] | undefined): number {
  if (Array.isArray(attempts)) return attempts.length;
  return attempts ?? 0;
}

/** What the approver reviews: exactly the snapshot that will be exported, plus what QuickBooks will receive. */
export function BudgetUpdatesContent({ detail }: { detail: SubmissionDetail }) {
  const lines = detail.lines ?? [];
  const lastError = detail.export?.lastError ?? null;
  return (
    <div className="stack">
      <dl className="fields fields-inline">
        <div className="field-pair">
          <dt>Project</dt>
          <dd>
            {detail.project.number} {detail.project.name}
          </dd>
        </div>
        <div className="field-pair">
          <dt>Sent by</dt>
          <dd>{detail.submittedBy?.name ?? detail.submittedBy?.email}</dd>
        </div>
        <div className="field-pair">
          <dt>Sent at</dt>
          <dd>{formatDateTime(detail.submittedAt)}</dd>
        </div>
        <div className="field-pair">
          <dt>Status</dt>
          <dd>{SUBMISSION_STATUS_LABEL[detail.status] ?? detail.status}</dd>
        </div>
      </dl>

      <div className="table-wrap">
        <table className="table table-money">
          <caption className="sr-only">Budget lines in this submission</caption>
          <thead>
            <tr>
              <th scope="col">Cost Code</th>
              <th scope="col">Category</th>
              <th scope="col" className="num">
                Original Budget
              </th>
              <th scope="col" className="num">
                Budget Changes
              </th>
              <th scope="col" className="num">
                Revised Estimate
              </th>
              <th scope="col" className="num">
                Previously exported
              </th>
              <th scope="col" className="num">
                Change
              </th>
            </tr>
          </thead>
          <tbody>
            {lines.map((line) => (
              <tr key={`${line.costCode}|${line.category}`}>
                <td>
                  <span className="mono">{line.costCode}</span>
                  {line.costCodeDescription ? <span className="sub">{line.costCodeDescription}</span> : null}
                </td>
                <td className="mono">{line.category}</td>
                <td className="num">
                  <Money amount={line.originalBudget} />
                </td>
                <td className="num">
                  <Money amount={line.budgetChanges} />
                </td>
                <td className="num">
                  <Money amount={line.revisedEstimate} />
                </td>
                <td className="num">
                  {line.previouslyExported == null ? (
                    <span className="muted">New</span>
                  ) : (
                    <Money amount={line.previouslyExported} />
                  )}
                </td>
                <td className="num">
                  <Money amount={line.delta} signed />
                </td>
              </tr>
            ))}
          </tbody>
          <tfoot>
            <tr>
              <th scope="row" colSpan={2}>
                Totals
              </th>
              <td className="num">
                <Money amount={sumAmounts(lines.map((l) => l.originalBudget))} />
              </td>
              <td className="num">
                <Money amount={sumAmounts(lines.map((l) => l.budgetChanges))} />
              </td>
              <td className="num">
                <Money amount={sumAmounts(lines.map((l) => l.revisedEstimate))} />
              </td>
              <td className="num">
                <Money amount={sumAmounts(lines.map((l) => l.previouslyExported))} />
              </td>
              <td className="num">
                <Money amount={sumAmounts(lines.map((l) => l.delta))} signed />
              </td>
            </tr>
          </tfoot>
        </table>
      </div>

      {lastError ? (
        <section className="notice notice-error" aria-labelledby="last-error-heading">
          <h3 id="last-error-heading">Last export error</h3>
          <p>
            {lastError.message} <span className="mono muted">({lastError.code})</span>
          </p>
          {lastError.remedy ? (
            <p>
              <strong>What to do:</strong> {lastError.remedy}
            </p>
          ) : null}
        </section>
      ) : null}

      {detail.export ? (
        <section aria-labelledby="export-heading">
          <h3 id="export-heading">Export</h3>
          <dl className="fields fields-inline">
            <div className="field-pair">
              <dt>Attempts</dt>
              <dd>{attemptCount(detail.export.attempts)}</dd>
            </div>
            <div className="field-pair">
              <dt>Confirmed in QuickBooks</dt>
              <dd>{detail.export.confirmedAt ? formatDateTime(detail.export.confirmedAt) : "Not yet"}</dd>
            </div>
            {detail.export.erpRef ? (
              <div className="field-pair">
                <dt>QuickBooks reference</dt>
                <dd>
                  <ValueView value={detail.export.erpRef} nested />
                </dd>
              </div>
            ) : null}
          </dl>
        </section>
      ) : null}

      {detail.decision ? (
        <section aria-labelledby="decision-heading">
          <h3 id="decision-heading">Decision</h3>
          <p>
            {detail.decision.action === "reject" || detail.decision.action === "rejected"
              ? "Rejected"
              : "Accepted"}{" "}
            by {decidedBy(detail)} {detail.decision.at ? `on ${formatDateTime(detail.decision.at)}` : ""}
          </p>
          {detail.decision.reason ? <p className="reason">{detail.decision.reason}</p> : null}
        </section>
      ) : null}

      {detail.preview != null ? (
        <section aria-labelledby="preview-heading" className="preview">
          <h3 id="preview-heading">What will be written to QuickBooks</h3>
          <ValueView value={detail.preview} />
        </section>
      ) : null}
    </div>
  );
}

export function BudgetUpdatesDialog({
  company,
  submissionId,
  onClose,
}: {
  company: CompanyMembership;
  submissionId: string;
  onClose: () => void;
}) {
  const detail = useQuery({
    queryKey: keys.submission(company.id, submissionId),
    queryFn: () => getSubmission(company.id, submissionId),
    refetchInterval: (query) => (query.state.data?.status === "exporting" ? 1000 : false),
  });
  return (
    <Dialog
      title="Budget Updates"
      onClose={onClose}
      size="large"
      footer={
        <button type="button" className="button button-primary" onClick={onClose}>
          Close
        </button>
      }
    >
      {detail.isPending ? (
        <Loading label="Loading budget updates…" />
      ) : detail.isError ? (
        <ErrorState error={detail.error} onRetry={() => detail.refetch()} />
      ) : (
        <BudgetUpdatesContent detail={detail.data} />
      )}
    </Dialog>
  );
}
