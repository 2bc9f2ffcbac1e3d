import type { CompanyMembership } from "../api.js";
import { PageHeader } from "../components/page-header.js";
import { Notice } from "../components/ui.js";
import { Link } from "../router.js";
import { BUDGET_DOCUMENTS, COMMITMENT_DOCUMENTS, canViewErp, isErpAdmin } from "../rules.js";
import { ErpSubmissionsTab } from "./erp-budgets.js";
import { ErpConnectionTab } from "./erp-connection.js";

export type ErpTab = "budgets" | "commitments" | "connection";

export function ErpPage({ company, tab }: { company: CompanyMembership; tab: ErpTab }) {
  const base = `/companies/${encodeURIComponent(company.id)}/erp`;
  const admin = isErpAdmin(company.permissions);
  if (!canViewErp(company.permissions)) {
    return (
      <>
        <PageHeader title="ERP Integrations" kicker={company.name} />
        <Notice tone="info">
          <p>
            You do not have access to ERP Integrations in {company.name}. Ask a directory admin for access.
          </p>
        </Notice>
      </>
    );
  }
  return (
    <>
      <PageHeader title="ERP Integrations" kicker={company.name} />
      <nav className="subtabs" aria-label="ERP Integrations sections">
        <Link to={base} className="subtab" aria-current={tab === "budgets" ? "page" : undefined}>
          Budgets
        </Link>
        <Link
          to={`${base}/commitments`}
          className="subtab"
          aria-current={tab === "commitments" ? "page" : undefined}
        >
          Commitments
        </Link>
        {admin ? (
          <Link
            to={`${base}/connection`}
            className="subtab"
            aria-current={tab === "connection" ? "page" : undefined}
          >
            Connection
          </Link>
        ) : null}
      </nav>
      {tab === "connection" ? (
        admin ? (
          <ErpConnectionTab company={company} />
        ) : (
          <Notice tone="info">
            <p>Only ERP Integrations admins can manage the QuickBooks connection.</p>
          </Notice>
        )
      ) : tab === "commitments" ? (
        <ErpSubmissionsTab key="commitments" company={company} docs={COMMITMENT_DOCUMENTS} />
      ) : (
        <ErpSubmissionsTab key="budgets" company={company} docs={BUDGET_DOCUMENTS} />
      )}
    </>
  );
}
