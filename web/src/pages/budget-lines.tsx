import { useQuery } from "@tanstack/react-query";
import { type FormEvent, type RefObject, useId, useRef, useState } from "react";
import {
  ApiError,
  addBudgetLine,
  type Budget,
  type BudgetLine,
  type CompanyMembership,
  deleteBudgetLine,
  keys,
  listCategories,
  listCostCodes,
  updateBudgetLine,
} from "../api.js";
import { Dialog } from "../components/dialog.js";
import { errorMessage, Money } from "../components/ui.js";
import { useAction } from "../components/use-action.js";
import { parseMoneyInput } from "../money.js";
import { canEditLines, isBudgetEditable, lineMark } from "../rules.js";

export function useCompanyLists(companyId: string) {
  const costCodes = useQuery({
    queryKey: keys.costCodes(companyId),
    queryFn: () => listCostCodes(companyId),
  });
  const categories = useQuery({
    queryKey: keys.categories(companyId),
    queryFn: () => listCategories(companyId),
  });
  return { costCodes, categories };
}

export function lineLabel(line: Pick<BudgetLine, "costCode" | "category">): string {
  return `${line.costCode} ${line.category}`;
}

export function CostCodeCategoryFields({
  companyId,
  costCode,
  category,
  onCostCode,
  onCategory,
  costCodeError,
  categoryError,
  costCodeRef,
}: {
  companyId: string;
  costCode: string;
  category: string;
  onCostCode: (value: string) => void;
  onCategory: (value: string) => void;
  costCodeError?: string | undefined;
  categoryError?: string | undefined;
  costCodeRef?: RefObject<HTMLSelectElement | null>;
}) {
  const { costCodes, categories } = useCompanyLists(companyId);
  const ids = { costCode: useId(), category: useId() };
  const activeCodes = (costCodes.data?.items ?? []).filter((cc) => cc.active !== false);
  return (
    <>
      <div className="field">
        <label htmlFor={ids.costCode}>Cost code</label>
        <select
          id={ids.costCode}
          ref={costCodeRef}
          className="input"
          value={costCode}
          aria-invalid={costCodeError ? true : undefined}
          onChange={(e) => onCostCode(e.target.value)}
        >
          <option value="">{costCodes.isPending ? "Loading…" : "Choose…"}</option>
          {activeCodes.map((cc) => (
            <option key={cc.id} value={cc.code}>
              {cc.code} · {cc.description}
            </option>
          ))}
        </select>
        {costCodeError ? <p className="field-error">{costCodeError}</p> : null}
      </div>
      <div className="field">
        <label htmlFor={ids.category}>Category</label>
        <select
          id={ids.category}
          className="input"
          value={category}
          aria-invalid={categoryError ? true : undefined}
          onChange={(e) => onCategory(e.target.value)}
        >
          <option value="">{categories.isPending ? "Loading…" : "Choose…"}</option>
          {(categories.data?.items ?? []).map((cat) => (
            <option key={cat.id} value={cat.code}>
              {cat.code} · {cat.name}
            </option>
          ))}
        </select>
        {categoryError ? <p className="field-error">{categoryError}</p> : null}
      </div>
    </>
  );
}

/** Asks before a line leaves a budget or a commitment, naming it and its amount. */
export function DeleteLineDialog({
  line,
  amount,
  from,
  busy,
  onCancel,
  onConfirm,
}: {
  line: Pick<BudgetLine, "costCode" | "category">;
  amount: string;
  from: "budget" | "commitment";
  busy: boolean;
  onCancel: () => void;
  onConfirm: () => void;
}) {
  return (
    <Dialog
      title="Delete this line?"
      onClose={onCancel}
      footer={
        <>
          <button type="button" className="button button-secondary" onClick={onCancel}>
            Cancel
          </button>
          <button type="button" className="button button-danger" disabled={busy} onClick={onConfirm}>
            Delete line
          </button>
        </>
      }
    >
      <p>
        Line <strong>{lineLabel(line)}</strong> (<Money amount={amount} />) will be removed from the {from}.
      </p>
    </Dialog>
  );
}

