import { useQueryClient } from "@tanstack/react-query";
import { type ReactNode, useEffect, useId, useRef, useState } from "react";
import { type CompanyMembership, type Me, onUnauthorized, signOut } from "./api.js";
import { PageHeader } from "./components/page-header.js";
import { ToastOutlet } from "./components/toast.js";
import { ErrorState, Loading, Notice } from "./components/ui.js";
import { setDisplayTimeZone } from "./format.js";
import {
  type AdminRoute,
  AdminRouteView,
  adminNavLinks,
  resolveAdminRoute,
} from "./pages/admin/admin-routes.js";
import { BudgetPage } from "./pages/budget-page.js";
import { CommitmentsPage } from "./pages/commitments-page.js";
import { ErpPage, type ErpTab } from "./pages/erp-page.js";
import { InvitationPage } from "./pages/invitation-page.js";
import { MailboxPage } from "./pages/mailbox-page.js";
import { ProjectsPage } from "./pages/projects-page.js";
import { SignInPage } from "./pages/signin-page.js";
import { Link, matchPath, Redirect, safeNextPath, useLocation, useNavigate } from "./router.js";
import { canDecide, canViewErp, landingPath } from "./rules.js";
import { lastCompanyId, rememberCompany, useMe, usePublicConfig, useSession } from "./session.js";

export function App() {
  const location = useLocation();
  const session = useSession();
  const queryClient = useQueryClient();

  useEffect(() => {
    onUnauthorized(() => {
      // Drop everything cached for the old session; the redirect to sign-in follows from the empty session.
      queryClient.removeQueries({
        predicate: (q) => q.queryKey[0] !== "public-config" && q.queryKey[0] !== "session",
      });
      queryClient.setQueryData(["session"], null);
    });
    return () => onUnauthorized(null);
  }, [queryClient]);

  const invitation = matchPath("/invitations/:token", location.pathname);
  if (invitation?.token) return <InvitationPage token={invitation.token} />;

  if (session.isPending)
    return (
      <FullPage>
        <Loading />
      </FullPage>
    );
  if (session.isError) {
    return (
      <FullPage>
        <ErrorState error={session.error} onRetry={() => session.refetch()} />
      </FullPage>
    );
  }
  if (location.pathname === "/signin") {
    return session.data ? <SignedInRedirect /> : <SignInPage />;
  }
  if (!session.data) {
    const next = safeNextPath(location.pathname + location.search);
    return <Redirect to={next ? `/signin?next=${encodeURIComponent(next)}` : "/signin"} />;
  }
  return <SignedIn />;
}

function FullPage({ children }: { children: ReactNode }) {
  return (
    <main className="auth-page" id="main">
      <div className="auth-card">{children}</div>
    </main>
  );
}

function SignedInRedirect() {
  const me = useMe();
  const location = useLocation();
  if (!me.data) return <FullPage>{me.isError ? <ErrorState error={me.error} /> : <Loading />}</FullPage>;
  const next = safeNextPath(new URLSearchParams(location.search).get("next"));
  return <Redirect to={next ?? landingPath(me.data)} />;
}

type Route =
  | { kind: "home" }
  | { kind: "projects"; companyId: string }
  | { kind: "budget"; companyId: string; projectId: string }
  | { kind: "commitments"; companyId: string; projectId: string; commitmentId: string | null }
  | { kind: "erp"; companyId: string; tab: ErpTab }
  | { kind: "mailbox" }
  | { kind: "no-company" }
  | AdminRoute
  | { kind: "not-found" };

