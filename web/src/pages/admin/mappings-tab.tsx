import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import {
  ApiError,
  autoMatchVendors,
  type CompanyMembership,
  type ErpVendorRef,
  getVendorMappings,
  keys,
  listQuickBooksVendors,
  mapVendor,
  type VendorMapping,
} from "../../api.js";
import { EmptyState, ErrorState, Loading, Notice } from "../../components/ui.js";
import { useAction } from "../../components/use-action.js";
import { plural } from "../../format.js";
import {
  type AdminProject,
  adminKeys,
  autoMatchCostCodes,
  type CostCodeMapping,
  getCostCodeMappings,
  listAllProjects,
  listQuickBooksCustomers,
  mapCostCode,
  type QuickBooksCustomer,
  type QuickBooksItem,
  setProjectErpJob,
} from "./admin-api.js";

/** Cost codes ↔ QuickBooks items and projects ↔ QuickBooks jobs, chosen from lists read from QuickBooks. */
export function MappingsTab({ company }: { company: CompanyMembership }) {
  return (
    <div className="stack">
      <CostCodeMappings companyId={company.id} />
      <VendorMappings companyId={company.id} />
      <ProjectJobs companyId={company.id} />
    </div>
  );
}

function CostCodeMappings({ companyId }: { companyId: string }) {
  const mappings = useQuery({
    queryKey: adminKeys.mappings(companyId),
    queryFn: () => getCostCodeMappings(companyId),
    retry: false,
  });
  const invalidate = [
    adminKeys.mappings(companyId),
    adminKeys.costCodes(companyId),
    keys.costCodes(companyId),
  ];
  const autoMatch = useAction({
    run: () => autoMatchCostCodes(companyId),
    success: (r) =>
      r.matched.length === 0
        ? "No unmapped cost code has a QuickBooks item of the same name."
        : `Mapped ${r.matched.length} cost code(s) to items of the same name.`,
    invalidate,
  });
  const unmatchedSuggestions = mappings.data?.items.filter((i) => !i.item && i.suggestion).length ?? 0;
  return (
    <section className="card" aria-labelledby="item-mapping-heading">
      <div className="card-head">
        <h2 id="item-mapping-heading">Cost codes and QuickBooks items</h2>
        <button
          type="button"
          className="button button-secondary"
          disabled={autoMatch.isPending || unmatchedSuggestions === 0}
          onClick={() => autoMatch.mutate()}
        >
          Match identical names
        </button>
      </div>
      {mappings.isPending ? (
        <Loading label="Reading items from QuickBooks…" />
      ) : mappings.isError ? (
        <ErrorState error={mappings.error} onRetry={() => mappings.refetch()} />
      ) : mappings.data.items.length === 0 ? (
        <EmptyState title="No cost codes yet." />
      ) : (
        <div className="table-wrap">
          <table className="table">
            <caption className="sr-only">Cost code mappings</caption>
            <thead>
              <tr>
                <th scope="col">Cost Code</th>
                <th scope="col">Description</th>
                <th scope="col">QuickBooks item</th>
                <th scope="col">Actions</th>
              </tr>
            </thead>
            <tbody>
              {mappings.data.items.map((m) => (
                <MappingRow
                  key={m.costCode.id}
                  companyId={companyId}
                  mapping={m}
                  items={mappings.data.quickbooksItems}
                  invalidate={invalidate}
                />
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

function MappingRow({
  companyId,
  mapping,
  items,
  invalidate,
}: {
  companyId: string;
  mapping: CostCodeMapping;
  items: QuickBooksItem[];
  invalidate: readonly (readonly unknown[])[];
}) {
  const [choice, setChoice] = useState(mapping.item?.ref ?? mapping.suggestion?.ref ?? "");
  const save = useAction({
    run: () => mapCostCode(companyId, mapping.costCode.id, choice || null),
    success: choice ? `${mapping.costCode.code} mapped.` : `${mapping.costCode.code} unmapped.`,
    invalidate: invalidate as unknown[][],
  });
  const unchanged = choice === (mapping.item?.ref ?? "");
  return (
    <tr>
      <td className="mono">{mapping.costCode.code}</td>
      <td>{mapping.costCode.description}</td>
      <td>
        <select
          className="input"
          aria-label={`QuickBooks item for ${mapping.costCode.code}`}
          value={choice}
          onChange={(e) => setChoice(e.target.value)}
        >
          <option value="">Not mapped (created at export if allowed)</option>
          {mapping.item && mapping.itemMissing ? (
            <option value={mapping.item.ref}>{mapping.item.name} (no longer in QuickBooks)</option>
          ) : null}
          {items.map((i) => (
            <option key={i.ref} value={i.ref}>
              {i.name}
            </option>
          ))}
        </select>
        {!mapping.item && mapping.suggestion ? (
          <p className="muted small">Same name: {mapping.suggestion.name}</p>
        ) : null}
        {mapping.itemMissing ? (
          <p className="field-error">QuickBooks no longer lists this item; choose another.</p>
        ) : null}
      </td>
      <td className="row-actions">
        <button
          type="button"
          className="button button-small button-primary"
          aria-label={`Save the mapping of ${mapping.costCode.code}`}
          disabled={unchanged || save.isPending}
          onClick={() => save.mutate()}
        >
          Save
        </button>
      </td>
    </tr>
  );
}

function linkValue(p: AdminProject, customers: QuickBooksCustomer[]): string {
  if (p.erpJob) return `job:${p.erpJob.ref}`;
  const parent = customers.find((c) => c.name === p.parentCustomer && !c.isJob);
  return parent ? `parent:${parent.ref}` : "";
}

function ProjectJobs({ companyId }: { companyId: string }) {
  const projects = useQuery({
    queryKey: adminKeys.projects(companyId),
    queryFn: () => listAllProjects(companyId),
  });
  const customers = useQuery({
    queryKey: adminKeys.customers(companyId),
    queryFn: () => listQuickBooksCustomers(companyId),
    retry: false,
  });
  return (
    <section className="card" aria-labelledby="job-mapping-heading">
      <div className="card-head">
        <h2 id="job-mapping-heading">Projects and QuickBooks jobs</h2>
      </div>
      <p className="muted">
        Link a project to its existing QuickBooks job, or choose the customer its job is added under at the
        first export. Without either, the company's default parent customer is used.
      </p>
      {projects.isPending || customers.isPending ? (
        <Loading label="Reading customers from QuickBooks…" />
      ) : projects.isError ? (
        <ErrorState error={projects.error} onRetry={() => projects.refetch()} />
      ) : customers.isError ? (
        <ErrorState error={customers.error} onRetry={() => customers.refetch()} />
      ) : projects.data.length === 0 ? (
        <EmptyState title="No projects yet." />
      ) : (
        <div className="table-wrap">
          <table className="table">
            <caption className="sr-only">Project job links</caption>
            <thead>
              <tr>
                <th scope="col">Project</th>
                <th scope="col">QuickBooks job</th>
                <th scope="col">Actions</th>
              </tr>
            </thead>
            <tbody>
              {projects.data.map((p) => (
                <JobRow key={p.id} companyId={companyId} project={p} customers={customers.data.items} />
              ))}
            </tbody>
          </table>
        </div>
      )}
      {customers.data && customers.data.items.length === 0 ? (
        <Notice tone="info">
          <p>QuickBooks has no active customers yet.</p>
        </Notice>
      ) : null}
    </section>
  );
}

function JobRow({
  companyId,
  project,
  customers,
}: {
  companyId: string;
  project: AdminProject;
  customers: QuickBooksCustomer[];
}) {
  const current = linkValue(project, customers);
  const [choice, setChoice] = useState(current);
  const save = useAction({
    run: () => {
      const [kind, ref] = choice.split(":", 2) as [string, string];
      return setProjectErpJob(
        companyId,
        project.id,
        !choice ? null : kind === "job" ? { existingJobRef: ref } : { parentCustomerRef: ref },
      );
    },
    success: `Project ${project.number} saved.`,
    invalidate: [adminKeys.projects(companyId), keys.projects(companyId)],
  });
  const label = `${project.number} ${project.name}`;
  return (
    <tr>
      <td>{label}</td>
      <td>
        <select
          className="input"
          aria-label={`QuickBooks job for ${label}`}
          value={choice}
          onChange={(e) => setChoice(e.target.value)}
        >
          <option value="">Not linked (use the company default)</option>
          <optgroup label="Link to an existing customer or job">
            {customers.map((c) => (
              <option key={`job:${c.ref}`} value={`job:${c.ref}`}>
                {c.fullyQualifiedName}
              </option>
            ))}
          </optgroup>
          <optgroup label="Add a new job under">
            {customers
              .filter((c) => !c.isJob)
              .map((c) => (
                <option key={`parent:${c.ref}`} value={`parent:${c.ref}`}>
                  New job under {c.name}
                </option>
              ))}
          </optgroup>
        </select>
      </td>
      <td className="row-actions">
        <button
          type="button"
          className="button button-small button-primary"
          aria-label={`Save the QuickBooks job of ${label}`}
          disabled={choice === current || save.isPending}
          onClick={() => save.mutate()}
        >
          Save
        </button>
      </td>
    </tr>
  );
}

/** Vendors ↔ QuickBooks vendors, the way cost codes map to items: a pick list, a same-name match, or nothing. */
function VendorMappings({ companyId }: { companyId: string }) {
  const mappings = useQuery({
    queryKey: keys.vendorMappings(companyId),
    queryFn: () => getVendorMappings(companyId),
    retry: false,
  });
  const quickbooks = useQuery({
    queryKey: [...keys.vendorMappings(companyId), "quickbooks"],
    queryFn: () => listQuickBooksVendors(companyId),
    retry: false,
  });
  const invalidate = [keys.vendors(companyId)];
  const autoMatch = useAction({
    run: () => autoMatchVendors(companyId),
    success: (r) =>
      r.matched.length === 0
        ? "No unlinked vendor has a QuickBooks vendor of the same name."
        : `Linked ${plural(r.matched.length, "vendor")} to QuickBooks vendors of the same name.`,
    invalidate,
  });
  const unmatchedSuggestions = mappings.data?.items.filter((i) => !i.erpVendor && i.suggestion).length ?? 0;
  return (
    <section className="card" aria-labelledby="vendor-mapping-heading">
      <div className="card-head">
        <h2 id="vendor-mapping-heading">Vendors and QuickBooks vendors</h2>
        <button
          type="button"
          className="button button-secondary"
          disabled={autoMatch.isPending || unmatchedSuggestions === 0}
          onClick={() => autoMatch.mutate()}
        >
          Match identical vendor names
        </button>
      </div>
      {mappings.isPending || quickbooks.isPending ? (
        <Loading label="Reading vendors from QuickBooks…" />
      ) : mappings.error instanceof ApiError && mappings.error.status === 404 ? (
        <Notice tone="info">
          <p>
            Vendors are mapped from QuickBooks Online's vendor list. The connected ERP offers no vendor list
            to pick from; exports find vendors by name.
          </p>
        </Notice>
      ) : mappings.isError ? (
        <ErrorState error={mappings.error} onRetry={() => mappings.refetch()} />
      ) : quickbooks.isError ? (
        <ErrorState error={quickbooks.error} onRetry={() => quickbooks.refetch()} />
      ) : mappings.data.items.length === 0 ? (
        <EmptyState title="No vendors yet." />
      ) : (
        <div className="table-wrap">
          <table className="table">
            <caption className="sr-only">Vendor mappings</caption>
            <thead>
              <tr>
                <th scope="col">Vendor</th>
                <th scope="col">QuickBooks vendor</th>
                <th scope="col">Actions</th>
              </tr>
            </thead>
            <tbody>
              {mappings.data.items.map((m) => (
                <VendorMappingRow
                  key={m.vendorId}
                  companyId={companyId}
                  mapping={m}
                  vendors={quickbooks.data.items}
                  invalidate={invalidate}
                />
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

function VendorMappingRow({
  companyId,
  mapping,
  vendors,
  invalidate,
}: {
  companyId: string;
  mapping: VendorMapping;
  vendors: ErpVendorRef[];
  invalidate: readonly (readonly unknown[])[];
}) {
  const [choice, setChoice] = useState(mapping.erpVendor?.ref ?? mapping.suggestion?.ref ?? "");
  const save = useAction({
    run: (ref: string | null) => mapVendor(companyId, mapping.vendorId, ref),
    success: (_r, ref) => (ref ? `${mapping.name} linked.` : `${mapping.name} unlinked.`),
    invalidate: invalidate as unknown[][],
    onSuccess: (_r, ref) => setChoice(ref ?? ""),
  });
  const unchanged = choice === (mapping.erpVendor?.ref ?? "");
  const missing = mapping.erpVendor && !vendors.some((v) => v.ref === mapping.erpVendor?.ref);
  return (
    <tr>
      <td>{mapping.name}</td>
      <td>
        <select
          className="input"
          aria-label={`QuickBooks vendor for ${mapping.name}`}
          value={choice}
          onChange={(e) => setChoice(e.target.value)}
        >
          <option value="">Not linked (found by name or added at export if allowed)</option>
          {mapping.erpVendor && missing ? (
            <option value={mapping.erpVendor.ref}>
              {mapping.erpVendor.name ?? mapping.erpVendor.ref} (not in QuickBooks' active list)
            </option>
          ) : null}
          {vendors.map((v) => (
            <option key={v.ref} value={v.ref}>
              {v.name ?? `QuickBooks vendor ${v.ref}`}
            </option>
          ))}
        </select>
        {!mapping.erpVendor && mapping.suggestion ? (
          <p className="muted small">Same name: {mapping.suggestion.name}</p>
        ) : null}
      </td>
      <td className="row-actions">
        <button
          type="button"
          className="button button-small button-primary"
          aria-label={`Save the QuickBooks vendor of ${mapping.name}`}
          disabled={unchanged || save.isPending}
          onClick={() => save.mutate(choice || null)}
        >
          Save
        </button>
        {mapping.erpVendor ? (
          <button
            type="button"
            className="button button-small button-secondary"
            aria-label={`Clear the QuickBooks vendor of ${mapping.name}`}
            disabled={save.isPending}
            onClick={() => save.mutate(null)}
          >
            Clear
          </button>
        ) : null}
      </td>
    </tr>
  );
}
