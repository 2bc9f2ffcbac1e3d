import type { ReactNode } from "react";
import { useTitle } from "../session.js";

/** The h1 takes focus after client-side navigation, so screen reader users hear where they landed. */
export function PageHeader({
  title,
  kicker,
  children,
}: {
  title: string;
  kicker?: ReactNode;
  children?: ReactNode;
}) {
  useTitle(title);
  return (
    <header className="page-header">
      <div>
        {kicker ? <div className="page-kicker">{kicker}</div> : null}
        <h1 tabIndex={-1}>{title}</h1>
      </div>
      {children ? <div className="page-header-actions">{children}</div> : null}
    </header>
  );
}