export function BudgetLinesSection({
  company,
  projectId,
  budget,
}: {
  company: CompanyMembership;
  projectId: string;
  budget: Budget;
}) {
  const c = company.id;
  const { costCodes, categories } = useCompanyLists(c);
  const mayEdit = canEditLines(company.permissions) && isBudgetEditable(budget.state);
  const mayEditOriginals = mayEdit && budget.state === "unlocked";
  const [editing, setEditing] = useState<string | null>(null);
  const [deleting, setDeleting] = useState<BudgetLine | null>(null);

  const describeCode = (line: BudgetLine) =>
    line.costCodeDescription ?? costCodes.data?.items.find((cc) => cc.code === line.costCode)?.description;
  const describeCategory = (line: BudgetLine) =>
    line.categoryName ?? categories.data?.items.find((cat) => cat.code === line.category)?.name;

  const invalidate = [keys.budget(c, projectId), keys.projects(c)];
  const remove = useAction({
    run: (lineId: string) => deleteBudgetLine(c, projectId, lineId),
    success: "Line deleted.",
    invalidate,
    onSuccess: () => setDeleting(null),
    onError: () => setDeleting(null),
  });

  return (
    <section className="card" aria-labelledby="lines-heading">
      <div className="card-head">
        <h2 id="lines-heading">Budget lines</h2>
        {!mayEdit ? (
          <p className="muted small">
            {canEditLines(company.permissions)
              ? "Lines cannot be changed while the budget is with accounting."
              : "You can view this budget; editing it needs Standard or Admin access to budgets."}
          </p>
        ) : null}
      </div>
      <div className="table-wrap">
        <table className="table table-money table-stack">
          <caption className="sr-only">Budget lines with their amounts</caption>
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
              {mayEdit ? (
                <th scope="col">
                  <span className="sr-only">Line actions</span>
                </th>
              ) : null}
            </tr>
          </thead>
          <tbody>
            {budget.lines.length === 0 ? (
              <tr>
                <td colSpan={mayEdit ? 6 : 5} className="empty-cell">
                  {mayEdit
                    ? "No lines yet. Add a line below or import a CSV file."
                    : "This budget has no lines yet."}
                </td>
              </tr>
            ) : (
              budget.lines.map((line) => (
                <tr key={line.id}>
                  <td>
                    <span className="mono">{line.costCode}</span>
                    {describeCode(line) ? <span className="sub">{describeCode(line)}</span> : null}
                  </td>
                  <td>
                    <span className="mono">{line.category}</span>
                    {describeCategory(line) ? <span className="sub">{describeCategory(line)}</span> : null}
                  </td>
                  <td data-label="Original Budget" className="num">
                    {editing === line.id ? (
                      <OriginalEditor
                        companyId={c}
                        projectId={projectId}
                        line={line}
                        onDone={() => setEditing(null)}
                      />
                    ) : (
                      <Money amount={line.originalBudget} />
                    )}
                  </td>
                  <td data-label="Budget Changes" className="num">
                    <Money amount={line.budgetChanges} />
                  </td>
                  <td data-label="Revised Estimate" className="num">
                    <Money amount={line.revisedEstimate} />
                  </td>
                  {mayEdit ? (
                    <td className="row-actions">
                      {mayEditOriginals && editing !== line.id ? (
                        <button
                          type="button"
                          className="button button-small button-secondary"
                          aria-label={`Edit original budget of ${lineLabel(line)}`}
                          onClick={() => setEditing(line.id)}
                        >
                          Edit
                        </button>
                      ) : null}
                      {line.actions.delete ? (
                        <button
                          type="button"
                          className="button button-small button-danger-quiet"
                          aria-label={`Delete line ${lineLabel(line)}`}
                          onClick={() => setDeleting(line)}
                        >
                          Delete
                        </button>
                      ) : null}
                      <LineMark line={line} />
                    </td>
                  ) : null}
                </tr>
              ))
            )}
          </tbody>
          <tfoot>
            <tr>
              <th scope="row" colSpan={2}>
                Totals
              </th>
              <td data-label="Original Budget" className="num">
                <Money amount={budget.totals.originalBudget} />
              </td>
              <td data-label="Budget Changes" className="num">
                <Money amount={budget.totals.budgetChanges} />
              </td>
              <td data-label="Revised Estimate" className="num">
                <Money amount={budget.totals.revisedEstimate} />
              </td>
              {mayEdit ? <td className="stack-hide" /> : null}
            </tr>
          </tfoot>
        </table>
      </div>
      {mayEdit ? <AddLineForm company={company} projectId={projectId} budget={budget} /> : null}
      {deleting ? (
        <DeleteLineDialog
          line={deleting}
          amount={deleting.revisedEstimate}
          from="budget"
          busy={remove.isPending}
          onCancel={() => setDeleting(null)}
          onConfirm={() => remove.mutate(deleting.id)}
        />
      ) : null}
    </section>
  );
}

/** Where the line stands against QuickBooks, in a word: only when it is true of the amount shown. */
function LineMark({ line }: { line: BudgetLine }) {
  const mark = lineMark(line);
  if (!mark) return null;
  return (
    <span className="muted small line-mark" title={mark.hint}>
      {mark.label}
    </span>
  );
}