export function resolveRoute(pathname: string): Route {
  const path = pathname.length > 1 ? pathname.replace(/\/+$/, "") : pathname;
  if (path === "/") return { kind: "home" };
  if (path === "/mailbox") return { kind: "mailbox" };
  if (path === "/no-company") return { kind: "no-company" };
  let m = matchPath("/companies/:c/projects", path);
  if (m?.c) return { kind: "projects", companyId: m.c };
  m = matchPath("/companies/:c/projects/:p/budget", path);
  if (m?.c && m.p) return { kind: "budget", companyId: m.c, projectId: m.p };
  m = matchPath("/companies/:c/projects/:p/commitments", path);
  if (m?.c && m.p) return { kind: "commitments", companyId: m.c, projectId: m.p, commitmentId: null };
  m = matchPath("/companies/:c/projects/:p/commitments/:id", path);
  if (m?.c && m.p && m.id) return { kind: "commitments", companyId: m.c, projectId: m.p, commitmentId: m.id };
  m = matchPath("/companies/:c/projects/:p", path);
  if (m?.c && m.p) return { kind: "budget", companyId: m.c, projectId: m.p };
  m = matchPath("/companies/:c/erp", path) ?? matchPath("/companies/:c/erp/budgets", path);
  if (m?.c) return { kind: "erp", companyId: m.c, tab: "budgets" };
  m = matchPath("/companies/:c/erp/commitments", path);
  if (m?.c) return { kind: "erp", companyId: m.c, tab: "commitments" };
  m = matchPath("/companies/:c/erp/connection", path);
  if (m?.c) return { kind: "erp", companyId: m.c, tab: "connection" };
  m = matchPath("/companies/:c", path);
  if (m?.c) return { kind: "projects", companyId: m.c };
  return resolveAdminRoute(path) ?? { kind: "not-found" };
}

function SignedIn() {
  const me = useMe();
  const location = useLocation();
  if (me.isPending)
    return (
      <FullPage>
        <Loading />
      </FullPage>
    );
  if (me.isError) {
    return (
      <FullPage>
        <ErrorState error={me.error} onRetry={() => me.refetch()} />
      </FullPage>
    );
  }
  const route = resolveRoute(location.pathname);
  if (route.kind === "home") return <Redirect to={landingPath(me.data)} />;
  const routeCompanyId = "companyId" in route ? route.companyId : null;
  const current =
    (routeCompanyId
      ? me.data.companies.find((co) => co.id === routeCompanyId)
      : (me.data.companies.find((co) => co.id === lastCompanyId()) ?? me.data.companies[0])) ?? null;
  // Dates read in the company's time zone, set before the pages below render any.
  setDisplayTimeZone(current?.timeZone);
  return (
    <Shell me={me.data} company={current}>
      <RouteView route={route} company={current} />
    </Shell>
  );
}

function RouteView({ route, company }: { route: Route; company: CompanyMembership | null }) {
  if (route.kind === "mailbox") return <MailboxPage />;
  if (route.kind === "no-company") {
    return (
      <>
        <PageHeader title="No company yet" />
        <Notice>
          <p>Your account is not part of any company. Ask a company admin to add you to its directory.</p>
        </Notice>
      </>
    );
  }
  if (route.kind === "not-found" || route.kind === "home" || !company) {
    return (
      <>
        <PageHeader title="Page not found" />
        <Notice>
          <p>
            This page does not exist, or you do not have access to it.{" "}
            <Link to="/">Go to your start page</Link>.
          </p>
        </Notice>
      </>
    );
  }
  if (route.kind === "projects") return <ProjectsPage key={company.id} company={company} />;
  if (route.kind === "admin" || route.kind === "account")
    return <AdminRouteView route={route} company={company} />;
  if (route.kind === "budget")
    return <BudgetPage key={company.id + route.projectId} company={company} projectId={route.projectId} />;
  if (route.kind === "commitments")
    return (
      <CommitmentsPage
        key={company.id + route.projectId}
        company={company}
        projectId={route.projectId}
        commitmentId={route.commitmentId}
      />
    );
  return <ErpPage key={company.id} company={company} tab={route.tab} />;
}

