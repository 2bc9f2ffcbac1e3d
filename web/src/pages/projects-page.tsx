import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { type CompanyMembership, keys, listProjects } from "../api.js";
import { PageHeader } from "../components/page-header.js";
import { EmptyState, ErrorState, Loading } from "../components/ui.js";
import { plural } from "../format.js";
import { Link } from "../router.js";
import { canViewBudget } from "../rules.js";

const PAGE_SIZE = 50;

export function ProjectsPage({ company }: { company: CompanyMembership }) {
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  const cursor = cursors[cursors.length - 1] ?? null;
  const projects = useQuery({
    queryKey: [...keys.projects(company.id), "page", cursor],
    queryFn: () => listProjects(company.id, cursor, PAGE_SIZE),
  });
  const mayViewBudget = canViewBudget(company.permissions);
  const items = projects.data?.items ?? [];

  return (
    <>
      <PageHeader title="Projects" kicker={company.name} />
      {projects.isPending ? (
        <Loading label="Loading projects…" />
      ) : projects.isError ? (
        <ErrorState error={projects.error} onRetry={() => projects.refetch()} />
      ) : items.length === 0 ? (
        <EmptyState title="No projects yet.">
          <p>
            Projects appear here as soon as a directory admin adds them. Ask your company admin to create the
            project you want to budget.
          </p>
        </EmptyState>
      ) : (
        <>
          <div className="table-wrap">
            <table className="table">
              <caption className="sr-only">Projects of {company.name}</caption>
              <thead>
                <tr>
                  <th scope="col">Number</th>
                  <th scope="col">Name</th>
                  <th scope="col">Budget state</th>
                  {mayViewBudget ? <th scope="col">Commitments</th> : null}
                </tr>
              </thead>
              <tbody>
                {items.map((project) => {
                  const status = mayViewBudget && project.budgetToolActive ? project.budgetStatus : null;
                  let state = "—";
                  if (!project.budgetToolActive) state = "Budget tool inactive";
                  else if (!mayViewBudget) state = "No access to budgets";
                  else if (status) state = status.label;
                  const href = `/companies/${encodeURIComponent(company.id)}/projects/${encodeURIComponent(project.id)}/budget`;
                  return (
                    <tr key={project.id}>
                      <td className="mono">{project.number}</td>
                      <td>
                        {mayViewBudget && project.budgetToolActive ? (
                          <Link to={href}>{project.name}</Link>
                        ) : (
                          project.name
                        )}
                      </td>
                      <td>
                        {status ? (
                          <span className={`pill pill-${status.key}`}>{state}</span>
                        ) : (
                          <span className="muted">{state}</span>
                        )}
                      </td>
                      {mayViewBudget ? (
                        <td>
                          <Link to={`${href.slice(0, -"/budget".length)}/commitments`}>
                            {project.commitmentCount === undefined
                              ? "Commitments"
                              : plural(project.commitmentCount, "commitment")}
                          </Link>
                        </td>
                      ) : null}
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
          <Pager
            hasPrevious={cursors.length > 1}
            hasNext={Boolean(projects.data?.nextCursor)}
            onPrevious={() => setCursors((c) => c.slice(0, -1))}
            onNext={() => setCursors((c) => [...c, projects.data?.nextCursor ?? null])}
          />
        </>
      )}
    </>
  );
}

export function Pager({
  hasPrevious,
  hasNext,
  onPrevious,
  onNext,
}: {
  hasPrevious: boolean;
  hasNext: boolean;
  onPrevious: () => void;
  onNext: () => void;
}) {
  if (!hasPrevious && !hasNext) return null;
  return (
    <nav className="pager" aria-label="Pages">
      <button type="button" className="button button-secondary" disabled={!hasPrevious} onClick={onPrevious}>
        Previous page
      </button>
      <button type="button" className="button button-secondary" disabled={!hasNext} onClick={onNext}>
        Next page
      </button>
    </nav>
  );
}
