import { useQuery } from "@tanstack/react-query";
import { type FormEvent, useId, useState } from "react";
import { type CompanyMembership, keys } from "../../api.js";
import { ErrorState, errorMessage, Loading } from "../../components/ui.js";
import { useAction } from "../../components/use-action.js";
import {
  adminKeys,
  createCategory,
  createCostCode,
  erpRefLabel,
  listAdminCategories,
  listAdminCostCodes,
  updateCategory,
  updateCostCode,
} from "./admin-api.js";

/** Cost codes (add, edit, deactivate) and categories (add, rename): the company lists budgets are built from. */
export function CostCodesTab({ company }: { company: CompanyMembership }) {
  return (
    <div className="stack">
      <CostCodes companyId={company.id} />
      <Categories companyId={company.id} />
    </div>
  );
}

function AddForm({
  title,
  fields,
  submitLabel,
  onSubmit,
}: {
  title: string;
  fields: { key: string; label: string; max: number }[];
  submitLabel: string;
  onSubmit: (values: Record<string, string>) => Promise<unknown>;
}) {
  const [values, setValues] = useState<Record<string, string>>({});
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const base = useId();
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    setBusy(true);
    try {
      await onSubmit(values);
      setValues({});
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form onSubmit={submit} aria-label={title}>
      <div className="form-row">
        {fields.map((f) => (
          <div className="field" key={f.key}>
            <label htmlFor={`${base}-${f.key}`}>{f.label}</label>
            <input
              id={`${base}-${f.key}`}
              className="input"
              maxLength={f.max}
              value={values[f.key] ?? ""}
              onChange={(e) => setValues((v) => ({ ...v, [f.key]: e.target.value }))}
            />
          </div>
        ))}
        <div className="field field-submit">
          <button type="submit" className="button button-primary" disabled={busy}>
            {submitLabel}
          </button>
        </div>
      </div>
      {error ? (
        <p className="field-error" role="alert">
          {error}
        </p>
      ) : null}
    </form>
  );
}