function OriginalEditor({
  companyId,
  projectId,
  line,
  onDone,
}: {
  companyId: string;
  projectId: string;
  line: BudgetLine;
  onDone: () => void;
}) {
  const [text, setText] = useState(line.originalBudget);
  const [error, setError] = useState<string | null>(null);
  const errorId = useId();
  const save = useAction({
    run: (amount: string) => updateBudgetLine(companyId, projectId, line.id, amount),
    success: `Original budget of ${lineLabel(line)} saved.`,
    invalidate: [keys.budget(companyId, projectId)],
    showErrorInline: true,
    onSuccess: onDone,
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const amount = parseMoneyInput(text);
    if (amount === null) {
      setError("Enter an amount of zero or more, with at most 2 decimals.");
      return;
    }
    setError(null);
    save.mutate(amount, { onError: (e) => setError(errorMessage(e)) });
  };
  return (
    <form className="inline-edit" onSubmit={submit} onKeyDown={(e) => e.key === "Escape" && onDone()}>
      <input
        className="input input-money"
        inputMode="decimal"
        aria-label={`Original budget of ${lineLabel(line)}`}
        aria-invalid={error ? true : undefined}
        aria-describedby={error ? errorId : undefined}
        value={text}
        autoFocus
        onChange={(e) => setText(e.target.value)}
      />
      <button type="submit" className="button button-small button-primary" disabled={save.isPending}>
        Save
      </button>
      <button type="button" className="button button-small button-secondary" onClick={onDone}>
        Cancel
      </button>
      {error ? (
        <p id={errorId} className="field-error" role="alert">
          {error}
        </p>
      ) : null}
    </form>
  );
}

type LineField = "costCode" | "category" | "originalBudget";

function AddLineForm({
  company,
  projectId,
  budget,
}: {
  company: CompanyMembership;
  projectId: string;
  budget: Budget;
}) {
  const c = company.id;
  const [costCode, setCostCode] = useState("");
  const [category, setCategory] = useState("");
  const [amount, setAmount] = useState("");
  const [errors, setErrors] = useState<Partial<Record<LineField | "form", string>>>({});
  const costCodeRef = useRef<HTMLSelectElement>(null);
  const amountId = useId();
  const originalsOpen = budget.state === "unlocked";

  const add = useAction({
    run: (input: { costCode: string; category: string; originalBudget: string }) =>
      addBudgetLine(c, projectId, input),
    success: (_r, input) => `Line ${input.costCode} ${input.category} added.`,
    invalidate: [keys.budget(c, projectId), keys.projects(c)],
    showErrorInline: true,
    onSuccess: () => {
      setCostCode("");
      setCategory("");
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
    const parsed = originalsOpen ? parseMoneyInput(amount) : "0.00";
    if (originalsOpen && parsed === null)
      next.originalBudget = "Enter an amount of zero or more, with at most 2 decimals.";
    if (
      !next.costCode &&
      !next.category &&
      budget.lines.some((l) => l.costCode === costCode && l.category === category)
    ) {
      next.form = `The budget already has a line for ${costCode} ${category}.`;
    }
    setErrors(next);
    if (Object.keys(next).length > 0 || parsed === null) return;
    add.mutate(
      { costCode, category, originalBudget: parsed },
      {
        onError: (error) => {
          const field = error instanceof ApiError ? error.field : undefined;
          if (field === "costCode" || field === "category" || field === "originalBudget") {
            setErrors({ [field]: error.message });
          } else setErrors({ form: errorMessage(error) });
        },
      },
    );
  };

  return (
    <form className="add-line" onSubmit={submit} noValidate aria-labelledby="add-line-heading">
      <h3 id="add-line-heading">Add a line</h3>
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
        {originalsOpen ? (
          <div className="field">
            <label htmlFor={amountId}>Original amount</label>
            <input
              id={amountId}
              className="input input-money"
              inputMode="decimal"
              placeholder="0.00"
              value={amount}
              aria-invalid={errors.originalBudget ? true : undefined}
              onChange={(e) => setAmount(e.target.value)}
            />
            {errors.originalBudget ? <p className="field-error">{errors.originalBudget}</p> : null}
          </div>
        ) : null}
        <div className="field field-submit">
          <button type="submit" className="button button-primary" disabled={add.isPending}>
            Add line
          </button>
        </div>
      </div>
      {!originalsOpen ? (
        <p className="muted small">
          The budget is locked, so a new line starts at $0.00. Give it an amount with a budget change.
        </p>
      ) : null}
      {errors.form ? (
        <p className="field-error" role="alert">
          {errors.form}
        </p>
      ) : null}
    </form>
  );
}
