import { type ChangeEvent, useId, useRef, useState } from "react";
import {
  type Budget,
  type CompanyMembership,
  type ImportResult,
  type ImportRow,
  importBudgetCsv,
  keys,
} from "../api.js";
import { errorMessage, Money, Notice } from "../components/ui.js";
import { useAction } from "../components/use-action.js";
import { type PreviewRow, previewRows } from "../csv.js";
import { plural } from "../format.js";
import { isAmount } from "../money.js";
import { canEditLines } from "../rules.js";

export function importRowError(row: ImportRow): string {
  return row.error?.message ?? "";
}

/** The server's verdict per row next to what the file says, in file order. */
export function previewTable(text: string, result: ImportResult): (PreviewRow & { error: string })[] {
  const parsed = new Map(previewRows(text).map((r) => [r.row, r]));
  return result.rows.map((r) => ({
    row: r.row,
    costCode: parsed.get(r.row)?.costCode ?? "",
    category: parsed.get(r.row)?.category ?? "",
    originalBudget: parsed.get(r.row)?.originalBudget ?? "",
    error: r.ok ? "" : importRowError(r) || "This row cannot be imported.",
  }));
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
  const hintId = useId();
  const fileInput = useRef<HTMLInputElement>(null);
  const [csv, setCsv] = useState<{ name: string; text: string } | null>(null);
  const [preview, setPreview] = useState<ImportResult | null>(null);
  const [fileError, setFileError] = useState<string | null>(null);

  const reset = () => {
    setCsv(null);
    setPreview(null);
    setFileError(null);
    if (fileInput.current) fileInput.current.value = "";
  };
  const check = useAction({
    run: (text: string) => importBudgetCsv(c, projectId, text, true),
    onSuccess: (result) => setPreview(result),
    showErrorInline: true,
  });
  const apply = useAction({
    run: (text: string) => importBudgetCsv(c, projectId, text, false),
    success: (result) => `Imported ${plural(result.applied, "line")}.`,
    invalidate: [keys.budget(c, projectId), keys.projects(c)],
    onSuccess: reset,
  });

  if (!canEditLines(company.permissions) || budget.state !== "unlocked") return null;

  const onFile = async (event: ChangeEvent<HTMLInputElement>) => {
    const file = event.target.files?.[0];
    setPreview(null);
    setFileError(null);
    if (!file) {
      setCsv(null);
      return;
    }
    const text = await file.text();
    setCsv({ name: file.name, text });
    // A dry run: the server checks every row against the budget and writes nothing.
    check.mutate(text, { onError: (e) => setFileError(errorMessage(e)) });
  };

  const rows = preview && csv ? previewTable(csv.text, preview) : [];
  const failures = rows.filter((r) => r.error);
  const good = rows.length - failures.length;
  return (
    <section className="card" aria-labelledby="import-heading">
      <div className="card-head">
        <h2 id="import-heading">Import from CSV</h2>
      </div>
      <p id={hintId} className="muted small">
        A header row <code>cost_code,category,original_budget</code>, then one budget line per row (for
        example <code>03-300,M,125000.00</code>). A file downloaded with Download CSV imports as it is.
        Nothing is added until you have seen the preview.
      </p>
      <div className="field">
        <label htmlFor={fileId}>CSV file</label>
        <input
          id={fileId}
          ref={fileInput}
          type="file"
          accept=".csv,text/csv"
          aria-describedby={hintId}
          onChange={onFile}
        />
      </div>
      {check.isPending ? (
        <p role="status" className="loading">
          <span className="spinner" aria-hidden="true" />
          Checking {csv?.name}…
        </p>
      ) : null}
      {fileError ? (
        <Notice tone="error" role="alert">
          <p>
            {csv?.name} cannot be imported: {fileError}
          </p>
        </Notice>
      ) : null}
      {preview && csv ? (
        <section className="import-preview" aria-label="Import preview">
          {failures.length > 0 ? (
            <Notice tone="error" role="alert">
              <p>
                {failures.length} of {plural(rows.length, "row")} in {csv.name} have problems, so nothing was
                added. Fix the file and choose it again.
              </p>
            </Notice>
          ) : (
            <Notice tone="success" role="status">
              <p>
                All {plural(good, "row")} of {csv.name} can be imported.
              </p>
            </Notice>
          )}
          <div className="table-wrap">
            <table className="table table-compact table-money table-stack">
              <caption className="sr-only">Rows of {csv.name} and whether each can be imported</caption>
              <thead>
                <tr>
                  <th scope="col" className="num">
                    Row
                  </th>
                  <th scope="col">Cost Code</th>
                  <th scope="col">Category</th>
                  <th scope="col" className="num">
                    Original Budget
                  </th>
                  <th scope="col">Check</th>
                </tr>
              </thead>
              <tbody>
                {rows.map((r) => (
                  <tr key={r.row} className={r.error ? "row-error" : undefined}>
                    <td data-label="Row" className="num">
                      {r.row}
                    </td>
                    <td data-label="Cost Code" className="mono">
                      {r.costCode || "—"}
                    </td>
                    <td data-label="Category" className="mono">
                      {r.category || "—"}
                    </td>
                    <td data-label="Original Budget" className="num">
                      {isAmount(r.originalBudget) ? (
                        <Money amount={r.originalBudget} />
                      ) : (
                        r.originalBudget || "—"
                      )}
                    </td>
                    <td data-label="Check">
                      {r.error ? <span className="error-text">{r.error}</span> : <span>OK</span>}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <div className="form-actions">
            <button
              type="button"
              className="button button-primary"
              disabled={failures.length > 0 || good === 0 || apply.isPending}
              aria-busy={apply.isPending || undefined}
              onClick={() => apply.mutate(csv.text)}
            >
              Import {plural(good, "line")}
            </button>
            <button type="button" className="button button-secondary" onClick={reset}>
              Cancel import
            </button>
            {failures.length > 0 ? (
              <span className="muted small">Import is off until every row passes.</span>
            ) : null}
          </div>
        </section>
      ) : null}
    </section>
  );
}
