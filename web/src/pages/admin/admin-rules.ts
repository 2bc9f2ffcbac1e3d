/** Who sees which administration page; pure so it can be tested without rendering. */
import type { Level, Permissions } from "../../api.js";
import { atLeast } from "../../rules.js";

export type AdminTab =
  | "directory"
  | "settings"
  | "cost-codes"
  | "vendors"
  | "projects"
  | "mappings"
  | "audit"
  | "approvers";

export const ADMIN_TAB_LABEL: Record<AdminTab, string> = {
  directory: "Directory",
  settings: "Settings",
  "cost-codes": "Cost codes",
  vendors: "Vendors",
  projects: "Project setup",
  mappings: "Mappings",
  audit: "Audit log",
  approvers: "Approvers",
};

export const LEVEL_LABEL: Record<Level, string> = {
  none: "None",
  read_only: "Read Only",
  standard: "Standard",
  admin: "Admin",
};

export const canViewDirectory = (p: Permissions) => atLeast(p.directory, "read_only");
export const isDirectoryAdmin = (p: Permissions) => p.directory === "admin";
export const isErpAdminP = (p: Permissions) => p.erpIntegrations === "admin";
/** Cost codes, categories and the audit log: directory admin or ERP Integrations admin. */
export const canManageLists = (p: Permissions) => isDirectoryAdmin(p) || isErpAdminP(p);

export function visibleAdminTabs(p: Permissions): AdminTab[] {
  const tabs: AdminTab[] = [];
  if (canViewDirectory(p)) tabs.push("directory");
  if (atLeast(p.erpIntegrations, "read_only") || canManageLists(p)) tabs.push("settings");
  if (canManageLists(p)) tabs.push("cost-codes");
  // Vendors are read by anyone who reads the directory; managed with the company lists.
  if (canViewDirectory(p) || canManageLists(p)) tabs.push("vendors");
  if (isDirectoryAdmin(p) || isErpAdminP(p)) tabs.push("projects");
  if (isErpAdminP(p)) tabs.push("mappings");
  if (canManageLists(p)) tabs.push("audit");
  if (atLeast(p.erpIntegrations, "read_only")) tabs.push("approvers");
  return tabs;
}

export function isAdminTab(value: string): value is AdminTab {
  return value in ADMIN_TAB_LABEL;
}

/** A sentence for an audit event's action, e.g. "directory.permissions_changed" → "Directory: permissions changed". */
export function describeAction(action: string): string {
  const [area, what] = action.includes(".") ? action.split(".", 2) : ["", action];
  const words = (s: string) => s.replace(/_/g, " ");
  const head = words(area ?? "");
  return head ? `${head.charAt(0).toUpperCase()}${head.slice(1)}: ${words(what ?? "")}` : words(what ?? "");
}

/** What is wrong with a typed email address, in words; null when it looks like one (the server has the last word). */
export function describeEmailProblem(input: string): string | null {
  const email = input.trim();
  if (!email) return "Enter an email address.";
  if (/\s/.test(email)) return "An email address cannot contain spaces.";
  const at = email.indexOf("@");
  if (at < 0) return `“${email}” has no @: write it as name@example.com.`;
  if (email.indexOf("@", at + 1) >= 0) return "An email address has only one @.";
  if (at === 0) return "Put the name before the @, as in name@example.com.";
  const domain = email.slice(at + 1);
  if (!domain) return "Put the domain after the @, as in name@example.com.";
  if (!/^[^.]+(\.[^.]+)+$/.test(domain)) {
    return `“${domain}” is not a complete domain: it needs a dot, as in example.com.`;
  }
  return null;
}
