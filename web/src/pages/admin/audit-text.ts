import { formatDateTime } from "../../format.js";
import { humanizeKey, SUBMISSION_STATUS_LABEL } from "../../rules.js";
import { describeAction } from "./admin-rules.js";

/** An audit event as the log reads it: the server resolves its subject and the people it mentions to names. */
export interface AuditEventText {
  action: string;
  actor: { kind: "user" | "operator" | "system"; user: { name: string | null; email: string | null } | null };
  entity: { type: string; id: string };
  data: Record<string, unknown>;
  subject?: { kind: string; name: string } | null;
  names?: Record<string, string>;
}

export function actorName(e: Pick<AuditEventText, "actor">): string {
  if (e.actor.kind === "operator") return "The platform operator";
  if (e.actor.kind === "system") return "Costbridge";
  return e.actor.user?.name || e.actor.user?.email || "A former user";
}

/** What each action did, as the end of a sentence whose subject is the actor; `x` is what it was done to. */
const SENTENCES: Record<string, (x: string, data: Record<string, unknown>) => string> = {
  "budget.line_added": (x) => `added a line to the budget of ${x}`,
  "budget.lines_imported": (x) => `imported lines into the budget of ${x}`,
  "budget.line_updated": (x) => `changed a line of the budget of ${x}`,
  "budget.line_deleted": (x) => `deleted a line of the budget of ${x}`,
  "budget.change_created": (x) => `created a budget change on ${x}`,
  "budget.change_updated": (x) => `edited a budget change on ${x}`,
  "budget.change_deleted": (x) => `deleted a budget change on ${x}`,
  "budget.change_approved": (x) => `approved a budget change on ${x}`,
  "budget.change_voided": (x) => `voided a budget change on ${x}`,
  "budget.locked": (x) => `locked the budget of ${x}`,
  "budget.unlocked": (x) => `unlocked the budget of ${x}`,
  "submission.sent": (x) => `sent the budget of ${x} to accounting`,
  "submission.retrieved": (x) => `retrieved the budget of ${x} from accounting`,
  "submission.accepted": (x) => `accepted the budget of ${x} for export`,
  "submission.rejected": (x) => `rejected the budget of ${x}`,
  "submission.retried": (x) => `retried the export of ${x}`,
  "submission.exported": (x) => `exported the budget of ${x} to QuickBooks`,
  "submission.export_failed": (x) => `could not export the budget of ${x}`,
  "qbwc.plan_rejected": (x) => `refused to send the budget of ${x} to QuickBooks Desktop`,
  "project.created": (x) => `created project ${x}`,
  "project.updated": (x) => `changed project ${x}`,
  "cost_code.created": (x) => `added cost code ${x}`,
  "cost_code.updated": (x) => `changed cost code ${x}`,
  "category.created": (x) => `added category ${x}`,
  "category.updated": (x) => `changed category ${x}`,
  "settings.updated": () => "changed the company settings",
  "company.created": () => "created the company",
  "company.updated": () => "changed the company",
  "directory.invited": (x) => `invited ${x}`,
  "directory.invitation_resent": (x) => `sent ${x} a new invitation`,
  "directory.deactivated": (x) => `deactivated ${x}`,
  "directory.reactivated": (x) => `reactivated ${x}`,
  "directory.permissions_changed": (x) => `changed the permissions of ${x}`,
  "directory.digest_subscription_changed": (x) => `changed the daily summary subscription of ${x}`,
  "directory.project_override_set": (x) => `changed the project access of ${x}`,
  "directory.project_override_cleared": (x) => `removed a project access exception of ${x}`,
  "directory.can_push_to_accounting_granted": (x) => `let ${x} push budgets to accounting`,
  "directory.can_push_to_accounting_revoked": (x) => `stopped ${x} pushing budgets to accounting`,
  "invitation.accepted": () => "accepted their invitation",
  "mapping.cost_code_item_set": (x) => `mapped cost code ${x} to a QuickBooks item`,
  "mapping.cost_code_item_cleared": (x) => `removed the QuickBooks item of cost code ${x}`,
  "mapping.project_erp_job_set": (x) => `linked ${x} to a QuickBooks job`,
  "erp.connected": () => "connected QuickBooks",
  "erp.disconnected": () => "disconnected QuickBooks",
  "erp.qbwc_password_set": () => "set a new Web Connector password",
  "commitment.created": (x) => `created commitment ${x}`,
  "commitment.updated": (x) => `changed commitment ${x}`,
  "commitment.status_changed": (x, data) => {
    const to = typeof data.to === "string" ? data.to : null;
    if (to === "approved") return `approved commitment ${x}`;
    if (to === "void") return `voided commitment ${x}`;
    if (to === "out_for_signature") return `sent commitment ${x} out for signature`;
    if (to === "draft") return `took commitment ${x} back to draft`;
    return `changed the status of commitment ${x}`;
  },
  "commitment.line_added": (x) => `added a line to commitment ${x}`,
  "commitment.line_updated": (x) => `changed a line of commitment ${x}`,
  "commitment.line_deleted": (x) => `deleted a line of commitment ${x}`,
  "commitment_change_order.created": (x) => `created a change order on ${x}`,
  "commitment_change_order.updated": (x) => `edited a change order on ${x}`,
  "commitment_change_order.deleted": (x) => `deleted a change order on ${x}`,
  "commitment_change_order.approved": (x) => `approved a change order on ${x}`,
  "commitment_change_order.rejected": (x) => `rejected a change order on ${x}`,
  "vendor.created": (x) => `added vendor ${x}`,
  "vendor.updated": (x) => `changed vendor ${x}`,
  "vendor.deactivated": (x) => `deactivated vendor ${x}`,
  "vendor.linked": (x) => `linked vendor ${x} to a QuickBooks vendor`,
};

