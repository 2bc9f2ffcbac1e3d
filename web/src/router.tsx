import {
  type AnchorHTMLAttributes,
  createContext,
  type MouseEvent,
  type ReactNode,
  useCallback,
  useContext,
  useEffect,
  useMemo,
  useState,
} from "react";

export interface Location {
  pathname: string;
  search: string;
}

export interface NavigateOptions {
  replace?: boolean;
}

interface RouterValue {
  location: Location;
  navigate: (to: string, options?: NavigateOptions) => void;
}

const RouterContext = createContext<RouterValue | null>(null);

function readLocation(): Location {
  return { pathname: window.location.pathname, search: window.location.search };
}

/** Follows the browser's history API: links push entries, Back and Forward re-render. */
export function BrowserRouter({ children }: { children: ReactNode }) {
  const [location, setLocation] = useState<Location>(readLocation);

  useEffect(() => {
    const onPop = () => setLocation(readLocation());
    window.addEventListener("popstate", onPop);
    return () => window.removeEventListener("popstate", onPop);
  }, []);

  const navigate = useCallback((to: string, options: NavigateOptions = {}) => {
    const current = window.location.pathname + window.location.search;
    if (to === current && !options.replace) return;
    if (options.replace) window.history.replaceState(null, "", to);
    else window.history.pushState(null, "", to);
    setLocation(readLocation());
    if (!options.replace) window.scrollTo(0, 0);
  }, []);

  const value = useMemo(() => ({ location, navigate }), [location, navigate]);
  return <RouterContext.Provider value={value}>{children}</RouterContext.Provider>;
}

/** A fixed location, for rendering outside a browser. */
export function StaticRouter({
  url,
  onNavigate,
  children,
}: {
  url: string;
  onNavigate?: (to: string) => void;
  children: ReactNode;
}) {
  const value = useMemo<RouterValue>(() => {
    const parsed = new URL(url, "http://localhost");
    return {
      location: { pathname: parsed.pathname, search: parsed.search },
      navigate: (to) => onNavigate?.(to),
    };
  }, [url, onNavigate]);
  return <RouterContext.Provider value={value}>{children}</RouterContext.Provider>;
}

function useRouter(): RouterValue {
  const value = useContext(RouterContext);
  if (!value) throw new Error("useRouter needs a router above it");
  return value;
}

export function useLocation(): Location {
  return useRouter().location;
}

export function useNavigate(): RouterValue["navigate"] {
  return useRouter().navigate;
}

export function useSearchParam(name: string): string | null {
  const { search } = useLocation();
  return new URLSearchParams(search).get(name);
}

export type Params = Record<string, string>;

/** "/companies/:c/projects" against "/companies/42/projects" → {c: "42"}; null when it does not match. */
export function matchPath(pattern: string, pathname: string): Params | null {
  const want = pattern.split("/").filter(Boolean);
  const have = pathname.split("/").filter(Boolean);
  if (want.length !== have.length) return null;
  const params: Params = {};
  for (let i = 0; i < want.length; i++) {
    const w = want[i] as string;
    const h = have[i] as string;
    if (w.startsWith(":")) {
      try {
        params[w.slice(1)] = decodeURIComponent(h);
      } catch {
        return null;
      }
    } else if (w !== h) {
      return null;
    }
  }
  return params;
}

/** Only same-site paths are followed after signing in, so a crafted link cannot send anyone elsewhere. */
export function safeNextPath(next: string | null | undefined): string | null {
  if (!next?.startsWith("/") || next.startsWith("//") || next.startsWith("/\\")) return null;
  if (next === "/" || next.startsWith("/signin") || next.startsWith("/invitations/")) return null;
  return next;
}

function isPlainLeftClick(event: MouseEvent<HTMLAnchorElement>): boolean {
  return event.button === 0 && !event.metaKey && !event.ctrlKey && !event.shiftKey && !event.altKey;
}

export interface LinkProps extends Omit<AnchorHTMLAttributes<HTMLAnchorElement>, "href"> {
  to: string;
  replace?: boolean;
  /** Marks the link as the current page when the location starts with `to` (or equals it when `exact`). */
  activeMatch?: "prefix" | "exact";
}

export function Link({ to, replace, activeMatch, onClick, children, ...rest }: LinkProps) {
  const { location, navigate } = useRouter();
  const path = to.split("?")[0] ?? to;
  const isActive =
    activeMatch === "exact"
      ? location.pathname === path
      : activeMatch === "prefix"
        ? location.pathname === path || location.pathname.startsWith(`${path}/`)
        : false;
  return (
    <a
      {...rest}
      href={to}
      aria-current={isActive ? "page" : rest["aria-current"]}
      onClick={(event) => {
        onClick?.(event);
        if (event.defaultPrevented || !isPlainLeftClick(event) || rest.target) return;
        event.preventDefault();
        navigate(to, { replace });
      }}
    >
      {children}
    </a>
  );
}

export function Redirect({ to }: { to: string }) {
  const navigate = useNavigate();
  useEffect(() => {
    navigate(to, { replace: true });
  }, [navigate, to]);
  return null;
}
