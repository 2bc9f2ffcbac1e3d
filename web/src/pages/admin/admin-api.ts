/** The company administration calls: directory, settings, cost codes, projects, mappings, audit log. */
import {
  type Category,
  type CostCode,
  type Level,
  type Page,
  type Permissions,
  request,
  type User,
} from "../../api.js";

const enc = encodeURIComponent;
const co = (c: string) => `/api/v1/companies/${enc(c)}`;

export type DirectoryStatus = "active" | "invited" | "inactive";

export interface ProjectOverride {
  projectId: string;
  budget: Level;
  lockBudget: boolean;
  sendAndRetrieveBudget: boolean;
}

export interface DirectoryItem {
  user: User;
  permissions: Permissions;
  isAccountingApprover: boolean;
  status: DirectoryStatus;
  active: boolean;
  projectOverrides: ProjectOverride[];
}

export interface LevelsInput {
  erpIntegrations?: Level;
  directory?: Level;
  budget?: Level;
  lockBudget?: boolean;
  sendAndRetrieveBudget?: boolean;
  subscribeErpDigest?: boolean;
}

export interface Settings {
  name: string;
  timeZone: string;
  currency: string;
  dailySummaryHour: number;
  createMissingItems: boolean;
  /** Exports add a vendor QuickBooks does not have yet (absent from servers that predate commitments). */
  createMissingVendors?: boolean;
  defaultParentCustomer: string | null;
  estimateMode: "update_in_place" | "new_estimate_per_submission";
  separationOfDuties: boolean;
  notifyApproversOnSend: boolean;
  selfServiceApproverGrants: boolean;
  useClasses: boolean;
}

export type SettingsPatch = Partial<Omit<Settings, "name" | "selfServiceApproverGrants">>;

export interface ErpRef {
  ref: string;
  name: string | null;
}

/**
 * What a cost code's item or a project's job reads in the Company lists. An export that creates or links them
 * stores the reference before QuickBooks' name is known: it is mapped all the same, as Mappings shows.
 */
export function erpRefLabel(link: { ref: string; name?: string | null }, kind: "item" | "job"): string {
  const name = link.name?.trim();
  if (name) return name;
  return kind === "item" ? `Mapped (QuickBooks item ${link.ref})` : `Linked (QuickBooks job ${link.ref})`;
}

export interface AdminProject {
  id: string;
  number: string;
  name: string;
  budgetToolActive: boolean;
  erpJob: ErpRef | null;
  parentCustomer: string | null;
}

export interface AdminCostCode extends CostCode {
  erpItem: ErpRef | null;
}

export interface CostCodeMapping {
  costCode: CostCode;
  item: ErpRef | null;
  itemMissing: boolean;
  suggestion: ErpRef | null;
}

export interface QuickBooksItem {
  ref: string;
  name: string;
  type: string | null;
  sku: string | null;
}

export interface QuickBooksCustomer {
  ref: string;
  name: string;
  fullyQualifiedName: string;
  isJob: boolean;
  parentRef: string | null;
}

export interface AuditEvent {
  id: string;
  at: string;
  actor: {
    kind: "user" | "operator" | "system";
    user: { id: string; email: string | null; name: string | null } | null;
  };
  action: string;
  entity: { type: string; id: string };
  data: Record<string, unknown>;
  /** What the event was about, by name ("E1042 Harbor Lofts"). */
  subject?: { kind: string; name: string } | null;
  /** Names of the projects and people its data mentions by id. */
  names?: Record<string, string>;
}

export interface AuditFilters {
  entityType?: string;
  entityId?: string;
  actorUserId?: string;
  action?: string;
  from?: string;
  to?: string;
}

export interface Approver {
  user: User;
  erpIntegrations: Level;
  subscribeErpDigest: boolean;
}

// Directory

export const listDirectory = (c: string) => request<{ items: DirectoryItem[] }>("GET", `${co(c)}/directory`);
export const getDirectoryEntry = (c: string, u: string) =>
  request<DirectoryItem>("GET", `${co(c)}/directory/${enc(u)}`);
export const inviteUser = (c: string, input: { email: string; name: string; permissions: LevelsInput }) =>
  request<DirectoryItem & { invited: boolean }>("POST", `${co(c)}/directory`, { json: input });
export const updateEntry = (c: string, u: string, patch: LevelsInput & { active?: boolean }) =>
  request<DirectoryItem>("PATCH", `${co(c)}/directory/${enc(u)}`, { json: patch });
export const resendInvitation = (c: string, u: string) =>
  request<DirectoryItem>("POST", `${co(c)}/directory/${enc(u)}/invitation`);
export const setCanPush = (c: string, u: string, granted: boolean) =>
  request<DirectoryItem>("PUT", `${co(c)}/directory/${enc(u)}/can-push-to-accounting`, { json: { granted } });
