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

/**
 * The document an email is about when it is not the project's budget: a commitment, named by its kind, number,
 * title and vendor. Emails without one speak of the project's budget.
 */
export interface DocumentDescription {
  kind: "commitment";
  id: string;
  commitmentKind: "subcontract" | "purchase_order";
  number: string;
  title: string;
  vendor: string;
}

const COMMITMENT_KIND_WORDS: Record<string, string> = {
  subcontract: "Subcontract",
  purchase_order: "Purchase order",
};

function kindWord(document: DocumentDescription): string {
  return COMMITMENT_KIND_WORDS[document.commitmentKind] ?? "Commitment";
}

/** "Subcontract SC-001 Drywall — Acme Drywall": what a commitment is called in subjects and sentences. */
export function documentLabel(document: DocumentDescription): string {
  return `${kindWord(document)} ${oneLine(document.number)} ${oneLine(document.title)} — ${oneLine(document.vendor)}`;
}

/** The kind of document in a sentence: "budget", "subcontract", "purchase order". */
export function documentNoun(document: DocumentDescription | undefined): string {
  return document ? kindWord(document).toLowerCase() : "budget";
}

/** Where the document lives in the web UI: the project's budget page or the commitment's page. */
export function documentUrl(
  publicUrl: string,
  companyId: string,
  projectId: string,
  document: DocumentDescription | undefined,
): string {
  return document
    ? buildUrl(publicUrl, ["companies", companyId, "projects", projectId, "commitments", document.id])
    : budgetUrl(publicUrl, companyId, projectId);
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

/**
 * The filter values match the ERP Integrations list's `filter` query parameter (submission statuses); the
 * Budgets tab is the tool's first page, the Commitments tab its own page with the same filter.
 */
export function erpListUrl(
  publicUrl: string,
  companyId: string,
  filter: "ready_to_export" | "failed",
  tab: "budgets" | "commitments" = "budgets",
): string {
  const segments = ["companies", companyId, "erp", ...(tab === "commitments" ? ["commitments"] : [])];
  return buildUrl(publicUrl, segments, { filter });
}

/** My account, where each person sets their own email preferences. */
export function preferencesUrl(publicUrl: string, companyId: string): string {
  return buildUrl(publicUrl, ["companies", companyId, "account"]);
}

export function greeting(name: string | undefined): string {
  return name?.trim() ? `Hi ${oneLine(name)},` : "Hello,";
}