function Shell({
  me,
  company,
  children,
}: {
  me: Me;
  company: CompanyMembership | null;
  children: ReactNode;
}) {
  const location = useLocation();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const config = usePublicConfig();
  const switcherId = useId();
  const menuId = useId();
  const firstRender = useRef(true);
  // On a phone the navigation and the user menu fold behind a Menu button; any navigation folds them again.
  const [menuOpen, setMenuOpen] = useState(false);
  // biome-ignore lint/correctness/useExhaustiveDependencies: closes on path changes only
  useEffect(() => setMenuOpen(false), [location.pathname, location.search]);

  useEffect(() => {
    if (company) rememberCompany(company.id);
  }, [company]);

  // After client-side navigation, move focus to the new page's heading (not on the first load).
  // biome-ignore lint/correctness/useExhaustiveDependencies: runs on path changes only
  useEffect(() => {
    if (firstRender.current) {
      firstRender.current = false;
      return;
    }
    const heading = document.querySelector<HTMLElement>("main h1");
    heading?.focus({ preventScroll: true });
  }, [location.pathname]);

  const companyBase = company ? `/companies/${encodeURIComponent(company.id)}` : null;
  const approver = company ? canDecide(company.permissions) : false;

  const switchCompany = (id: string) => {
    const target = me.companies.find((co) => co.id === id);
    if (!target) return;
    const base = `/companies/${encodeURIComponent(target.id)}`;
    const onErp = location.pathname.includes("/erp");
    // The same ERP Integrations tab in the other company (its Connection tab is for admins only).
    const tab = location.pathname.includes("/erp/commitments") ? "/commitments" : "";
    navigate(onErp && canViewErp(target.permissions) ? `${base}/erp${tab}` : `${base}/projects`);
  };

  const doSignOut = async () => {
    try {
      await signOut();
    } catch {
      // The session is dropped locally either way.
    }
    queryClient.clear();
    queryClient.setQueryData(["session"], null);
    // The sign-in page says "You are signed out." itself; a notification would leave with this page.
    navigate("/signin?signedOut=1", { replace: true });
  };

  return (
    <div className="app">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="app-header">
        <div className="header-inner">
          <Link to="/" className="brand" aria-label="Costbridge home">
            Costbridge
          </Link>
          {me.companies.length > 0 ? (
            <div className="company-switcher">
              <label htmlFor={switcherId} className="sr-only">
                Company
              </label>
              <select
                id={switcherId}
                className="input input-compact"
                value={company?.id ?? ""}
                onChange={(e) => switchCompany(e.target.value)}
              >
                {company ? null : <option value="">Choose a company</option>}
                {me.companies.map((co) => (
                  <option key={co.id} value={co.id}>
                    {co.name}
                  </option>
                ))}
              </select>
            </div>
          ) : null}
          <button
            type="button"
            className="menu-toggle"
            aria-expanded={menuOpen}
            aria-controls={menuId}
            onClick={() => setMenuOpen((open) => !open)}
          >
            Menu
          </button>
          <div id={menuId} className={`header-menu${menuOpen ? " is-open" : ""}`}>
            <nav className="main-nav" aria-label="Main">
              {companyBase ? (
                <Link to={`${companyBase}/projects`} activeMatch="prefix">
                  Projects
                </Link>
              ) : null}
              {companyBase && company && canViewErp(company.permissions) ? (
                <Link to={`${companyBase}/erp`} activeMatch="prefix">
                  ERP Integrations
                </Link>
              ) : null}
              {company
                ? adminNavLinks(company).map((l) => (
                    <Link key={l.to} to={l.to} activeMatch="prefix">
                      {l.label}
                    </Link>
                  ))
                : null}
              {config.demo ? (
                <Link to="/mailbox" activeMatch="exact">
                  Mailbox
                </Link>
              ) : null}
            </nav>
            <div className="user-menu">
              <span className="user-name" title={me.user.email}>
                {me.user.name || me.user.email}
              </span>
              {approver ? <span className="badge badge-approver">Accounting approver</span> : null}
              <button type="button" className="button button-small button-secondary" onClick={doSignOut}>
                Sign out
              </button>
            </div>
          </div>
        </div>
      </header>
      <main id="main" className="app-main" tabIndex={-1}>
        <ToastOutlet />
        {children}
      </main>
    </div>
  );
}