export const setOverride = (
  c: string,
  p: string,
  u: string,
  input: { budget: Level; lockBudget: boolean; sendAndRetrieveBudget: boolean },
) => request<unknown>("PUT", `${co(c)}/projects/${enc(p)}/permissions/${enc(u)}`, { json: input });
export const clearOverride = (c: string, p: string, u: string) =>
  request<void>("DELETE", `${co(c)}/projects/${enc(p)}/permissions/${enc(u)}`);
export const getApprovers = (c: string) => request<{ items: Approver[] }>("GET", `${co(c)}/erp/approvers`);

// Settings and company lists

export const getSettings = (c: string) => request<Settings>("GET", `${co(c)}/settings`);
export const updateSettings = (c: string, patch: SettingsPatch) =>
  request<Settings>("PATCH", `${co(c)}/settings`, { json: patch });

export const listAdminCostCodes = (c: string) =>
  request<{ items: AdminCostCode[] }>("GET", `${co(c)}/cost-codes`);
export const createCostCode = (c: string, input: { code: string; description: string }) =>
  request<AdminCostCode>("POST", `${co(c)}/cost-codes`, { json: input });
export const updateCostCode = (c: string, id: string, input: { description?: string; active?: boolean }) =>
  request<AdminCostCode>("PATCH", `${co(c)}/cost-codes/${enc(id)}`, { json: input });
export const listAdminCategories = (c: string) =>
  request<{ items: Category[] }>("GET", `${co(c)}/categories`);
export const createCategory = (c: string, input: { code: string; name: string }) =>
  request<Category>("POST", `${co(c)}/categories`, { json: input });
export const updateCategory = (c: string, id: string, input: { name: string }) =>
  request<Category>("PATCH", `${co(c)}/categories/${enc(id)}`, { json: input });

export async function listAllProjects(c: string): Promise<AdminProject[]> {
  const all: AdminProject[] = [];
  let cursor: string | null = null;
  do {
    const page: Page<AdminProject> = await request<Page<AdminProject>>("GET", `${co(c)}/projects`, {
      query: { cursor, limit: 200 },
    });
    all.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  return all;
}
export const createProject = (c: string, input: { number: string; name: string }) =>
  request<AdminProject>("POST", `${co(c)}/projects`, { json: input });
export const updateProject = (c: string, p: string, input: { name?: string; budgetToolActive?: boolean }) =>
  request<AdminProject>("PATCH", `${co(c)}/projects/${enc(p)}`, { json: input });

// Mappings

export const getCostCodeMappings = (c: string) =>
  request<{ items: CostCodeMapping[]; quickbooksItems: QuickBooksItem[] }>(
    "GET",
    `${co(c)}/erp/mappings/cost-codes`,
  );
export const mapCostCode = (c: string, costCodeId: string, itemRef: string | null) =>
  request<unknown>("PUT", `${co(c)}/erp/mappings/cost-codes/${enc(costCodeId)}`, { json: { itemRef } });
export const autoMatchCostCodes = (c: string) =>
  request<{ matched: { costCodeId: string; code: string; item: ErpRef }[] }>(
    "POST",
    `${co(c)}/erp/mappings/cost-codes/auto-match`,
  );
export const listQuickBooksCustomers = (c: string) =>
  request<{ items: QuickBooksCustomer[] }>("GET", `${co(c)}/erp/quickbooks/customers`);
export const setProjectErpJob = (
  c: string,
  p: string,
  input: { existingJobRef: string } | { parentCustomerRef: string } | null,
) =>
  input
    ? request<unknown>("PUT", `${co(c)}/projects/${enc(p)}/erp-job`, { json: input })
    : request<unknown>("DELETE", `${co(c)}/projects/${enc(p)}/erp-job`);

// Audit and account

export const listAuditEvents = (c: string, filters: AuditFilters, cursor: string | null, limit = 50) =>
  request<Page<AuditEvent>>("GET", `${co(c)}/audit-events`, { query: { ...filters, cursor, limit } });

export const changePassword = (currentPassword: string, newPassword: string) =>
  request<{ ok: true }>("POST", "/api/v1/me/password", { json: { currentPassword, newPassword } });

export const adminKeys = {
  directory: (c: string) => ["admin", c, "directory"] as const,
  approvers: (c: string) => ["admin", c, "approvers"] as const,
  settings: (c: string) => ["admin", c, "settings"] as const,
  costCodes: (c: string) => ["admin", c, "cost-codes"] as const,
  categories: (c: string) => ["admin", c, "categories"] as const,
  projects: (c: string) => ["admin", c, "projects"] as const,
  mappings: (c: string) => ["admin", c, "mappings"] as const,
  customers: (c: string) => ["admin", c, "customers"] as const,
  audit: (c: string, filters: AuditFilters, cursor: string | null) =>
    ["admin", c, "audit", filters, cursor] as const,
};
