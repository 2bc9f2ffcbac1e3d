import { useQuery } from "@tanstack/react-query";
import { type FormEvent, useId, useState } from "react";
import {
  ApiError,
  type CommitmentKind,
  type CommitmentSummary,
  type CompanyMembership,
  createCommitment,
  getBudget,
  getCommitment,
  keys,
  listCommitments,
  listVendors,
} from "../api.js";
import { PageHeader } from "../components/page-header.js";
import { EmptyState, ErrorState, errorMessage, Loading, Money, Notice } from "../components/ui.js";
import { useAction } from "../components/use-action.js";
import { Link, useNavigate } from "../router.js";
import { COMMITMENT_KIND_LABEL, canEditLines, canViewBudget, commitmentRefreshInterval } from "../rules.js";
import { canManageLists } from "./admin/admin-rules.js";
import { CommitmentErpStatePill, CommitmentStatusPill, CommitmentView } from "./commitment-view.js";
import { ProjectNav } from "./project-nav.js";

export const commitmentHref = (companyId: string, projectId: string, commitmentId?: string) =>
  `/companies/${encodeURIComponent(companyId)}/projects/${encodeURIComponent(projectId)}/commitments${
    commitmentId ? `/${encodeURIComponent(commitmentId)}` : ""
  }`;

export function commitmentName(c: Pick<CommitmentSummary, "kind" | "number" | "title">): string {
  return `${COMMITMENT_KIND_LABEL[c.kind] ?? c.kind} ${c.number} ${c.title}`;
}

/** A project's subcontracts and purchase orders: the list, or one commitment when its id is in the address. */
export function CommitmentsPage({
  company,
  projectId,
  commitmentId,
}: {
  company: CompanyMembership;
  projectId: string;
  commitmentId: string | null;
}) {
  const c = company.id;
  // The budget names the project (and is usually cached from the Budget page next door).
  const budget = useQuery({
    queryKey: keys.budget(c, projectId),
    queryFn: () => getBudget(c, projectId),
    retry: false,
    enabled: canViewBudget(company.permissions),
  });
  const commitment = useQuery({
    queryKey: keys.commitment(c, projectId, commitmentId ?? ""),
    queryFn: () => getCommitment(c, projectId, commitmentId ?? ""),
    enabled: Boolean(commitmentId),
    refetchInterval: (query) => commitmentRefreshInterval(query.state.data?.erpState),
  });
  const project = budget.data?.project;
  const projectsHref = `/companies/${encodeURIComponent(c)}/projects`;
  const listHref = commitmentHref(c, projectId);
  const title = commitmentId
    ? commitment.data
      ? commitmentName(commitment.data)
      : "Commitment"
    : project
      ? `Commitments: ${project.number} ${project.name}`
      : "Commitments";

  return (
    <>
      <PageHeader
        title={title}
        kicker={
          <>
            {company.name} · <Link to={projectsHref}>Projects</Link> <span aria-hidden="true">/</span>{" "}
            {commitmentId ? (
              <>
                <Link to={listHref}>{project ? project.name : "Commitments"}</Link>{" "}
                <span aria-hidden="true">/</span> {commitment.data?.number ?? ""}
              </>
            ) : project ? (
              project.name
            ) : (
              "Commitments"
            )}
          </>
        }
      />
      <ProjectNav companyId={c} projectId={projectId} current="commitments" />
      {!canViewBudget(company.permissions) ? (
        <Notice>
          <p>Commitments need at least Read Only access to budgets. Ask a directory admin for access.</p>
        </Notice>
      ) : commitmentId ? (
        commitment.isPending ? (
          <Loading label="Loading commitment…" />
        ) : commitment.isError ? (
          <ErrorState error={commitment.error} onRetry={() => commitment.refetch()} />
        ) : (
          <CommitmentView company={company} projectId={projectId} commitment={commitment.data} />
        )
      ) : (
        <CommitmentList company={company} projectId={projectId} />
      )}
    </>
  );
}

