import { type FormEvent, useId, useState } from "react";
import {
  approveChangeOrder,
  type ChangeOrder,
  type ChangeOrderLineInput,
  type Commitment,
  type CompanyMembership,
  createChangeOrder,
  deleteChangeOrder,
  keys,
  rejectChangeOrder,
  updateChangeOrder,
} from "../api.js";
import { Dialog } from "../components/dialog.js";
import { errorMessage, GatedButton, Money } from "../components/ui.js";
import { useAction } from "../components/use-action.js";
import { formatDateTime } from "../format.js";
import { parseMoneyInput } from "../money.js";
import { canApproveChanges } from "../rules.js";
import { useCompanyLists } from "./budget-lines.js";

const STATUS_LABEL: Record<ChangeOrder["status"], string> = {
  pending: "Pending",
  approved: "Approved",
  rejected: "Rejected",
};

/** The change orders of an approved commitment: listed with their lines; pending ones edited or decided. */
export function ChangeOrdersSection({
  company,
  projectId,
  commitment,
}: {
  company: CompanyMembership;
  projectId: string;
  commitment: Commitment;
}) {
  const c = company.id;
  const [form, setForm] = useState<{ editing: ChangeOrder | null } | null>(null);
  const [deleting, setDeleting] = useState<ChangeOrder | null>(null);
  const gate = commitment.actions.addChangeOrder;
  // Editing, approving and rejecting a pending change order follow the same gate as adding one (an approved,
  // unlocked commitment); approving and rejecting also need the right to approve changes.
  const mayChange = gate.allowed;
  const mayDecide = mayChange && canApproveChanges(company.permissions);
  const invalidate = [keys.commitments(c, projectId)];

  const approve = useAction({
    run: (co: ChangeOrder) => approveChangeOrder(c, projectId, commitment.id, co.id),
    success: (_r, co) => `Change order ${co.number} approved.`,
    invalidate,
  });
  const reject = useAction({
    run: (co: ChangeOrder) => rejectChangeOrder(c, projectId, commitment.id, co.id),
    success: (_r, co) => `Change order ${co.number} rejected.`,
    invalidate,
  });
  const remove = useAction({
    run: (co: ChangeOrder) => deleteChangeOrder(c, projectId, commitment.id, co.id),
    success: (_r, co) => `Change order ${co.number} deleted.`,
    invalidate,
    onSuccess: () => setDeleting(null),
    onError: () => setDeleting(null),
  });
  const busy = approve.isPending || reject.isPending || remove.isPending;
  const items = commitment.changeOrders;

  if (commitment.status !== "approved" && items.length === 0) return null;

  return (
    <section className="card" aria-labelledby="change-orders-heading">
      <div className="card-head">
        <h2 id="change-orders-heading">Change orders</h2>
        {commitment.status === "approved" && !form ? (
          <GatedButton
            allowed={gate.allowed}
            reasons={gate.reasons}
            className="button button-secondary"
            onClick={() => setForm({ editing: null })}
          >
            New change order
          </GatedButton>
        ) : null}
      </div>
      {form ? (
        <ChangeOrderForm
          key={form.editing?.id ?? "new"}
          company={company}
          projectId={projectId}
          commitment={commitment}
          editing={form.editing}
          onDone={() => setForm(null)}
        />
      ) : null}
      {items.length === 0 ? (
        <p className="muted">
          No change orders. An approved commitment changes through change orders: once approved, they count in
          the revised amounts and are sent with the next Re-send to ERP.
        </p>
      ) : (
        <div className="table-wrap">
          <table className="table table-stack">
            <caption className="sr-only">Change orders of this commitment</caption>
            <thead>
              <tr>
                <th scope="col">Number</th>
                <th scope="col">Title</th>
                <th scope="col">Lines</th>
                <th scope="col">Status</th>
                <th scope="col" className="num">
                  Amount
                </th>
                <th scope="col">
                  <span className="sr-only">Change order actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {items.map((co) => (
                <tr key={co.id}>
                  <th scope="row" className="mono">
                    {co.number}
                  </th>
                  <td data-label="Title">
                    <div className="status-stack">
                      <span>{co.title}</span>
                      <span className="sub">
                        {formatDateTime(co.createdAt)}
                        {co.createdBy ? ` · ${co.createdBy.name}` : ""}
                      </span>
                    </div>
                  </td>
                  <td data-label="Lines">
                    <ul className="plain-list">
                      {co.lines.map((l) => (
                        <li key={`${l.costCode}|${l.category}`}>
                          <span className="nowrap">
                            <span className="mono">
                              {l.costCode} {l.category}
                            </span>{" "}
                            <Money amount={l.amount} signed />
                          </span>
                          {l.description ? <span className="sub">{l.description}</span> : null}
                        </li>
                      ))}
                    </ul>
                  </td>
                  <td data-label="Status">
                    <div className="status-stack">
                      <span className={`pill pill-co-${co.status}`}>
                        {STATUS_LABEL[co.status] ?? co.status}
                      </span>
                      {co.decidedAt ? (
                        <span className="sub">
                          {formatDateTime(co.decidedAt)}
                          {co.decidedBy ? ` · ${co.decidedBy.name}` : ""}
                        </span>
                      ) : null}
                    </div>
                  </td>
                  <td data-label="Amount" className="num">
                    <Money amount={co.total} signed />
                  </td>
                  <td className="row-actions">
                    {co.status === "pending" && mayDecide ? (
                      <>
                        <button
                          type="button"
                          className="button button-small button-primary"
                          disabled={busy}
                          aria-label={`Approve change order ${co.number}`}
                          onClick={() => approve.mutate(co)}
                        >
                          Approve
                        </button>
                        <button
                          type="button"
                          className="button button-small button-secondary"
                          disabled={busy}
                          aria-label={`Reject change order ${co.number}`}
                          onClick={() => reject.mutate(co)}
                        >
                          Reject
                        </button>
                      </>
                    ) : null}
                    {co.status === "pending" && mayChange ? (
                      <>
                        <button
                          type="button"
                          className="button button-small button-secondary"
                          disabled={busy || Boolean(form)}
                          aria-label={`Edit change order ${co.number}`}
                          onClick={() => setForm({ editing: co })}
                        >
                          Edit
                        </button>
                        <button
                          type="button"
                          className="button button-small button-danger-quiet"
                          disabled={busy}
                          aria-label={`Delete change order ${co.number}`}
                          onClick={() => setDeleting(co)}
                        >
                          Delete
                        </button>
                      </>
                    ) : null}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {deleting ? (
        <Dialog
          title={`Delete change order ${deleting.number}?`}
          onClose={() => setDeleting(null)}
          footer={
            <>
              <button type="button" className="button button-secondary" onClick={() => setDeleting(null)}>
                Cancel
              </button>
              <button
                type="button"
                className="button button-danger"
                disabled={remove.isPending}
                onClick={() => remove.mutate(deleting)}
              >
                Delete change order
              </button>
            </>
          }
        >
          <p>
            Pending change order <strong>{deleting.title}</strong> (<Money amount={deleting.total} signed />)
            will be removed.
          </p>
        </Dialog>
      ) : null}
    </section>
  );
}

interface Row {
  key: string;
  costCode: string;
  category: string;
  description: string;
  amount: string;
  /** A line the commitment already has (its cost code and category are fixed). */
  existing: boolean;
}

function initialRows(commitment: Commitment, editing: ChangeOrder | null): Row[] {
  const rows: Row[] = commitment.lines.map((line) => {
    const from = editing?.lines.find((l) => l.costCode === line.costCode && l.category === line.category);
    return {
      key: line.id,
      costCode: line.costCode,
      category: line.category,
      description: from?.description ?? "",
      amount: from?.amount ?? "",
      existing: true,
    };
  });
  for (const [i, l] of (editing?.lines ?? []).entries()) {
    if (rows.some((r) => r.costCode === l.costCode && r.category === l.category)) continue;
    rows.push({ key: `new-${i}`, ...l, existing: false });
  }
  return rows;
}

function ChangeOrderForm({
  company,
  projectId,
  commitment,
  editing,
  onDone,
}: {
  company: CompanyMembership;
  projectId: string;
  commitment: Commitment;
  editing: ChangeOrder | null;
  onDone: () => void;
}) {
  const c = company.id;
  const { costCodes, categories } = useCompanyLists(c);
  const [title, setTitle] = useState(editing?.title ?? "");
  const [rows, setRows] = useState<Row[]>(() => initialRows(commitment, editing));
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [nextKey, setNextKey] = useState(1);
  const titleId = useId();
  const headingId = useId();

  const save = useAction({
    run: (input: { title: string; lines: ChangeOrderLineInput[] }) =>
      editing
        ? updateChangeOrder(c, projectId, commitment.id, editing.id, input)
        : createChangeOrder(c, projectId, commitment.id, input),
    success: (r) => (editing ? `Change order ${r.number} saved.` : `Pending change order ${r.number} saved.`),
    invalidate: [keys.commitments(c, projectId)],
    showErrorInline: true,
    onSuccess: onDone,
  });

  const setRow = (key: string, patch: Partial<Row>) =>
    setRows((all) => all.map((r) => (r.key === key ? { ...r, ...patch } : r)));
  const addRow = () => {
    setRows((all) => [
      ...all,
      { key: `added-${nextKey}`, costCode: "", category: "", description: "", amount: "", existing: false },
    ]);
    setNextKey((k) => k + 1);
  };

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const next: Record<string, string> = {};
    if (!title.trim()) next.title = "Give the change order a title.";
    const lines: ChangeOrderLineInput[] = [];
    const seen = new Set<string>();
    for (const row of rows) {
      const text = row.amount.trim();
      if (!text && row.existing) continue;
      if (!row.existing && !text && !row.costCode && !row.category) continue;
      if (!row.existing && (!row.costCode || !row.category)) {
        next[row.key] = "Choose a cost code and a category.";
        continue;
      }
      const amount = parseMoneyInput(text, { allowNegative: true });
      if (amount === null) {
        next[row.key] = "Enter an amount such as 1500 or -250.50.";
        continue;
      }
      const key = `${row.costCode}|${row.category}`;
      if (seen.has(key)) {
        next[row.key] = `${row.costCode} ${row.category} is already in this change order.`;
        continue;
      }
      seen.add(key);
      if (amount === "0.00") continue;
      lines.push({
        costCode: row.costCode,
        category: row.category,
        ...(row.description.trim() ? { description: row.description.trim() } : {}),
        amount,
      });
    }
    if (Object.keys(next).length === 0 && lines.length === 0)
      next.form = "Enter a change for at least one line.";
    setErrors(next);
    if (Object.keys(next).length > 0) return;
    save.mutate(
      { title: title.trim(), lines },
      { onError: (error) => setErrors({ form: errorMessage(error) }) },
    );
  };

  const activeCodes = (costCodes.data?.items ?? []).filter((cc) => cc.active !== false);
  const revisedOf = (row: Row) =>
    commitment.lines.find((l) => l.costCode === row.costCode && l.category === row.category)?.revised;

  return (
    <form className="change-form" onSubmit={submit} noValidate aria-labelledby={headingId}>
      <h3 id={headingId}>{editing ? `Edit change order ${editing.number}` : "New change order"}</h3>
      <div className="field">
        <label htmlFor={titleId}>Title</label>
        <input
          id={titleId}
          className="input"
          value={title}
          maxLength={200}
          autoFocus
          aria-invalid={errors.title ? true : undefined}
          onChange={(e) => setTitle(e.target.value)}
        />
        {errors.title ? <p className="field-error">{errors.title}</p> : null}
      </div>
      <div className="table-wrap">
        <table className="table table-compact table-stack">
          <caption className="sr-only">Changes per line</caption>
          <thead>
            <tr>
              <th scope="col">Line</th>
              <th scope="col" className="num">
                Revised now
              </th>
              <th scope="col">Description</th>
              <th scope="col" className="num">
                Change
              </th>
            </tr>
          </thead>
          <tbody>
            {rows.map((row) => {
              const label = row.existing ? `${row.costCode} ${row.category}` : "the new line";
              return (
                <tr key={row.key}>
                  <td>
                    {row.existing ? (
                      <span className="mono">
                        {row.costCode} {row.category}
                      </span>
                    ) : (
                      <div className="inline-edit">
                        <select
                          className="input input-compact"
                          aria-label="Cost code of the new line"
                          value={row.costCode}
                          onChange={(e) => setRow(row.key, { costCode: e.target.value })}
                        >
                          <option value="">Cost code…</option>
                          {activeCodes.map((cc) => (
                            <option key={cc.id} value={cc.code}>
                              {cc.code} · {cc.description}
                            </option>
                          ))}
                        </select>
                        <select
                          className="input input-compact"
                          aria-label="Category of the new line"
                          value={row.category}
                          onChange={(e) => setRow(row.key, { category: e.target.value })}
                        >
                          <option value="">Category…</option>
                          {(categories.data?.items ?? []).map((cat) => (
                            <option key={cat.id} value={cat.code}>
                              {cat.code} · {cat.name}
                            </option>
                          ))}
                        </select>
                      </div>
                    )}
                  </td>
                  <td data-label="Revised now" className="num">
                    {row.existing ? <Money amount={revisedOf(row)} /> : <span className="muted">New</span>}
                  </td>
                  <td data-label="Description">
                    <input
                      className="input"
                      maxLength={4000}
                      aria-label={`Description for ${label}`}
                      value={row.description}
                      onChange={(e) => setRow(row.key, { description: e.target.value })}
                    />
                  </td>
                  <td data-label="Change" className="num">
                    <input
                      className="input input-money"
                      inputMode="decimal"
                      placeholder="0.00"
                      aria-label={`Change for ${label}`}
                      aria-invalid={errors[row.key] ? true : undefined}
                      value={row.amount}
                      onChange={(e) => setRow(row.key, { amount: e.target.value })}
                    />
                    {errors[row.key] ? <p className="field-error">{errors[row.key]}</p> : null}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
      <button type="button" className="button button-small button-secondary" onClick={addRow}>
        Add a new line
      </button>
      {errors.form ? (
        <p className="field-error" role="alert">
          {errors.form}
        </p>
      ) : null}
      <div className="form-actions">
        <button type="submit" className="button button-primary" disabled={save.isPending}>
          {editing ? "Save change order" : "Save pending change order"}
        </button>
        <button type="button" className="button button-secondary" onClick={onDone}>
          Cancel
        </button>
      </div>
    </form>
  );
}
