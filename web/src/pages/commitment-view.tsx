import { useQuery } from "@tanstack/react-query";
import { type FormEvent, useId, useRef, useState } from "react";
import {
  ApiError,
  addCommitmentLine,
  type Commitment,
  type CommitmentErpState,
  type CommitmentLine,
  type CommitmentStatus,
  type CompanyMembership,
  deleteCommitmentLine,
  keys,
  listCommitmentSubmissions,
  listVendors,
  retrieveCommitmentFromErp,
  sendCommitmentToErp,
  setCommitmentStatus,
  updateCommitment,
  updateCommitmentLine,
} from "../api.js";
import { Dialog } from "../components/dialog.js";
import { errorMessage, GatedButton, Money } from "../components/ui.js";
import { useAction } from "../components/use-action.js";
import { formatDateTime } from "../format.js";
import { isZeroAmount, parseMoneyInput } from "../money.js";
import {
  COMMITMENT_DOCUMENTS,
  COMMITMENT_ERP_LABEL,
  COMMITMENT_KIND_LABEL,
  COMMITMENT_STATUS_LABEL,
  canApproveChanges,
  commitmentErpPill,
  commitmentRefreshInterval,
  commitmentRibbon,
  commitmentSendLabel,
  type StatusMove,
  statusMoves,
} from "../rules.js";
import { CostCodeCategoryFields, DeleteLineDialog, lineLabel, useCompanyLists } from "./budget-lines.js";
import { SendRetrieveButtons, StatusRibbon, SubmissionHistory, useExportWaitingFor } from "./budget-page.js";
import { ChangeOrdersSection } from "./change-orders.js";

const SUCCESS: Record<CommitmentStatus, string> = {
  draft: "Commitment back to draft: its lines can be changed again.",
  out_for_signature: "Commitment out for signature: its lines are frozen while the vendor signs.",
  approved: "Commitment approved. It changes only through change orders now and can be sent to ERP.",
  void: "Commitment voided.",
};

/** A commitment's status in a pill, in the words the commitment list and page both use. */
export function CommitmentStatusPill({ status }: { status: CommitmentStatus }) {
  return (
    <span className={`pill pill-commitment-${status}`}>{COMMITMENT_STATUS_LABEL[status] ?? status}</span>
  );
}

/** Where a commitment stands with the ERP, in a pill. */
export function CommitmentErpStatePill({ state }: { state: CommitmentErpState }) {
  return <span className={commitmentErpPill(state)}>{COMMITMENT_ERP_LABEL[state] ?? state}</span>;
}

