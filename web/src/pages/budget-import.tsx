import { type ChangeEvent, useId, useRef, useState } from "react";
import {
  type Budget,
  type CompanyMembership,
  type ImportResult,
  type ImportRow,
  importBudgetCsv,
  keys,
} from "../api.js";
import { Notice } from "../components/ui.js";
import { useAction } from "../components/use-action.js";
import { canEditLines } from "../rules.js";

export function importRowError(row: ImportRow): string {
  if (!row.error) return "";
  return typeof row.error === "string" ? row.error : row.error.message;
}

export function BudgetImportSection({
  company,
  projectId,
  budget,
}: {
  company: CompanyMembership;
  projectId: string;
  budget: Budget;
}) {
  const c = company.id;
  const fileId = useId();
  const fileInput = useRef<HTMLInputElement>(null);
  const [csv, setCsv] = useState<{ name: string; text: string } | null>(null);
  const [preview, setPreview] = useState<ImportResult | null>(null);

  const reset = () => {
    setCsv(null);
    setPreview(null);
    if (fileInput.current) fileInput.current.value = "";
  };
  const check = useAction({
    run: (text: string) => importBudgetCsv(c, projectId, text, true),
    onSuccess: (result) => setPreview(result),
  });
  const apply = useAction({
    run: (text: string) => importBudgetCsv(c, projectId, text, false),
    success: (result) => `Imported ${result.rows.filter((r) => r.ok).length} lines.`,
    invalidate: [keys.budget(c, projectId), keys.projects(c)],
    onSuccess: reset,
  });

  if (!canEditLines(company.permissions) || budget.state !== "unlocked") return null;

  const onFile = async (event: ChangeEvent<HTMLInputElement>) => {
    const file = event.target.files?.[0];
    setPreview(null);
    if (!file) {
      setCsv(null);
      return;
    }
    const text = await file.text();
    setCsv({ name: file.name, text });
    check.mutate(text);
  };

  const failures = preview?.rows.filter((r) => !r.ok) ?? [];
  const good = preview?.rows.filter((r) => r.ok) ?? [];
  return (
    <section className="card" aria-labelledby="import-heading">
      <h2 id="import-heading">Import from CSV</h2>
      <p className="muted small">
        Columns: <code>cost_code,category,original_budget</code>, one line per row. You see a preview before
        anything changes.
      </p>
      <div className="field">
        <label htmlFor={fileId}>CSV file</label>
        <input id={fileId} ref={fileInput} type="file" accept=".csv,text/csv" onChange={onFile} />
      </div>
      {check.isPending ? <p role="status">Checking {csv?.name}…</p> : null}
      {preview && csv ? (
        <section className="import-preview" aria-label="Import preview">
          {failures.length > 0 ? (
            <Notice tone="error" role="alert">
              <p>
                {failures.length} of {preview.rows.length} rows have problems. Fix the file and choose it
                again.
              </p>
            </Notice>
          ) : (
            <Notice tone="success" role="status">
              <p>
                All {good.length} rows of {csv.name} can be imported.
              </p>
            </Notice>
          )}
          {failures.length > 0 ? (
            <div className="table-wrap">
              <table className="table table-compact">
                <thead>
                  <tr>
                    <th scope="col">Row</th>
                    <th scope="col">Problem</th>
                  </tr>
                </thead>
                <tbody>
                  {failures.map((r) => (
                    <tr key={r.row}>
                      <td className="num">{r.row}</td>
                      <td>{importRowError(r)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          ) : null}
          <div className="form-actions">
            <button
              type="button"
              className="button button-primary"
              disabled={failures.length > 0 || good.length === 0 || apply.isPending}
              onClick={() => apply.mutate(csv.text)}
            >
              Import {good.length} lines
            </button>
            <button type="button" className="button button-secondary" onClick={reset}>
              Cancel import
            </button>
          </div>
        </section>
      ) : null}
    </section>
  );
}
