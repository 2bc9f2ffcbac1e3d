import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import {
  type CompanyMembership,
  type Connection,
  type DecisionInput,
  decideSubmissions,
  getSubmission,
  keys,
  type SnapshotLine,
  type SubmissionDetail,
} from "../api.js";
import { ValueView } from "../components/data-view.js";
import { Dialog } from "../components/dialog.js";
import { useToast } from "../components/toast.js";
import { ErrorState, errorMessage, Loading, Money } from "../components/ui.js";
import { formatDateTime } from "../format.js";
import { sumAmounts } from "../money.js";
import {
  BUDGET_DOCUMENTS,
  canDecide,
  type DocumentKindDef,
  submissionLabel,
  submissionStatusLabel,
  waitingText,
} from "../rules.js";
import { ReasonDialog } from "./erp-budgets.js";

function decidedBy(detail: SubmissionDetail): string {
  const by = detail.decision?.by;
  if (!by) return "—";
  return typeof by === "string" ? by : (by.name ?? by.email ?? "—");
}

function attemptCount(attempts: unknown): number {
  if (Array.isArray(attempts)) return attempts.length;
  return typeof attempts === "number" ? attempts : 0;
}

interface EstimatePreviewShape {
  erp?: string;
  customer?: { job?: string; parent?: string | null; create?: boolean };
  itemsToCreate?: unknown[];
  estimate: {
    action?: string;
    estimateId?: string | null;
    docNumber?: string | null;
    status?: string | null;
    taxable?: boolean;
    markup?: string | null;
    total?: string | null;
  };
  lines: { item?: string; description?: string; class?: string | null; amount?: string }[];
}

function isEstimatePreview(value: unknown): value is EstimatePreviewShape {
  if (typeof value !== "object" || value === null) return false;
  const v = value as Record<string, unknown>;
  return typeof v.estimate === "object" && v.estimate !== null && Array.isArray(v.lines);
}

function itemName(item: unknown): string {
  if (typeof item === "string") return item;
  if (typeof item === "object" && item !== null) {
    const i = item as Record<string, unknown>;
    return String(i.name ?? i.item ?? i.costCode ?? JSON.stringify(item));
  }
  return String(item);
}

