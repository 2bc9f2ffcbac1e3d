import type { CompanyMembership } from "../../api.js";
import { PageHeader } from "../../components/page-header.js";
import { Notice } from "../../components/ui.js";
import { Link, Redirect } from "../../router.js";
import { ADMIN_TAB_LABEL, type AdminTab, visibleAdminTabs } from "./admin-rules.js";
import { ApproversTab } from "./approvers-tab.js";
import { AuditTab } from "./audit-tab.js";
import { CostCodesTab } from "./cost-codes-tab.js";
import { DirectoryTab } from "./directory-tab.js";
import { MappingsTab } from "./mappings-tab.js";
import { ProjectSetupTab } from "./project-setup-tab.js";
import { SettingsTab } from "./settings-tab.js";
import { VendorsTab } from "./vendors-tab.js";

/** Company administration: one page with a subtab per area, each shown to those who may use it. */
export function AdminPage({ company, tab }: { company: CompanyMembership; tab: AdminTab | null }) {
  const base = `/companies/${encodeURIComponent(company.id)}/admin`;
  const tabs = visibleAdminTabs(company.permissions);
  if (tabs.length === 0 || (tab && !tabs.includes(tab))) {
    return (
      <>
        <PageHeader title="Company" kicker={company.name} />
        <Notice tone="info">
          <p>
            You do not have access to this part of {company.name}'s administration. Ask a directory admin.
          </p>
        </Notice>
      </>
    );
  }
  const current = tab ?? tabs[0];
  if (!tab && current) return <Redirect to={`${base}/${current}`} />;
  return (
    <>
      <PageHeader title={ADMIN_TAB_LABEL[current as AdminTab]} kicker={`${company.name} · Company`} />
      <nav className="subtabs" aria-label="Company sections">
        {tabs.map((t) => (
          <Link
            key={t}
            to={`${base}/${t}`}
            className="subtab"
            aria-current={t === current ? "page" : undefined}
          >
            {ADMIN_TAB_LABEL[t]}
          </Link>
        ))}
      </nav>
      <AdminTabView company={company} tab={current as AdminTab} />
    </>
  );
}

function AdminTabView({ company, tab }: { company: CompanyMembership; tab: AdminTab }) {
  switch (tab) {
    case "directory":
      return <DirectoryTab company={company} />;
    case "settings":
      return <SettingsTab company={company} />;
    case "cost-codes":
      return <CostCodesTab company={company} />;
    case "vendors":
      return <VendorsTab company={company} />;
    case "projects":
      return <ProjectSetupTab company={company} />;
    case "mappings":
      return <MappingsTab company={company} />;
    case "audit":
      return <AuditTab company={company} />;
    case "approvers":
      return <ApproversTab company={company} />;
  }
}
