import { buildUrl, oneLine } from "./layout.js";

export interface CompanyRef {
  id: string;
  name: string;
  /** IANA zone, e.g. `America/Chicago`: every time in an email is shown in it. */
  timeZone: string;
  /** BCP 47 locale for numbers and dates; `en-US` when unset. */
  locale?: string;
}

export interface CompanyWithCurrency extends CompanyRef {
  /** ISO 4217 code of the company's money, e.g. `USD`. */
  currency: string;
}

export interface ProjectRef {
  id: string;
  number: string;
  name: string;
}

export interface PersonRef {
  name: string;
}

export function projectLabel(project: Pick<ProjectRef, "number" | "name">): string {
  const number = oneLine(project.number);
  const name = oneLine(project.name);
  return number ? `${number} ${name}` : name;
}

export function localeOf(company: Pick<CompanyRef, "locale">): string {
  return company.locale ?? "en-US";
}

export function budgetUrl(publicUrl: string, companyId: string, projectId: string): string {
  return buildUrl(publicUrl, ["companies", companyId, "projects", projectId, "budget"]);
}

/** The filter values match the ERP Integrations list's `filter` query parameter (submission statuses). */
export function erpListUrl(
  publicUrl: string,
  companyId: string,
  filter: "ready_to_export" | "failed",
): string {
  return buildUrl(publicUrl, ["companies", companyId, "erp"], { filter });
}

/** My account, where each person sets their own email preferences. */
export function preferencesUrl(publicUrl: string, companyId: string): string {
  return buildUrl(publicUrl, ["companies", companyId, "account"]);
}

export function greeting(name: string | undefined): string {
  return name?.trim() ? `Hi ${oneLine(name)},` : "Hello,";
}
