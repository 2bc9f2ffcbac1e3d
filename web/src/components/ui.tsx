import { type ButtonHTMLAttributes, type ReactNode, useId } from "react";
import { ApiError, type Reason } from "../api.js";
import { formatMoney } from "../money.js";

export function errorMessage(error: unknown): string {
  if (error instanceof ApiError || error instanceof Error) return error.message;
  return "Something went wrong. Try again.";
}

export function Money({ amount, signed }: { amount: string | null | undefined; signed?: boolean }) {
  return <span className="money">{formatMoney(amount, { signed })}</span>;
}

export function Loading({ label = "Loading…" }: { label?: string }) {
  return (
    <p className="loading" role="status">
      <span className="spinner" aria-hidden="true" />
      {label}
    </p>
  );
}

export function ErrorState({ error, onRetry }: { error: unknown; onRetry?: () => void }) {
  return (
    <div className="notice notice-error" role="alert">
      <p>{errorMessage(error)}</p>
      {onRetry ? (
        <button type="button" className="button" onClick={onRetry}>
          Try again
        </button>
      ) : null}
    </div>
  );
}

export function Notice({
  tone = "info",
  children,
  role,
}: {
  tone?: "info" | "success" | "error" | "warning";
  children: ReactNode;
  role?: "status" | "alert";
}) {
  return (
    <div className={`notice notice-${tone}`} role={role}>
      {children}
    </div>
  );
}

export interface GatedButtonProps extends ButtonHTMLAttributes<HTMLButtonElement> {
  allowed: boolean;
  reasons: Reason[];
  busy?: boolean;
  children: string;
}

/**
 * A button that, when not allowed, stays visible but disabled and says why: as its tooltip and as a visible hint
 * tied to it with aria-describedby.
 */
export function GatedButton({ allowed, reasons, busy, children, className, ...rest }: GatedButtonProps) {
  const hintId = useId();
  const why = reasons.map((r) => r.message).join(" ");
  const disabled = !allowed || busy;
  return (
    <div className="gated">
      <button
        type="button"
        {...rest}
        className={className ?? "button"}
        disabled={disabled}
        aria-busy={busy || undefined}
        title={!allowed && why ? why : undefined}
        aria-describedby={!allowed && reasons.length > 0 ? hintId : undefined}
      >
        {children}
      </button>
      {!allowed && reasons.length > 0 ? (
        <ul id={hintId} className="gated-reasons">
          {reasons.map((r) => (
            <li key={r.code + r.message}>{r.message}</li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}

export function EmptyState({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <div className="empty">
      <p className="empty-title">{title}</p>
      {children ? <div className="empty-body">{children}</div> : null}
    </div>
  );
}