/** A commitment's submission moves through the same steps as a budget's, in its own words. */
const COMMITMENT_SUBMISSION_SENTENCES: Record<string, (x: string) => string> = {
  "submission.sent": (x) => `sent commitment ${x} to accounting`,
  "submission.retrieved": (x) => `retrieved commitment ${x} from accounting`,
  "submission.accepted": (x) => `accepted commitment ${x} for export`,
  "submission.rejected": (x) => `rejected commitment ${x}`,
  "submission.retried": (x) => `retried the export of commitment ${x}`,
  "submission.exported": (x) => `exported commitment ${x} to QuickBooks`,
  "submission.export_failed": (x) => `could not export commitment ${x}`,
};

function isCommitmentEvent(e: AuditEventText): boolean {
  return (
    e.subject?.kind === "commitment" ||
    e.data.documentType === "commitment" ||
    typeof e.data.commitmentId === "string"
  );
}

const FALLBACK_SUBJECT: Record<string, string> = {
  user: "a person no longer in the directory",
  project: "a deleted project",
  submission: "a project",
  budget: "a project",
  budget_line: "a project",
  budget_change: "a project",
  commitment: "a deleted commitment",
  commitment_change_order: "a deleted commitment",
  vendor: "(name not recorded)",
  cost_code: "a cost code",
  category: "a category",
};

function subjectText(e: AuditEventText): string {
  if (e.subject?.name) return e.subject.name;
  const email = typeof e.data.email === "string" ? e.data.email : null;
  if (e.entity.type === "user" && email) return email;
  if (e.entity.type === "vendor" && typeof e.data.name === "string" && e.data.name) return e.data.name;
  const number = typeof e.data.projectNumber === "string" ? e.data.projectNumber : null;
  if (number) return `project ${number}`;
  return FALLBACK_SUBJECT[e.entity.type] ?? "the company";
}

/** "Alex Approver rejected the budget of E1042 Harbor Lofts." */
export function auditSentence(e: AuditEventText): string {
  const who = actorName(e);
  const sentence =
    (isCommitmentEvent(e) ? COMMITMENT_SUBMISSION_SENTENCES[e.action] : undefined) ?? SENTENCES[e.action];
  if (sentence) return `${who} ${sentence(subjectText(e), e.data)}.`;
  const what = describeAction(e.action).toLowerCase();
  return e.subject?.name ? `${who}: ${what} (${e.subject.name}).` : `${who}: ${what}.`;
}

const ISO_DATE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/;
// Ids are for machines; the subject and the people they point to are already named.
const HIDDEN_KEY = /(^id$|Id$|Ids$|_id$|^projectNumber$|^token)/;

function valueText(key: string, value: unknown): string {
  if (value === null || value === undefined || value === "") return "none";
  if (typeof value === "boolean") return value ? "yes" : "no";
  if (typeof value === "number") return String(value);
  if (typeof value === "string") {
    if (ISO_DATE.test(value)) return formatDateTime(value);
    if ((key === "from" || key === "to") && value in SUBMISSION_STATUS_LABEL)
      return SUBMISSION_STATUS_LABEL[value as keyof typeof SUBMISSION_STATUS_LABEL];
    return value.replace(/_/g, value.includes(" ") ? "_" : " ");
  }
  if (Array.isArray(value)) {
    if (value.every((v) => typeof v !== "object" || v === null))
      return value.length === 0 ? "none" : value.map((v) => valueText(key, v)).join(", ");
    return `${value.length} ${value.length === 1 ? "entry" : "entries"}`;
  }
  if (typeof value === "object") {
    const o = value as Record<string, unknown>;
    if ("from" in o && "to" in o) return `${valueText(key, o.from)} → ${valueText(key, o.to)}`;
    return Object.entries(o)
      .filter(([k]) => !HIDDEN_KEY.test(k))
      .map(([k, v]) => `${humanizeKey(k).toLowerCase()} ${valueText(k, v)}`)
      .join(", ");
  }
  return String(value);
}

/** The event's details as label and value pairs: no ids, no JSON. */
export function auditDetails(e: AuditEventText): [string, string][] {
  const out: [string, string][] = [];
  for (const [key, value] of Object.entries(e.data)) {
    if (HIDDEN_KEY.test(key)) continue;
    if (key === "changes" && typeof value === "object" && value !== null && !Array.isArray(value)) {
      for (const [k, v] of Object.entries(value as Record<string, unknown>))
        out.push([humanizeKey(k), valueText(k, v)]);
      continue;
    }
    if (key === "from" && "to" in e.data) continue;
    if (key === "to" && "from" in e.data) {
      const status = typeof value === "string" && value in SUBMISSION_STATUS_LABEL;
      out.push([
        status ? "Status" : "Change",
        `${valueText("from", e.data.from)} → ${valueText("to", value)}`,
      ]);
      continue;
    }
    out.push([humanizeKey(key), valueText(key, value)]);
  }
  const subjectName = e.subject?.name;
  for (const [label, name] of Object.entries(e.names ?? {})) {
    if (name && name !== subjectName) out.push([humanizeKey(label), name]);
  }
  return out;
}