export function CommitmentView({
  company,
  projectId,
  commitment,
}: {
  company: CompanyMembership;
  projectId: string;
  commitment: Commitment;
}) {
  const c = company.id;
  const id = commitment.id;
  const history = useQuery({
    queryKey: keys.commitmentSubmissions(c, projectId, id),
    queryFn: () => listCommitmentSubmissions(c, projectId, id),
    refetchInterval: commitmentRefreshInterval(commitment.erpState),
  });
  const invalidate = [keys.commitments(c, projectId), keys.submissions(c)];
  const [voiding, setVoiding] = useState(false);
  const [editingHeader, setEditingHeader] = useState(false);

  const status = useAction({
    run: (to: CommitmentStatus) => setCommitmentStatus(c, projectId, id, to),
    success: (_r, to) => SUCCESS[to],
    invalidate,
    onSuccess: () => setVoiding(false),
    onError: () => setVoiding(false),
  });
  const send = useAction({
    run: () => sendCommitmentToErp(c, projectId, id),
    success: "Commitment sent to ERP. It now waits for an accounting approver.",
    invalidate,
  });
  const retrieve = useAction({
    run: () => retrieveCommitmentFromErp(c, projectId, id),
    success: "Commitment retrieved from ERP. You can make changes and send it again.",
    invalidate,
  });
  const busy = status.isPending || send.isPending || retrieve.isPending;

  const exporting = commitment.erpState === "exporting" ? commitment.lastSubmission?.id : undefined;
  const ribbon = commitmentRibbon(commitment, useExportWaitingFor(company, exporting, "commitment"));
  const rejectedReason =
    commitment.erpState === "not_sent" && commitment.lastSubmission?.status === "rejected"
      ? (commitment.lastSubmission.reason ??
        history.data?.find((s) => s.id === commitment.lastSubmission?.id)?.decision?.reason ??
        null)
      : null;
  const approver = canApproveChanges(company.permissions);
  const moves = statusMoves(commitment);
  const moveGate = (move: StatusMove) => {
    if (move.needsApprover && !approver) {
      return {
        allowed: false,
        reasons: [
          {
            code: "approver_needed",
            message:
              move.to === "void"
                ? "Voiding an approved commitment needs Admin access to budgets."
                : "Approving a commitment needs Admin access to budgets.",
          },
        ],
      };
    }
    return commitment.actions.changeStatus;
  };

  return (
    <div className="stack">
      <StatusRibbon
        ribbon={ribbon}
        label="Commitment status"
        state={commitment.erpState}
        rejectedReason={rejectedReason}
      />

      <section className="card" aria-labelledby="commitment-heading">
        <div className="card-head">
          <h2 id="commitment-heading">Details</h2>
          {commitment.actions.edit.allowed &&
          (commitment.status === "draft" || commitment.status === "out_for_signature") ? (
            <button
              type="button"
              className="button button-small button-secondary"
              onClick={() => setEditingHeader(true)}
            >
              Edit details
            </button>
          ) : null}
        </div>
        <dl className="fields fields-inline">
          <div className="field-pair">
            <dt>Kind</dt>
            <dd>{COMMITMENT_KIND_LABEL[commitment.kind] ?? commitment.kind}</dd>
          </div>
          <div className="field-pair">
            <dt>Number</dt>
            <dd className="mono">{commitment.number}</dd>
          </div>
          <div className="field-pair">
            <dt>Vendor</dt>
            <dd>{commitment.vendor.name}</dd>
          </div>
          <div className="field-pair">
            <dt>Status</dt>
            <dd>
              <CommitmentStatusPill status={commitment.status} />
            </dd>
          </div>
          <div className="field-pair">
            <dt>ERP</dt>
            <dd>
              <CommitmentErpStatePill state={commitment.erpState} />
            </dd>
          </div>
          <div className="field-pair">
            <dt>Created</dt>
            <dd>
              {formatDateTime(commitment.createdAt)}
              {commitment.createdBy ? ` by ${commitment.createdBy.name}` : ""}
            </dd>
          </div>
        </dl>
      </section>

      <section className="toolbar" aria-label="Commitment actions">
        {moves.map((move) => {
          const gate = moveGate(move);
          return (
            <GatedButton
              key={move.to}
              allowed={gate.allowed}
              reasons={gate.reasons}
              busy={busy}
              className={`button button-${move.tone === "danger" ? "danger-quiet" : move.tone}`}
              onClick={() => (move.to === "void" ? setVoiding(true) : status.mutate(move.to))}
            >
              {move.label}
            </GatedButton>
          );
        })}
        {commitment.status === "approved" ? (
          <SendRetrieveButtons
            actions={commitment.actions}
            busy={busy}
            sendLabel={commitmentSendLabel(commitment)}
            onSend={() => send.mutate()}
            onRetrieve={() => retrieve.mutate()}
          />
        ) : null}
      </section>

      <CommitmentLinesSection company={company} projectId={projectId} commitment={commitment} />
      <ChangeOrdersSection company={company} projectId={projectId} commitment={commitment} />
      <SubmissionHistory history={history.data ?? []} docs={COMMITMENT_DOCUMENTS} />

      {voiding ? (
        <Dialog
          title="Void this commitment?"
          onClose={() => setVoiding(false)}
          footer={
            <>
              <button type="button" className="button button-secondary" onClick={() => setVoiding(false)}>
                Cancel
              </button>
              <button
                type="button"
                className="button button-danger"
                disabled={status.isPending}
                onClick={() => status.mutate("void")}
              >
                Void commitment
              </button>
            </>
          }
        >
          <p>
            <strong>
              {commitment.number} {commitment.title}
            </strong>{" "}
            with {commitment.vendor.name} becomes void. A void commitment cannot be changed or sent to ERP.
          </p>
        </Dialog>
      ) : null}
      {editingHeader ? (
        <HeaderDialog
          company={company}
          projectId={projectId}
          commitment={commitment}
          onClose={() => setEditingHeader(false)}
        />
      ) : null}
    </div>
  );
}

