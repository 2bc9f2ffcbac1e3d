import { type AddedToCompanyData, renderAddedToCompany } from "./added-to-company.js";
import { type AwaitingAcceptanceData, renderAwaitingAcceptance } from "./awaiting-acceptance.js";
import { type DailySummaryData, renderDailySummary } from "./daily-summary.js";
import { type ExportFailedData, renderExportFailed } from "./export-failed.js";
import { type InvitationData, renderInvitation } from "./invitation.js";
import type { RenderedEmail } from "./layout.js";
import { type RejectionNoticeData, renderRejectionNotice } from "./rejection-notice.js";

export type { AddedToCompanyData } from "./added-to-company.js";
export type { AwaitingAcceptanceData } from "./awaiting-acceptance.js";
export type {
  CompanyRef,
  CompanyWithCurrency,
  DocumentDescription,
  PersonRef,
  ProjectRef,
} from "./common.js";
export {
  DAILY_SUMMARY_SUBJECT,
  type DailySummaryCommitmentItem,
  type DailySummaryData,
  type DailySummaryItem,
} from "./daily-summary.js";
export type { ExportFailedData } from "./export-failed.js";
export {
  HIDDEN_TOKEN,
  hideInvitationLinks,
  INVITATION_VALID_DAYS,
  type InvitationData,
} from "./invitation.js";
export { escapeHtml, type RenderedEmail } from "./layout.js";
export type { RejectionNoticeData } from "./rejection-notice.js";
export {
  renderAddedToCompany,
  renderAwaitingAcceptance,
  renderDailySummary,
  renderExportFailed,
  renderInvitation,
  renderRejectionNotice,
};

export type EmailTemplateData =
  | { template: "rejection-notice"; data: RejectionNoticeData }
  | { template: "daily-summary"; data: DailySummaryData }
  | { template: "export-failed"; data: ExportFailedData }
  | { template: "awaiting-acceptance"; data: AwaitingAcceptanceData }
  | { template: "invitation"; data: InvitationData }
  | { template: "added-to-company"; data: AddedToCompanyData };

export type EmailTemplateName = EmailTemplateData["template"];

export const EMAIL_TEMPLATE_NAMES: readonly EmailTemplateName[] = [
  "rejection-notice",
  "daily-summary",
  "export-failed",
  "awaiting-acceptance",
  "invitation",
  "added-to-company",
];

export function renderEmail(t: EmailTemplateData): RenderedEmail {
  switch (t.template) {
    case "rejection-notice":
      return renderRejectionNotice(t.data);
    case "daily-summary":
      return renderDailySummary(t.data);
    case "export-failed":
      return renderExportFailed(t.data);
    case "awaiting-acceptance":
      return renderAwaitingAcceptance(t.data);
    case "invitation":
      return renderInvitation(t.data);
    case "added-to-company":
      return renderAddedToCompany(t.data);
    default:
      return assertNever(t);
  }
}

// Data carries bigints, which JSON.stringify refuses, so only the name goes into the message.
function assertNever(value: never): never {
  throw new Error(`unknown email template: ${String((value as { template?: unknown }).template)}`);
}
