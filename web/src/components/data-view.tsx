import { formatDateTime } from "../format.js";
import { formatMoney, isAmount } from "../money.js";
import { humanizeKey } from "../rules.js";

const MONEY_KEY = /(amount|total|price|rate|budget|estimate|delta|balance)$/i;
const DATE_KEY = /(At|Date|Time)$/;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function Scalar({ name, value }: { name: string; value: unknown }) {
  if (value === null || value === undefined || value === "") return <span className="muted">—</span>;
  if (typeof value === "boolean") return <>{value ? "Yes" : "No"}</>;
  if (isAmount(value) && MONEY_KEY.test(name)) return <span className="money">{formatMoney(value)}</span>;
  if (typeof value === "string" && DATE_KEY.test(name)) return <>{formatDateTime(value)}</>;
  return <>{String(value)}</>;
}

function RecordTable({ rows }: { rows: Record<string, unknown>[] }) {
  const columns: string[] = [];
  for (const row of rows) for (const key of Object.keys(row)) if (!columns.includes(key)) columns.push(key);
  return (
    <div className="table-wrap">
      <table className="table table-compact">
        <thead>
          <tr>
            {columns.map((col) => (
              <th
                scope="col"
                key={col}
                className={rows.some((r) => isAmount(r[col]) && MONEY_KEY.test(col)) ? "num" : undefined}
              >
                {humanizeKey(col)}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((row, i) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: preview rows have no identity of their own
            <tr key={i}>
              {columns.map((col) => (
                <td key={col} className={isAmount(row[col]) && MONEY_KEY.test(col) ? "num" : undefined}>
                  <ValueView name={col} value={row[col]} nested />
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/**
 * Shows any JSON value readably: objects as labelled fields, lists of objects as tables, amounts as money.
 * Used where the server decides the shape (the QuickBooks preview, ERP references, connection details).
 */
export function ValueView({
  name = "",
  value,
  nested = false,
}: {
  name?: string;
  value: unknown;
  nested?: boolean;
}) {
  if (Array.isArray(value)) {
    if (value.length === 0) return <span className="muted">None</span>;
    if (value.every(isRecord)) return <RecordTable rows={value} />;
    return (
      <ul className="plain-list">
        {value.map((item, i) => (
          // biome-ignore lint/suspicious/noArrayIndexKey: scalar list items have no identity of their own
          <li key={i}>
            <ValueView name={name} value={item} nested />
          </li>
        ))}
      </ul>
    );
  }
  if (isRecord(value)) {
    const entries = Object.entries(value);
    if (entries.length === 0) return <span className="muted">None</span>;
    return (
      <dl className={nested ? "fields fields-nested" : "fields"}>
        {entries.map(([key, inner]) => (
          <div className="field-pair" key={key}>
            <dt>{humanizeKey(key)}</dt>
            <dd>
              <ValueView name={key} value={inner} nested />
            </dd>
          </div>
        ))}
      </dl>
    );
  }
  return <Scalar name={name} value={value} />;
}