/** The estimate QuickBooks receives, in an accountant's words rather than as raw fields. */
function EstimatePreview({ preview }: { preview: EstimatePreviewShape }) {
  const { customer, estimate } = preview;
  const erp = preview.erp ?? "QuickBooks";
  const items = preview.itemsToCreate ?? [];
  const estimateAction =
    estimate.action === "update"
      ? `Updates estimate ${estimate.docNumber ?? estimate.estimateId ?? ""} in place`
      : `Adds estimate ${estimate.docNumber ?? ""}`;
  return (
    <div className="qb-preview">
      <ul className="facts">
        <li>
          <strong>{erp}</strong>
        </li>
        {customer?.job ? (
          <li>
            Job <strong>{customer.job}</strong>
            {customer.create
              ? ` (new${customer.parent ? `, under ${customer.parent}` : ""})`
              : " (already in QuickBooks)"}
          </li>
        ) : null}
        <li>{estimateAction.trim()}</li>
        <li>
          {[
            estimate.status ? `${estimate.status}` : null,
            estimate.taxable === false ? "not taxable" : estimate.taxable ? "taxable" : null,
            estimate.markup ? `${estimate.markup} markup` : null,
          ]
            .filter(Boolean)
            .join(", ")}
        </li>
        {estimate.total ? (
          <li>
            Total <Money amount={estimate.total} />
          </li>
        ) : null}
      </ul>
      <p className="muted small">
        {items.length === 0
          ? "No new products or services are needed."
          : `New products or services: ${items.map(itemName).join(", ")}.`}
      </p>
      <div className="table-wrap">
        <table className="table table-compact table-money table-stack">
          <caption className="sr-only">Estimate lines {erp} will receive</caption>
          <thead>
            <tr>
              <th scope="col">Product/service</th>
              <th scope="col">Class</th>
              <th scope="col" className="num">
                Amount
              </th>
            </tr>
          </thead>
          <tbody>
            {preview.lines.map((line, i) => (
              // biome-ignore lint/suspicious/noArrayIndexKey: preview lines have no identity of their own
              <tr key={i}>
                <td>
                  {line.item ?? "—"}
                  {line.description && line.description !== line.item ? (
                    <span className="sub">{line.description}</span>
                  ) : null}
                </td>
                <td data-label="Class">{line.class ?? "—"}</td>
                <td data-label="Amount" className="num">
                  <Money amount={line.amount} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}

interface PurchaseOrderPreviewShape {
  erp?: string;
  vendor?: unknown;
  job?: unknown;
  customer?: unknown;
  itemsToCreate?: unknown[];
  purchaseOrder: {
    action?: string;
    purchaseOrderId?: string | null;
    docNumber?: string | null;
    status?: string | null;
    memo?: string | null;
    total?: string | null;
  };
  lines: {
    item?: unknown;
    description?: string;
    job?: unknown;
    customer?: unknown;
    amount?: string;
    lineId?: string | null;
  }[];
}

function isPurchaseOrderPreview(value: unknown): value is PurchaseOrderPreviewShape {
  if (typeof value !== "object" || value === null) return false;
  const v = value as Record<string, unknown>;
  return typeof v.purchaseOrder === "object" && v.purchaseOrder !== null && Array.isArray(v.lines);
}

/** A vendor or job as the preview names it: a name, or an object with a name and whether it is new. */
function named(value: unknown): { name: string; create: boolean } | null {
  if (value == null || value === "") return null;
  if (typeof value === "string") return { name: value, create: false };
  if (typeof value === "object") {
    const v = value as Record<string, unknown>;
    const name = v.name ?? v.displayName ?? v.job ?? v.fullyQualifiedName ?? v.ref;
    return name == null ? null : { name: String(name), create: v.create === true };
  }
  return { name: String(value), create: false };
}

/** How the export finds the vendor in QuickBooks, in words. */
function vendorHow(vendor: unknown, create: boolean): string {
  const action =
    typeof vendor === "object" && vendor !== null ? (vendor as Record<string, unknown>).action : undefined;
  if (action === "linked") return "(linked in Mappings)";
  if (action === "find") return "(found by name in QuickBooks)";
  if (action === "find_or_create") return "(found by name, or added if QuickBooks has none)";
  return create ? "(new)" : "(already in QuickBooks)";
}

/** The purchase order QuickBooks receives for a commitment, in an accountant's words. */
function PurchaseOrderPreview({ preview }: { preview: PurchaseOrderPreviewShape }) {
  const erp = preview.erp ?? "QuickBooks";
  const po = preview.purchaseOrder;
  const vendor = named(preview.vendor);
  const job = named(preview.job ?? preview.customer);
  const items = preview.itemsToCreate ?? [];
  const number = po.docNumber ?? po.purchaseOrderId ?? "";
  return (
    <div className="qb-preview">
      <ul className="facts">
        <li>
          <strong>{erp}</strong>
        </li>
        {vendor ? (
          <li>
            Vendor <strong>{vendor.name}</strong> {vendorHow(preview.vendor, vendor.create)}
          </li>
        ) : null}
        {job ? (
          <li>
            Job <strong>{job.name}</strong> {job.create ? "(new)" : "(already in QuickBooks)"}
          </li>
        ) : null}
        <li>
          {po.action === "update"
            ? `Updates purchase order ${number} in place`.trim()
            : `Adds purchase order ${number}`.trim()}
          {po.status ? `, ${po.status}` : ""}
        </li>
        {po.total ? (
          <li>
            Total <Money amount={po.total} />
          </li>
        ) : null}
      </ul>
      <p className="muted small">
        {items.length === 0
          ? "No new products or services are needed."
          : `New products or services: ${items.map(itemName).join(", ")}.`}
      </p>
      <div className="table-wrap">
        <table className="table table-compact table-money table-stack">
          <caption className="sr-only">Purchase order lines {erp} will receive</caption>
          <thead>
            <tr>
              <th scope="col">Product/service</th>
              <th scope="col">Job</th>
              <th scope="col" className="num">
                Amount
              </th>
            </tr>
          </thead>
          <tbody>
            {preview.lines.map((line, i) => (
              // biome-ignore lint/suspicious/noArrayIndexKey: preview lines have no identity of their own
              <tr key={i}>
                <td>
                  {line.item == null ? "—" : itemName(line.item)}
                  {line.description ? <span className="sub">{line.description}</span> : null}
                </td>
                <td data-label="Job">{named(line.job ?? line.customer)?.name ?? job?.name ?? "—"}</td>
                <td data-label="Amount" className="num">
                  <Money amount={line.amount} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}

/** The three amounts of a snapshot line, whichever kind of document it belongs to. */
function amountsOf(line: SnapshotLine): [string | undefined, string | undefined, string | undefined] {
  return [
    line.originalBudget ?? line.original,
    line.budgetChanges ?? line.approvedChanges,
    line.revisedEstimate ?? line.revised,
  ];
}

/** What the approver reviews: exactly the snapshot that will be exported, plus what QuickBooks will receive. */
export function BudgetUpdatesContent({
  detail,
  docs = BUDGET_DOCUMENTS,
}: {
  detail: SubmissionDetail;
  docs?: DocumentKindDef;
}) {
  const lines = detail.lines ?? [];
  const lastError = detail.export?.lastError ?? null;
  const [originalLabel, changesLabel, revisedLabel] = docs.amountColumns;
  const commitment = docs.kind === "commitment";
  return (
    <div className="stack">
      <dl className="fields fields-inline">
        <div className="field-pair">
          <dt>Project</dt>
          <dd>
            {detail.project.number} {detail.project.name}
          </dd>
        </div>
        {detail.commitment ? (
          <div className="field-pair">
            <dt>Commitment</dt>
            <dd>{submissionLabel(detail)}</dd>
          </div>
        ) : null}
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
          <dd>
            <span className={`pill pill-sub-${detail.status}`}>
              {submissionStatusLabel({ status: detail.status, waitingFor: detail.export?.waitingFor })}
            </span>
          </dd>
        </div>
      </dl>

      <div className="table-wrap">
        <table className="table table-money table-stack">
          <caption className="sr-only">{docs.linesCaption}</caption>
          <thead>
            <tr>
              <th scope="col">Cost Code</th>
              <th scope="col">Category</th>
              {commitment ? <th scope="col">Description</th> : null}
              <th scope="col" className="num">
                {originalLabel}
              </th>
              <th scope="col" className="num">
                {changesLabel}
              </th>
              <th scope="col" className="num">
                {revisedLabel}
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
            {lines.map((line) => {
              const [original, changes, revised] = amountsOf(line);
              return (
                <tr key={`${line.costCode}|${line.category}`}>
                  <td>
                    <span className="mono">{line.costCode}</span>
                    {line.costCodeDescription ? (
                      <span className="sub">{line.costCodeDescription}</span>
                    ) : null}
                  </td>
                  <td>
                    <span className="mono">{line.category}</span>
                    {line.categoryName ? <span className="sub">{line.categoryName}</span> : null}
                  </td>
                  {commitment ? <td data-label="Description">{line.description || "—"}</td> : null}
                  <td data-label={originalLabel} className="num">
                    <Money amount={original} />
                  </td>
                  <td data-label={changesLabel} className="num">
                    <Money amount={changes} />
                  </td>
                  <td data-label={revisedLabel} className="num">
                    <Money amount={revised} />
                  </td>
                  <td data-label="Previously exported" className="num">
                    {line.previouslyExported == null ? (
                      <span className="muted">New</span>
                    ) : (
                      <Money amount={line.previouslyExported} />
                    )}
                  </td>
                  <td data-label="Change" className="num">
                    <Money amount={line.delta} signed />
                  </td>
                </tr>
              );
            })}
          </tbody>
          <tfoot>
            <tr>
              <th scope="row" colSpan={commitment ? 3 : 2}>
                Totals
              </th>
              <td data-label={originalLabel} className="num">
                <Money amount={sumAmounts(lines.map((l) => amountsOf(l)[0]))} />
              </td>
              <td data-label={changesLabel} className="num">
                <Money amount={sumAmounts(lines.map((l) => amountsOf(l)[1]))} />
              </td>
              <td data-label={revisedLabel} className="num">
                <Money amount={sumAmounts(lines.map((l) => amountsOf(l)[2]))} />
              </td>
              <td data-label="Previously exported" className="num">
                <Money amount={sumAmounts(lines.map((l) => l.previouslyExported))} />
              </td>
              <td data-label="Change" className="num">
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

      {detail.status === "exporting" && waitingText(detail.export?.waitingFor) ? (
        <p className="notice notice-info" role="status">
          {waitingText(detail.export?.waitingFor)}
        </p>
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
              : detail.decision.action === "retrieve" || detail.decision.action === "retrieved"
                ? "Retrieved"
                : "Accepted"}{" "}
            by {decidedBy(detail)} {detail.decision.at ? `on ${formatDateTime(detail.decision.at)}` : ""}
          </p>
          {detail.decision.reason ? <p className="reason">{detail.decision.reason}</p> : null}
        </section>
      ) : null}

      {detail.preview != null ? (
        <section aria-labelledby="preview-heading" className="preview">
          <h3 id="preview-heading">
            {detail.status === "exported"
              ? "What was written to QuickBooks"
              : "What will be written to QuickBooks"}
          </h3>
          {isEstimatePreview(detail.preview) ? (
            <EstimatePreview preview={detail.preview} />
          ) : isPurchaseOrderPreview(detail.preview) ? (
            <PurchaseOrderPreview preview={detail.preview} />
          ) : (
            <ValueView value={detail.preview} />
          )}
        </section>
      ) : null}
    </div>
  );
}

export function BudgetUpdatesDialog({
  company,
  docs = BUDGET_DOCUMENTS,
  submissionId,
  onClose,
  exportBlocked = false,
}: {
  company: CompanyMembership;
  docs?: DocumentKindDef;
  submissionId: string;
  onClose: () => void;
  /** QuickBooks is not connected: accepting is off, rejecting is not. */
  exportBlocked?: boolean;
}) {
  const queryClient = useQueryClient();
  const toast = useToast();
  const [rejecting, setRejecting] = useState(false);
  const [busy, setBusy] = useState(false);
  const detail = useQuery({
    queryKey: keys.submission(company.id, submissionId, docs.kind),
    queryFn: () => getSubmission(company.id, submissionId, docs.kind),
    refetchInterval: (query) => (query.state.data?.status === "exporting" ? 1000 : false),
  });
  const d = detail.data;
  const mayDecide = d?.canDecide !== false && canDecide(company.permissions);
  const canAccept = mayDecide && d?.status === "ready_to_export";
  const canReject = mayDecide && (d?.status === "ready_to_export" || d?.status === "failed");
  const label = d ? submissionLabel(d) : "";

  const decide = async (decision: DecisionInput) => {
    setBusy(true);
    try {
      const { results } = await decideSubmissions(company.id, [decision], docs.kind);
      const result = results[0];
      if (!result?.ok) {
        toast.error(result?.error?.message ?? `The ${docs.one} could not be processed.`);
        return;
      }
      const desktop =
        queryClient.getQueryData<Connection>(keys.connection(company.id))?.type === "quickbooks_desktop";
      toast.success(
        decision.action === "reject"
          ? `${label} rejected and returned to the project manager.`
          : desktop
            ? `${label} accepted; waiting for the Web Connector to write it to QuickBooks Desktop.`
            : `${label} accepted and sent to QuickBooks.`,
      );
      setRejecting(false);
      onClose();
    } catch (error) {
      toast.error(errorMessage(error));
    } finally {
      setBusy(false);
      await queryClient.invalidateQueries({ queryKey: keys.submissions(company.id) });
      await queryClient.invalidateQueries({
        queryKey: docs.kind === "commitment" ? keys.allCommitments(company.id) : ["budget", company.id],
      });
    }
  };

  return (
    <>
      <Dialog
        title={docs.detailsTitle}
        onClose={onClose}
        size="large"
        footer={
          <>
            {canReject ? (
              <button
                type="button"
                className="button button-danger"
                disabled={busy}
                onClick={() => setRejecting(true)}
              >
                Reject…
              </button>
            ) : null}
            {canAccept ? (
              <button
                type="button"
                className="button button-primary"
                disabled={busy || exportBlocked}
                aria-busy={busy || undefined}
                title={exportBlocked ? "QuickBooks is not connected" : undefined}
                onClick={() => void decide({ submissionId, action: "accept" })}
              >
                Accept and export
              </button>
            ) : null}
            <button
              type="button"
              className={`button ${canAccept ? "button-secondary" : "button-primary"}`}
              onClick={onClose}
            >
              Close
            </button>
          </>
        }
      >
        {detail.isPending ? (
          <Loading label={`Loading ${docs.detailsTitle.toLowerCase()}…`} />
        ) : detail.isError ? (
          <ErrorState error={detail.error} onRetry={() => detail.refetch()} />
        ) : (
          <BudgetUpdatesContent detail={detail.data} docs={docs} />
        )}
      </Dialog>
      {rejecting && d ? (
        <ReasonDialog
          docs={docs}
          budgets={[{ submissionId, label }]}
          busy={busy}
          onCancel={() => setRejecting(false)}
          onReject={(reasons) =>
            void decide({ submissionId, action: "reject", reason: reasons[submissionId] ?? "" })
          }
        />
      ) : null}
    </>
  );
}