function CommitmentList({ company, projectId }: { company: CompanyMembership; projectId: string }) {
  const c = company.id;
  const [creating, setCreating] = useState(false);
  const list = useQuery({
    queryKey: keys.commitments(c, projectId),
    queryFn: () => listCommitments(c, projectId),
    refetchInterval: (query) =>
      query.state.data?.some((i) => i.erpState === "exporting" || i.erpState === "awaiting_acceptance")
        ? 5000
        : false,
  });
  const mayCreate = canEditLines(company.permissions);
  const items = list.data ?? [];

  return (
    <div className="stack">
      <section className="card" aria-labelledby="commitments-heading">
        <div className="card-head">
          <h2 id="commitments-heading">Subcontracts and purchase orders</h2>
          {mayCreate && !creating ? (
            <button type="button" className="button button-primary" onClick={() => setCreating(true)}>
              New commitment
            </button>
          ) : null}
        </div>
        {creating ? (
          <NewCommitmentForm
            company={company}
            projectId={projectId}
            taken={items.map((i) => i.number)}
            onCancel={() => setCreating(false)}
          />
        ) : null}
        {list.isPending ? (
          <Loading label="Loading commitments…" />
        ) : list.isError ? (
          <ErrorState error={list.error} onRetry={() => list.refetch()} />
        ) : items.length === 0 ? (
          <EmptyState title="No commitments yet.">
            <p>
              Subcontracts and purchase orders this project signs with its vendors show up here. Once
              approved, they can be sent to ERP like the budget.
            </p>
          </EmptyState>
        ) : (
          <div className="table-wrap">
            <table className="table table-money table-stack">
              <caption className="sr-only">Commitments of this project</caption>
              <thead>
                <tr>
                  <th scope="col">Number</th>
                  <th scope="col">Title</th>
                  <th scope="col">Vendor</th>
                  <th scope="col">Status</th>
                  <th scope="col">ERP</th>
                  <th scope="col" className="num">
                    Original
                  </th>
                  <th scope="col" className="num">
                    Approved Changes
                  </th>
                  <th scope="col" className="num">
                    Revised
                  </th>
                </tr>
              </thead>
              <tbody>
                {items.map((item) => (
                  <tr key={item.id}>
                    <th scope="row" className="cell-project">
                      <Link to={commitmentHref(c, projectId, item.id)} className="mono">
                        {item.number}
                      </Link>
                      <span className="sub">{COMMITMENT_KIND_LABEL[item.kind] ?? item.kind}</span>
                    </th>
                    <td data-label="Title">{item.title}</td>
                    <td data-label="Vendor">{item.vendor.name}</td>
                    <td data-label="Status">
                      <CommitmentStatusPill status={item.status} />
                    </td>
                    <td data-label="ERP">
                      <div className="status-stack">
                        <CommitmentErpStatePill state={item.erpState} />
                        {item.lastSubmission?.status === "rejected" && item.erpState === "not_sent" ? (
                          <span className="sub">Rejected by accounting</span>
                        ) : null}
                      </div>
                    </td>
                    <td data-label="Original" className="num">
                      <Money amount={item.totals.original} />
                    </td>
                    <td data-label="Approved Changes" className="num">
                      <Money amount={item.totals.approvedChanges} signed />
                    </td>
                    <td data-label="Revised" className="num">
                      <Money amount={item.totals.revised} />
                      {item.totals.pendingChanges && item.totals.pendingChanges !== "0.00" ? (
                        <span className="sub">
                          <Money amount={item.totals.pendingChanges} signed /> pending
                        </span>
                      ) : null}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
    </div>
  );
}

type NewField = "kind" | "number" | "title" | "vendorId";

function NewCommitmentForm({
  company,
  projectId,
  taken,
  onCancel,
}: {
  company: CompanyMembership;
  projectId: string;
  taken: string[];
  onCancel: () => void;
}) {
  const c = company.id;
  const navigate = useNavigate();
  const vendors = useQuery({ queryKey: keys.vendorList(c, false), queryFn: () => listVendors(c, false) });
  const [kind, setKind] = useState<CommitmentKind>("subcontract");
  const [number, setNumber] = useState("");
  const [title, setTitle] = useState("");
  const [vendorId, setVendorId] = useState("");
  const [errors, setErrors] = useState<Partial<Record<NewField | "form", string>>>({});
  const ids = { kind: useId(), number: useId(), title: useId(), vendor: useId() };

  const create = useAction({
    run: (input: { kind: CommitmentKind; number: string; title: string; vendorId: string }) =>
      createCommitment(c, projectId, input),
    success: (r) => `${commitmentName(r)} created as a draft.`,
    invalidate: [keys.commitments(c, projectId), keys.projects(c)],
    showErrorInline: true,
    onSuccess: (r) => navigate(commitmentHref(c, projectId, r.id)),
  });

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const next: typeof errors = {};
    const n = number.trim();
    if (!n) next.number = "Enter a number, such as SC-001.";
    else if (n.length > 30) next.number = "A number has at most 30 characters.";
    else if (taken.some((t) => t.toLowerCase() === n.toLowerCase()))
      next.number = `This project already has a commitment ${n}.`;
    if (!title.trim()) next.title = "Enter a title.";
    if (!vendorId) next.vendorId = "Choose the vendor.";
    setErrors(next);
    if (Object.keys(next).length > 0) return;
    create.mutate(
      { kind, number: n, title: title.trim(), vendorId },
      {
        onError: (error) => {
          const field = error instanceof ApiError ? error.field : undefined;
          if (field === "kind" || field === "number" || field === "title" || field === "vendorId")
            setErrors({ [field]: error.message });
          else setErrors({ form: errorMessage(error) });
        },
      },
    );
  };

  const active = vendors.data ?? [];
  const vendorsHref = `/companies/${encodeURIComponent(c)}/admin/vendors`;
  return (
    <form className="change-form" onSubmit={submit} noValidate aria-labelledby="new-commitment-heading">
      <h3 id="new-commitment-heading">New commitment</h3>
      <div className="form-row">
        <div className="field">
          <label htmlFor={ids.kind}>Kind</label>
          <select
            id={ids.kind}
            className="input"
            value={kind}
            onChange={(e) => setKind(e.target.value as CommitmentKind)}
          >
            <option value="subcontract">Subcontract</option>
            <option value="purchase_order">Purchase order</option>
          </select>
        </div>
        <div className="field">
          <label htmlFor={ids.number}>Number</label>
          <input
            id={ids.number}
            className="input"
            maxLength={30}
            value={number}
            autoFocus
            placeholder={kind === "subcontract" ? "SC-001" : "PO-001"}
            aria-invalid={errors.number ? true : undefined}
            onChange={(e) => setNumber(e.target.value)}
          />
          {errors.number ? <p className="field-error">{errors.number}</p> : null}
        </div>
        <div className="field field-wide">
          <label htmlFor={ids.title}>Title</label>
          <input
            id={ids.title}
            className="input"
            maxLength={200}
            value={title}
            aria-invalid={errors.title ? true : undefined}
            onChange={(e) => setTitle(e.target.value)}
          />
          {errors.title ? <p className="field-error">{errors.title}</p> : null}
        </div>
        <div className="field">
          <label htmlFor={ids.vendor}>Vendor</label>
          <select
            id={ids.vendor}
            className="input"
            value={vendorId}
            aria-invalid={errors.vendorId ? true : undefined}
            onChange={(e) => setVendorId(e.target.value)}
          >
            <option value="">{vendors.isPending ? "Loading…" : "Choose…"}</option>
            {active.map((v) => (
              <option key={v.id} value={v.id}>
                {v.name}
              </option>
            ))}
          </select>
          {errors.vendorId ? <p className="field-error">{errors.vendorId}</p> : null}
        </div>
      </div>
      {vendors.isSuccess && active.length === 0 ? (
        <p className="muted small">
          The company has no vendors yet.{" "}
          {canManageLists(company.permissions) ? (
            <Link to={vendorsHref}>Add vendors</Link>
          ) : (
            "Ask a directory admin to add the vendor."
          )}
        </p>
      ) : null}
      {errors.form ? (
        <p className="field-error" role="alert">
          {errors.form}
        </p>
      ) : null}
      <div className="form-actions">
        <button type="submit" className="button button-primary" disabled={create.isPending}>
          Create draft
        </button>
        <button type="button" className="button button-secondary" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}