function CostCodes({ companyId }: { companyId: string }) {
  const list = useQuery({
    queryKey: adminKeys.costCodes(companyId),
    queryFn: () => listAdminCostCodes(companyId),
  });
  const invalidate = [
    adminKeys.costCodes(companyId),
    adminKeys.mappings(companyId),
    keys.costCodes(companyId),
  ];
  const add = useAction({
    run: (v: { code: string; description: string }) => createCostCode(companyId, v),
    success: (r) => `Cost code ${r.code} added.`,
    invalidate,
    showErrorInline: true,
  });
  const update = useAction({
    run: (v: { id: string; description?: string; active?: boolean }) =>
      updateCostCode(companyId, v.id, { description: v.description, active: v.active }),
    success: "Cost code saved.",
    invalidate,
  });
  return (
    <section className="card" aria-labelledby="cost-codes-heading">
      <div className="card-head">
        <h2 id="cost-codes-heading">Cost codes</h2>
      </div>
      <AddForm
        title="Add a cost code"
        submitLabel="Add cost code"
        fields={[
          { key: "code", label: "Code", max: 30 },
          { key: "description", label: "Description", max: 500 },
        ]}
        onSubmit={(v) =>
          add.mutateAsync({ code: (v.code ?? "").trim(), description: (v.description ?? "").trim() })
        }
      />
      {list.isPending ? (
        <Loading />
      ) : list.isError ? (
        <ErrorState error={list.error} onRetry={() => list.refetch()} />
      ) : (
        <div className="table-wrap">
          <table className="table">
            <caption className="sr-only">Cost codes</caption>
            <thead>
              <tr>
                <th scope="col">Code</th>
                <th scope="col">Description</th>
                <th scope="col">QuickBooks item</th>
                <th scope="col">Status</th>
                <th scope="col">Actions</th>
              </tr>
            </thead>
            <tbody>
              {list.data.items.map((c) => (
                <tr key={c.id}>
                  <td className="mono">{c.code}</td>
                  <td>
                    <InlineText
                      label={`Description of ${c.code}`}
                      value={c.description}
                      onSave={(description) => update.mutateAsync({ id: c.id, description })}
                    />
                  </td>
                  <td>
                    {c.erpItem ? erpRefLabel(c.erpItem, "item") : <span className="muted">Not mapped</span>}
                  </td>
                  <td>{c.active ? "Active" : "Inactive"}</td>
                  <td className="row-actions">
                    <button
                      type="button"
                      className="button button-small button-secondary"
                      aria-label={`${c.active ? "Deactivate" : "Activate"} cost code ${c.code}`}
                      onClick={() => update.mutate({ id: c.id, active: !c.active })}
                    >
                      {c.active ? "Deactivate" : "Activate"}
                    </button>
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

function Categories({ companyId }: { companyId: string }) {
  const list = useQuery({
    queryKey: adminKeys.categories(companyId),
    queryFn: () => listAdminCategories(companyId),
  });
  const invalidate = [adminKeys.categories(companyId), keys.categories(companyId)];
  const add = useAction({
    run: (v: { code: string; name: string }) => createCategory(companyId, v),
    success: (r) => `Category ${r.code} added.`,
    invalidate,
    showErrorInline: true,
  });
  const rename = useAction({
    run: (v: { id: string; name: string }) => updateCategory(companyId, v.id, { name: v.name }),
    success: "Category saved.",
    invalidate,
  });
  return (
    <section className="card" aria-labelledby="categories-heading">
      <div className="card-head">
        <h2 id="categories-heading">Categories</h2>
      </div>
      <AddForm
        title="Add a category"
        submitLabel="Add category"
        fields={[
          { key: "code", label: "Category code", max: 10 },
          { key: "name", label: "Category name", max: 100 },
        ]}
        onSubmit={(v) => add.mutateAsync({ code: (v.code ?? "").trim(), name: (v.name ?? "").trim() })}
      />
      {list.isPending ? (
        <Loading />
      ) : list.isError ? (
        <ErrorState error={list.error} onRetry={() => list.refetch()} />
      ) : (
        <div className="table-wrap">
          <table className="table">
            <caption className="sr-only">Categories</caption>
            <thead>
              <tr>
                <th scope="col">Code</th>
                <th scope="col">Name</th>
              </tr>
            </thead>
            <tbody>
              {list.data.items.map((c) => (
                <tr key={c.id}>
                  <td className="mono">{c.code}</td>
                  <td>
                    <InlineText
                      label={`Name of category ${c.code}`}
                      value={c.name}
                      onSave={(name) => rename.mutateAsync({ id: c.id, name })}
                    />
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

/** A value with an Edit button that turns into a text box with Save and Cancel. */
export function InlineText({
  label,
  value,
  onSave,
}: {
  label: string;
  value: string;
  onSave: (v: string) => Promise<unknown>;
}) {
  const [editing, setEditing] = useState(false);
  const [draft, setDraft] = useState(value);
  if (!editing) {
    return (
      <span className="inline-edit">
        {value || <span className="muted">—</span>}
        <button
          type="button"
          className="button-link"
          aria-label={`Edit ${label.toLowerCase()}`}
          onClick={() => {
            setDraft(value);
            setEditing(true);
          }}
        >
          Edit
        </button>
      </span>
    );
  }
  return (
    <form
      className="inline-edit"
      onSubmit={async (e) => {
        e.preventDefault();
        try {
          await onSave(draft.trim());
          setEditing(false);
        } catch {
          // The toast already says what went wrong; the text box stays open to fix it.
        }
      }}
    >
      <input
        className="input input-compact"
        aria-label={label}
        value={draft}
        onChange={(e) => setDraft(e.target.value)}
      />
      <button type="submit" className="button button-small button-primary">
        Save
      </button>
      <button
        type="button"
        className="button button-small button-secondary"
        onClick={() => setEditing(false)}
      >
        Cancel
      </button>
    </form>
  );
}
