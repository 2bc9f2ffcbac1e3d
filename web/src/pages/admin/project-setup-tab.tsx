import { useQuery } from "@tanstack/react-query";
import { type FormEvent, useId, useState } from "react";
import { type CompanyMembership, keys } from "../../api.js";
import { EmptyState, ErrorState, errorMessage, Loading } from "../../components/ui.js";
import { useAction } from "../../components/use-action.js";
import { Link } from "../../router.js";
import { adminKeys, createProject, erpRefLabel, listAllProjects, updateProject } from "./admin-api.js";
import { isDirectoryAdmin } from "./admin-rules.js";
import { InlineText } from "./cost-codes-tab.js";

/** Projects: create them (directory admin), rename them, and turn the Budget tool on or off. */
export function ProjectSetupTab({ company }: { company: CompanyMembership }) {
  const c = company.id;
  const admin = isDirectoryAdmin(company.permissions);
  const projects = useQuery({ queryKey: adminKeys.projects(c), queryFn: () => listAllProjects(c) });
  const invalidate = [adminKeys.projects(c), keys.projects(c)];
  const [number, setNumber] = useState("");
  const [name, setName] = useState("");
  const [error, setError] = useState<string | null>(null);
  const ids = { number: useId(), name: useId() };
  const create = useAction({
    run: () => createProject(c, { number: number.trim(), name: name.trim() }),
    success: (p) => `Project ${p.number} created.`,
    invalidate,
    showErrorInline: true,
    onSuccess: () => {
      setNumber("");
      setName("");
    },
  });
  const update = useAction({
    run: (v: { id: string; name?: string; budgetToolActive?: boolean }) =>
      updateProject(c, v.id, { name: v.name, budgetToolActive: v.budgetToolActive }),
    success: "Project saved.",
    invalidate,
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (!number.trim() || !name.trim()) return setError("Enter the project number and name.");
    setError(null);
    create.mutate(undefined, { onError: (err) => setError(errorMessage(err)) });
  };

  return (
    <div className="stack">
      {admin ? (
        <form className="card" onSubmit={submit} aria-label="Create a project" noValidate>
          <div className="form-row">
            <div className="field">
              <label htmlFor={ids.number}>Project number</label>
              <input
                id={ids.number}
                className="input"
                maxLength={30}
                value={number}
                onChange={(e) => setNumber(e.target.value)}
              />
            </div>
            <div className="field">
              <label htmlFor={ids.name}>Project name</label>
              <input
                id={ids.name}
                className="input"
                maxLength={200}
                value={name}
                onChange={(e) => setName(e.target.value)}
              />
            </div>
            <div className="field field-submit">
              <button type="submit" className="button button-primary" disabled={create.isPending}>
                Create project
              </button>
            </div>
          </div>
          {error ? (
            <p className="field-error" role="alert">
              {error}
            </p>
          ) : null}
        </form>
      ) : null}
      {projects.isPending ? (
        <Loading label="Loading projects…" />
      ) : projects.isError ? (
        <ErrorState error={projects.error} onRetry={() => projects.refetch()} />
      ) : projects.data.length === 0 ? (
        <EmptyState title="No projects yet." />
      ) : (
        <div className="table-wrap">
          <table className="table">
            <caption className="sr-only">Projects of {company.name}</caption>
            <thead>
              <tr>
                <th scope="col">Number</th>
                <th scope="col">Name</th>
                <th scope="col">Budget tool</th>
                <th scope="col">QuickBooks job</th>
              </tr>
            </thead>
            <tbody>
              {projects.data.map((p) => (
                <tr key={p.id}>
                  <td className="mono">{p.number}</td>
                  <td>
                    {admin ? (
                      <InlineText
                        label={`Name of project ${p.number}`}
                        value={p.name}
                        onSave={(v) => update.mutateAsync({ id: p.id, name: v })}
                      />
                    ) : (
                      p.name
                    )}
                  </td>
                  <td>
                    <label className="radio">
                      <input
                        type="checkbox"
                        checked={p.budgetToolActive}
                        disabled={!admin}
                        onChange={(e) => update.mutate({ id: p.id, budgetToolActive: e.target.checked })}
                      />{" "}
                      <span className="sr-only">Budget tool active on {p.number}</span>
                      {p.budgetToolActive ? "Active" : "Inactive"}
                    </label>
                  </td>
                  <td>
                    {p.erpJob ? (
                      erpRefLabel(p.erpJob, "job")
                    ) : p.parentCustomer ? (
                      `New job under ${p.parentCustomer}`
                    ) : (
                      <span className="muted">Not linked</span>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <p className="muted">
        Link projects to QuickBooks jobs on the{" "}
        <Link to={`/companies/${encodeURIComponent(c)}/admin/mappings`}>Mappings</Link> page.
      </p>
    </div>
  );
}
