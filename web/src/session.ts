import { useQuery } from "@tanstack/react-query";
import { useEffect } from "react";
import {
  type CompanyMembership,
  getMe,
  getPublicConfig,
  getSession,
  keys,
  type PublicConfig,
} from "./api.js";

export function useSession() {
  return useQuery({
    queryKey: keys.session,
    queryFn: getSession,
    staleTime: Number.POSITIVE_INFINITY,
    retry: 1,
  });
}

export function useMe(enabled = true) {
  return useQuery({ queryKey: keys.me, queryFn: getMe, enabled, staleTime: 60_000 });
}

const NOT_DEMO: PublicConfig = { demo: false, demoUsers: [] };

/** The demo hint and the Mailbox link are extras: if the config cannot be read, the UI behaves as non-demo. */
export function usePublicConfig(): PublicConfig {
  const query = useQuery({
    queryKey: keys.publicConfig,
    queryFn: () => getPublicConfig().catch(() => NOT_DEMO),
    staleTime: Number.POSITIVE_INFINITY,
  });
  return query.data ?? NOT_DEMO;
}

export function useCompanies(): CompanyMembership[] {
  return useMe().data?.companies ?? [];
}

export function useTitle(title: string) {
  useEffect(() => {
    document.title = title ? `${title} · Costbridge` : "Costbridge";
  }, [title]);
}

const LAST_COMPANY_KEY = "costbridge.lastCompany";

export function rememberCompany(companyId: string) {
  try {
    window.localStorage.setItem(LAST_COMPANY_KEY, companyId);
  } catch {
    // Private browsing may refuse storage; the first company is a fine fallback.
  }
}

export function lastCompanyId(): string | null {
  try {
    return typeof window === "undefined" ? null : window.localStorage.getItem(LAST_COMPANY_KEY);
  } catch {
    return null;
  }
}
