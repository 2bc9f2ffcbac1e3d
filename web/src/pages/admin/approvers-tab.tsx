import { useQuery } from "@tanstack/react-query";
import type { CompanyMembership } from "../../api.js";
import { EmptyState, ErrorState, Loading } from "../../components/ui.js";
import { adminKeys, getApprovers } from "./admin-api.js";
import { LEVEL_LABEL } from "./admin-rules.js";

/** Everyone who may accept or reject budgets: ERP Integrations Standard or Admin with Can Push to Accounting. */
export function ApproversTab({ company }: { company: CompanyMembership }) {
  const report = useQuery({
    queryKey: adminKeys.approvers(company.id),
    queryFn: () => getApprovers(company.id),
  });
  if (report.isPending) return <Loading label="Loading approvers…" />;
  if (report.isError) return <ErrorState error={report.error} onRetry={() => report.refetch()} />;
  if (report.data.items.length === 0) {
    return (
      <EmptyState title="No accounting approvers yet.">
        <p>
          An approver needs ERP Integrations Standard or Admin and the Can Push to Accounting privilege, which
          the platform operator grants.
        </p>
      </EmptyState>
    );
  }
  return (
    <div className="table-wrap">
      <table className="table">
        <caption className="sr-only">Accounting approvers of {company.name}</caption>
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Email</th>
            <th scope="col">ERP Integrations</th>
            <th scope="col">Daily summary</th>
          </tr>
        </thead>
        <tbody>
          {report.data.items.map((a) => (
            <tr key={a.user.id}>
              <td>
                {a.user.name} <span className="badge badge-approver">Accounting approver</span>
              </td>
              <td>{a.user.email}</td>
              <td>{LEVEL_LABEL[a.erpIntegrations]}</td>
              <td>{a.subscribeErpDigest ? "Subscribed" : "Not subscribed"}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
