/** The administration pages' routes and navigation links, kept here so the app shell only has to mention them. */
import type { CompanyMembership } from "../../api.js";
import { matchPath } from "../../router.js";
import { AccountPage } from "./account-page.js";
import { AdminPage } from "./admin-page.js";
import { type AdminTab, isAdminTab, visibleAdminTabs } from "./admin-rules.js";

export type AdminRoute =
  | { kind: "admin"; companyId: string; tab: AdminTab | null }
  | { kind: "account"; companyId: string };

export function resolveAdminRoute(path: string): AdminRoute | null {
  let m = matchPath("/companies/:c/admin", path);
  if (m?.c) return { kind: "admin", companyId: m.c, tab: null };
  m = matchPath("/companies/:c/admin/:tab", path);
  if (m?.c && m.tab) return isAdminTab(m.tab) ? { kind: "admin", companyId: m.c, tab: m.tab } : null;
  m = matchPath("/companies/:c/account", path);
  if (m?.c) return { kind: "account", companyId: m.c };
  return null;
}

export function AdminRouteView({ route, company }: { route: AdminRoute; company: CompanyMembership }) {
  if (route.kind === "account") return <AccountPage company={company} />;
  return <AdminPage key={company.id} company={company} tab={route.tab} />;
}

/** Navigation entries: Company (for those who may use any administration page) and My account (everyone). */
export function adminNavLinks(company: CompanyMembership): { to: string; label: string }[] {
  const base = `/companies/${encodeURIComponent(company.id)}`;
  const links: { to: string; label: string }[] = [];
  if (visibleAdminTabs(company.permissions).length > 0) links.push({ to: `${base}/admin`, label: "Company" });
  links.push({ to: `${base}/account`, label: "My account" });
  return links;
}
