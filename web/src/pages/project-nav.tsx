import { Link } from "../router.js";

/** A project's pages side by side: its budget and its commitments. */
export function ProjectNav({
  companyId,
  projectId,
  current,
}: {
  companyId: string;
  projectId: string;
  current: "budget" | "commitments";
}) {
  const base = `/companies/${encodeURIComponent(companyId)}/projects/${encodeURIComponent(projectId)}`;
  return (
    <nav className="subtabs" aria-label="Project sections">
      <Link to={`${base}/budget`} className="subtab" aria-current={current === "budget" ? "page" : undefined}>
        Budget
      </Link>
      <Link
        to={`${base}/commitments`}
        className="subtab"
        aria-current={current === "commitments" ? "page" : undefined}
      >
        Commitments
      </Link>
    </nav>
  );
}
