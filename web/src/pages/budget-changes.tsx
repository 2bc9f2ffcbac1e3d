import { useQuery } from "@tanstack/react-query";
import { type FormEvent, useId, useState } from "react";
import {
  ApiError,
  approveBudgetChange,
  type Budget,
  type BudgetChange,
  type CompanyMembership,
  createBudgetChange,
  deleteBudgetChange,
  keys,
  listBudgetChanges,
  voidBudgetChange,
} from "../api.js";
import { ErrorState, errorMessage, Loading, Money } from "../components/ui.js";
import { useAction } from "../components/use-action.js";
import { parseMoneyInput, sumAmounts } from "../money.js";
import { canApproveChanges, canEditLines, isBudgetEditable } from "../rules.js";
import { lineLabel } from "./budget-lines.js";

const STATUS_LABEL: Record<BudgetChange["status"], string> = {
  draft: "Draft",
  approved: "Approved",
  void: "Void",
};

export function BudgetChangesSection({
  company,
  projectId,
  budget,
}: {
  company: CompanyMembership;
  projectId: string;
  budget: Budget;
}) {
  const c = company.id;
  const changes = useQuery({
    queryKey: keys.budgetChanges(c, projectId),
    queryFn: () => listBudgetChanges(c, projectId),
  });
  const [creating, setCreating] = useState(false);
  const mayCreate = canEditLines(company.permissions) && isBudgetEditable(budget.state);
  const mayApprove = canApproveChanges(company.permissions);
  const invalidate = [keys.budget(c, projectId), keys.projects(c)];

  const approve = useAction({
    run: (change: BudgetChange) => approveBudgetChange(c, projectId, change.id),
    success: (_r, change) => `Budget change ${change.number} approved.`,
    invalidate,
  });
  const voidChange = useAction({
    run: (change: BudgetChange) => voidBudgetChange(c, projectId, change.id),
    success: (_r, change) => `Budget change ${change.number} voided.`,
    invalidate,
  });
  const remove = useAction({
    run: (change: BudgetChange) => deleteBudgetChange(c, projectId, change.id),
    success: (_r, change) => `Draft budget change ${change.number} deleted.`,
    invalidate,
  });
  const busy = approve.isPending || voidChange.isPending || remove.isPending;

  const items = changes.data ?? [];
  return (
    <section className="card" aria-labelledby="changes-heading">
      <div className="card-head">
        <h2 id="changes-heading">Budget changes</h2>
        {mayCreate && !creating && budget.lines.length > 0 ? (
          <button type="button" className="button button-secondary" onClick={() => setCreating(true)}>
            New budget change
          </button>
        ) : null}
      </div>
      {creating ? (
        <ChangeForm
          company={company}
          projectId={projectId}
          budget={budget}
          onDone={() => setCreating(false)}
        />
      ) : null}
      {changes.isPending ? (
        <Loading label="Loading budget changes…" />
      ) : changes.isError ? (
        <ErrorState error={changes.error} onRetry={() => changes.refetch()} />
      ) : items.length === 0 ? (
        <p className="muted">
          No budget changes. After the budget is locked, amounts change through budget changes that a budget
          admin approves.
        </p>
      ) : (
        <div className="table-wrap">
          <table className="table">
            <thead>
              <tr>
                <th scope="col">Number</th>
                <th scope="col">Description</th>
                <th scope="col">Status</th>
                <th scope="col" className="num">
                  Amount
                </th>
                <th scope="col">
                  <span className="sr-only">Change actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {items.map((change) => {
                const total = sumAmounts((change.adjustments ?? []).map((a) => a.amount));
                return (
                  <tr key={change.id}>
                    <td className="mono">{change.number}</td>
                    <td>{change.description}</td>
                    <td>
                      <span className={`pill pill-change-${change.status}`}>
                        {STATUS_LABEL[change.status] ?? change.status}
                      </span>
                      {change.exported ? <span className="sub">In QuickBooks</span> : null}
                    </td>
                    <td className="num">
                      <Money amount={total} signed />
                    </td>
                    <td className="row-actions">
                      {change.status === "draft" && mayApprove ? (
                        <button
                          type="button"
                          className="button button-small button-primary"
                          disabled={busy}
                          aria-label={`Approve budget change ${change.number}`}
                          onClick={() => approve.mutate(change)}
                        >
                          Approve
                        </button>
                      ) : null}
                      {change.status !== "void" && !change.exported && mayApprove ? (
                        <button
                          type="button"
                          className="button button-small button-secondary"
                          disabled={busy}
                          aria-label={`Void budget change ${change.number}`}
                          onClick={() => voidChange.mutate(change)}
                        >
                          Void
                        </button>
                      ) : null}
                      {change.status === "draft" && mayCreate ? (
                        <button
                          type="button"
                          className="button button-small button-danger-quiet"
                          disabled={busy}
                          aria-label={`Delete draft budget change ${change.number}`}
                          onClick={() => remove.mutate(change)}
                        >
                          Delete
                        </button>
                      ) : null}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

function ChangeForm({
  company,
  projectId,
  budget,
  onDone,
}: {
  company: CompanyMembership;
  projectId: string;
  budget: Budget;
  onDone: () => void;
}) {
  const c = company.id;
  const [description, setDescription] = useState("");
  const [amounts, setAmounts] = useState<Record<string, string>>({});
  const [errors, setErrors] = useState<Record<string, string>>({});
  const descriptionId = useId();
  const create = useAction({
    run: (input: { description: string; adjustments: { lineId: string; amount: string }[] }) =>
      createBudgetChange(c, projectId, input),
    success: (result) => `Draft budget change ${result.number} saved.`,
    invalidate: [keys.budgetChanges(c, projectId)],
    showErrorInline: true,
    onSuccess: onDone,
  });

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const next: Record<string, string> = {};
    if (!description.trim()) next.description = "Describe the change.";
    const adjustments: { lineId: string; amount: string }[] = [];
    for (const line of budget.lines) {
      const text = amounts[line.id]?.trim();
      if (!text) continue;
      const amount = parseMoneyInput(text, { allowNegative: true });
      if (amount === null) next[line.id] = "Enter an amount such as 1500 or -250.50.";
      else if (amount !== "0.00") adjustments.push({ lineId: line.id, amount });
    }
    if (Object.keys(next).length === 0 && adjustments.length === 0)
      next.form = "Enter an adjustment for at least one line.";
    setErrors(next);
    if (Object.keys(next).length > 0) return;
    create.mutate(
      { description: description.trim(), adjustments },
      {
        onError: (error) => {
          const field = error instanceof ApiError ? error.field : undefined;
          setErrors(field === "description" ? { description: error.message } : { form: errorMessage(error) });
        },
      },
    );
  };

  return (
    <form className="change-form" onSubmit={submit} noValidate aria-labelledby="new-change-heading">
      <h3 id="new-change-heading">New budget change</h3>
      <div className="field">
        <label htmlFor={descriptionId}>Description</label>
        <input
          id={descriptionId}
          className="input"
          value={description}
          maxLength={500}
          autoFocus
          aria-invalid={errors.description ? true : undefined}
          onChange={(e) => setDescription(e.target.value)}
        />
        {errors.description ? <p className="field-error">{errors.description}</p> : null}
      </div>
      <div className="table-wrap">
        <table className="table table-compact">
          <thead>
            <tr>
              <th scope="col">Line</th>
              <th scope="col" className="num">
                Revised now
              </th>
              <th scope="col" className="num">
                Adjustment
              </th>
            </tr>
          </thead>
          <tbody>
            {budget.lines.map((line) => (
              <tr key={line.id}>
                <td className="mono">{lineLabel(line)}</td>
                <td className="num">
                  <Money amount={line.revisedEstimate} />
                </td>
                <td className="num">
                  <input
                    className="input input-money"
                    inputMode="decimal"
                    placeholder="0.00"
                    aria-label={`Adjustment for ${lineLabel(line)}`}
                    aria-invalid={errors[line.id] ? true : undefined}
                    value={amounts[line.id] ?? ""}
                    onChange={(e) => setAmounts((all) => ({ ...all, [line.id]: e.target.value }))}
                  />
                  {errors[line.id] ? <p className="field-error">{errors[line.id]}</p> : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {errors.form ? (
        <p className="field-error" role="alert">
          {errors.form}
        </p>
      ) : null}
      <div className="form-actions">
        <button type="submit" className="button button-primary" disabled={create.isPending}>
          Save draft
        </button>
        <button type="button" className="button button-secondary" onClick={onDone}>
          Cancel
        </button>
      </div>
    </form>
  );
}