function HeaderDialog({
  company,
  projectId,
  commitment,
  onClose,
}: {
  company: CompanyMembership;
  projectId: string;
  commitment: Commitment;
  onClose: () => void;
}) {
  const c = company.id;
  const vendors = useQuery({ queryKey: keys.vendorList(c, false), queryFn: () => listVendors(c, false) });
  const [number, setNumber] = useState(commitment.number);
  const [title, setTitle] = useState(commitment.title);
  const [vendorId, setVendorId] = useState(commitment.vendor.id);
  const [error, setError] = useState<string | null>(null);
  const ids = { number: useId(), title: useId(), vendor: useId() };
  const save = useAction({
    run: () =>
      updateCommitment(c, projectId, commitment.id, {
        number: number.trim(),
        title: title.trim(),
        vendorId,
      }),
    success: "Commitment details saved.",
    invalidate: [keys.commitments(c, projectId)],
    showErrorInline: true,
    onSuccess: onClose,
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (!number.trim() || !title.trim()) {
      setError("Enter a number and a title.");
      return;
    }
    setError(null);
    save.mutate(undefined, { onError: (e) => setError(errorMessage(e)) });
  };
  const options = vendors.data ?? [];
  return (
    <Dialog title="Edit commitment details" onClose={onClose}>
      <form onSubmit={submit} noValidate className="stack">
        <div className="field">
          <label htmlFor={ids.number}>Number</label>
          <input
            id={ids.number}
            className="input"
            maxLength={30}
            value={number}
            onChange={(e) => setNumber(e.target.value)}
          />
        </div>
        <div className="field">
          <label htmlFor={ids.title}>Title</label>
          <input
            id={ids.title}
            className="input"
            maxLength={200}
            value={title}
            onChange={(e) => setTitle(e.target.value)}
          />
        </div>
        <div className="field">
          <label htmlFor={ids.vendor}>Vendor</label>
          <select
            id={ids.vendor}
            className="input"
            value={vendorId}
            onChange={(e) => setVendorId(e.target.value)}
          >
            {options.some((v) => v.id === commitment.vendor.id) ? null : (
              <option value={commitment.vendor.id}>{commitment.vendor.name}</option>
            )}
            {options.map((v) => (
              <option key={v.id} value={v.id}>
                {v.name}
              </option>
            ))}
          </select>
        </div>
        {error ? (
          <p className="field-error" role="alert">
            {error}
          </p>
        ) : null}
        <div className="dialog-footer">
          <button type="button" className="button button-secondary" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="button button-primary" disabled={save.isPending}>
            Save
          </button>
        </div>
      </form>
    </Dialog>
  );
}

function CommitmentLinesSection({
  company,
  projectId,
  commitment,
}: {
  company: CompanyMembership;
  projectId: string;
  commitment: Commitment;
}) {
  const c = company.id;
  const { categories } = useCompanyLists(c);
  const mayEdit = commitment.status === "draft" && commitment.actions.edit.allowed;
  const [editing, setEditing] = useState<string | null>(null);
  const [deleting, setDeleting] = useState<CommitmentLine | null>(null);
  const invalidate = [keys.commitments(c, projectId)];
  const remove = useAction({
    run: (lineId: string) => deleteCommitmentLine(c, projectId, commitment.id, lineId),
    success: "Line deleted.",
    invalidate,
    onSuccess: () => setDeleting(null),
    onError: () => setDeleting(null),
  });
  const categoryName = (code: string) => categories.data?.items.find((cat) => cat.code === code)?.name;
  const pending = commitment.totals.pendingChanges;

  return (
    <section className="card" aria-labelledby="commitment-lines-heading">
      <div className="card-head">
        <h2 id="commitment-lines-heading">Lines</h2>
        {!mayEdit ? (
          <p className="muted small">
            {commitment.status === "draft"
              ? (commitment.actions.edit.reasons[0]?.message ??
                "You can view this commitment; editing it needs Standard or Admin access to budgets.")
              : commitment.status === "void"
                ? "A void commitment cannot be changed."
                : "Lines change only while the commitment is a draft; after approval, through change orders."}
          </p>
        ) : null}
      </div>
      <div className="table-wrap">
        <table className="table table-money table-stack">
          <caption className="sr-only">Commitment lines with their amounts</caption>
          <thead>
            <tr>
              <th scope="col">Cost Code</th>
              <th scope="col">Category</th>
              <th scope="col">Description</th>
              <th scope="col" className="num">
                Original
              </th>
              <th scope="col" className="num">
                Approved Changes
              </th>
              <th scope="col" className="num">
                Revised
              </th>
              <th scope="col">
                <span className="sr-only">Line actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {commitment.lines.length === 0 ? (
              <tr>
                <td colSpan={7} className="empty-cell">
                  {mayEdit ? "No lines yet. Add a line below." : "This commitment has no lines yet."}
                </td>
              </tr>
            ) : (
              commitment.lines.map((line) =>
                editing === line.id ? (
                  <LineEditorRow
                    key={line.id}
                    companyId={c}
                    projectId={projectId}
                    commitmentId={commitment.id}
                    line={line}
                    onDone={() => setEditing(null)}
                  />
                ) : (
                  <tr key={line.id}>
                    <td>
                      <span className="mono">{line.costCode}</span>
                      {line.costCodeDescription ? (
                        <span className="sub">{line.costCodeDescription}</span>
                      ) : null}
                    </td>
                    <td>
                      <span className="mono">{line.category}</span>
                      {categoryName(line.category) ? (
                        <span className="sub">{categoryName(line.category)}</span>
                      ) : null}
                    </td>
                    <td data-label="Description">{line.description || <span className="muted">—</span>}</td>
                    <td data-label="Original" className="num">
                      <Money amount={line.original} />
                    </td>
                    <td data-label="Approved Changes" className="num">
                      <Money amount={line.approvedChanges} signed />
                    </td>
                    <td data-label="Revised" className="num">
                      <Money amount={line.revised} />
                    </td>
                    <td className="row-actions">
                      {mayEdit ? (
                        <>
                          <button
                            type="button"
                            className="button button-small button-secondary"
                            aria-label={`Edit line ${lineLabel(line)}`}
                            onClick={() => setEditing(line.id)}
                          >
                            Edit
                          </button>
                          <button
                            type="button"
                            className="button button-small button-danger-quiet"
                            aria-label={`Delete line ${lineLabel(line)}`}
                            onClick={() => setDeleting(line)}
                          >
                            Delete
                          </button>
                        </>
                      ) : null}
                      <ExportMark line={line} />
                    </td>
                  </tr>
                ),
              )
            )}
          </tbody>
          <tfoot>
            <tr>
              <th scope="row" colSpan={3}>
                Totals
              </th>
              <td data-label="Original" className="num">
                <Money amount={commitment.totals.original} />
              </td>
              <td data-label="Approved Changes" className="num">
                <Money amount={commitment.totals.approvedChanges} signed />
              </td>
              <td data-label="Revised" className="num">
                <Money amount={commitment.totals.revised} />
              </td>
              <td className="stack-hide" />
            </tr>
          </tfoot>
        </table>
      </div>
      {!isZeroAmount(pending) ? (
        <p className="muted small">
          Pending change orders: <Money amount={pending} signed /> (not part of the revised total and not sent
          until approved).
        </p>
      ) : null}
      {mayEdit ? (
        <AddCommitmentLineForm company={company} projectId={projectId} commitment={commitment} />
      ) : null}
      {deleting ? (
        <DeleteLineDialog
          line={deleting}
          amount={deleting.original}
          from="commitment"
          busy={remove.isPending}
          onCancel={() => setDeleting(null)}
          onConfirm={() => remove.mutate(deleting.id)}
        />
      ) : null}
    </section>
  );
}

/** Whether the ERP holds this line's revised amount, said only when the line has been exported. */
function ExportMark({ line }: { line: CommitmentLine }) {
  if (line.exported === null) return null;
  const same = line.exported === line.revised;
  return (
    <span
      className="muted small line-mark"
      title={
        same
          ? "QuickBooks holds this amount on the purchase order."
          : "QuickBooks holds a different amount for this line until the commitment is re-sent."
      }
    >
      {same ? "In QuickBooks" : "Changed since export"}
    </span>
  );
}

function LineEditorRow({
  companyId,
  projectId,
  commitmentId,
  line,
  onDone,
}: {
  companyId: string;
  projectId: string;
  commitmentId: string;
  line: CommitmentLine;
  onDone: () => void;
}) {
  const [amount, setAmount] = useState(line.original);
  const [description, setDescription] = useState(line.description);
  const [error, setError] = useState<string | null>(null);
  const save = useAction({
    run: (input: { amount: string; description: string }) =>
      updateCommitmentLine(companyId, projectId, commitmentId, line.id, input),
    success: `Line ${lineLabel(line)} saved.`,
    invalidate: [keys.commitments(companyId, projectId)],
    showErrorInline: true,
    onSuccess: onDone,
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const parsed = parseMoneyInput(amount);
    if (parsed === null) {
      setError("Enter an amount of zero or more, with at most 2 decimals.");
      return;
    }
    setError(null);
    save.mutate(
      { amount: parsed, description: description.trim() },
      { onError: (e) => setError(errorMessage(e)) },
    );
  };
  const formId = useId();
  return (
    <tr className="row-editing">
      <td>
        <span className="mono">{line.costCode}</span>
      </td>
      <td>
        <span className="mono">{line.category}</span>
      </td>
      <td data-label="Description">
        <input
          form={formId}
          className="input"
          maxLength={4000}
          aria-label={`Description of ${lineLabel(line)}`}
          value={description}
          onChange={(e) => setDescription(e.target.value)}
        />
      </td>
      <td data-label="Original" className="num">
        <input
          form={formId}
          className="input input-money"
          inputMode="decimal"
          aria-label={`Original amount of ${lineLabel(line)}`}
          aria-invalid={error ? true : undefined}
          value={amount}
          autoFocus
          onChange={(e) => setAmount(e.target.value)}
        />
        {error ? (
          <p className="field-error" role="alert">
            {error}
          </p>
        ) : null}
      </td>
      <td data-label="Approved Changes" className="num">
        <Money amount={line.approvedChanges} signed />
      </td>
      <td data-label="Revised" className="num">
        <Money amount={line.revised} />
      </td>
      <td className="row-actions">
        <form
          id={formId}
          className="inline-edit"
          onSubmit={submit}
          onKeyDown={(e) => e.key === "Escape" && onDone()}
        >
          <button type="submit" className="button button-small button-primary" disabled={save.isPending}>
            Save
          </button>
          <button type="button" className="button button-small button-secondary" onClick={onDone}>
            Cancel
          </button>
        </form>
      </td>
    </tr>
  );
}

type LineField = "costCode" | "category" | "amount" | "description";

function AddCommitmentLineForm({
  company,
  projectId,
  commitment,
}: {
  company: CompanyMembership;
  projectId: string;
  commitment: Commitment;
}) {
  const c = company.id;
  const [costCode, setCostCode] = useState("");
  const [category, setCategory] = useState("");
  const [description, setDescription] = useState("");
  const [amount, setAmount] = useState("");
  const [errors, setErrors] = useState<Partial<Record<LineField | "form", string>>>({});
  const costCodeRef = useRef<HTMLSelectElement>(null);
  const ids = { description: useId(), amount: useId() };

  const add = useAction({
    run: (input: { costCode: string; category: string; description: string; amount: string }) =>
      addCommitmentLine(c, projectId, commitment.id, input),
    success: (_r, input) => `Line ${input.costCode} ${input.category} added.`,
    invalidate: [keys.commitments(c, projectId)],
    showErrorInline: true,
    onSuccess: () => {
      setCostCode("");
      setCategory("");
      setDescription("");
      setAmount("");
      setErrors({});
      costCodeRef.current?.focus();
    },
  });

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const next: typeof errors = {};
    if (!costCode) next.costCode = "Choose a cost code.";
    if (!category) next.category = "Choose a category.";
    const parsed = parseMoneyInput(amount);
    if (parsed === null) next.amount = "Enter an amount of zero or more, with at most 2 decimals.";
    if (
      !next.costCode &&
      !next.category &&
      commitment.lines.some((l) => l.costCode === costCode && l.category === category)
    ) {
      next.form = `The commitment already has a line for ${costCode} ${category}.`;
    }
    setErrors(next);
    if (Object.keys(next).length > 0 || parsed === null) return;
    add.mutate(
      { costCode, category, description: description.trim(), amount: parsed },
      {
        onError: (error) => {
          const field = error instanceof ApiError ? error.field : undefined;
          if (field === "costCode" || field === "category" || field === "amount" || field === "description") {
            setErrors({ [field]: error.message });
          } else setErrors({ form: errorMessage(error) });
        },
      },
    );
  };

  return (
    <form className="add-line" onSubmit={submit} noValidate aria-labelledby="add-commitment-line-heading">
      <h3 id="add-commitment-line-heading">Add a line</h3>
      <div className="form-row">
        <CostCodeCategoryFields
          companyId={c}
          costCode={costCode}
          category={category}
          onCostCode={setCostCode}
          onCategory={setCategory}
          costCodeError={errors.costCode}
          categoryError={errors.category}
          costCodeRef={costCodeRef}
        />
        <div className="field field-wide">
          <label htmlFor={ids.description}>Description</label>
          <input
            id={ids.description}
            className="input"
            maxLength={4000}
            value={description}
            aria-invalid={errors.description ? true : undefined}
            onChange={(e) => setDescription(e.target.value)}
          />
          {errors.description ? <p className="field-error">{errors.description}</p> : null}
        </div>
        <div className="field">
          <label htmlFor={ids.amount}>Amount</label>
          <input
            id={ids.amount}
            className="input input-money"
            inputMode="decimal"
            placeholder="0.00"
            value={amount}
            aria-invalid={errors.amount ? true : undefined}
            onChange={(e) => setAmount(e.target.value)}
          />
          {errors.amount ? <p className="field-error">{errors.amount}</p> : null}
        </div>
        <div className="field field-submit">
          <button type="submit" className="button button-primary" disabled={add.isPending}>
            Add line
          </button>
        </div>
      </div>
      {errors.form ? (
        <p className="field-error" role="alert">
          {errors.form}
        </p>
      ) : null}
    </form>
  );
}
