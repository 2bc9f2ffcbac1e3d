import { formatDateTime, formatMoney, formatMoneyChange } from "../format.js";
import {
  budgetUrl,
  type CompanyWithCurrency,
  erpListUrl,
  greeting,
  localeOf,
  type PersonRef,
  type ProjectRef,
  projectLabel,
} from "./common.js";
import { type RenderedEmail, renderLayout } from "./layout.js";

export interface AwaitingAcceptanceData {
  publicUrl: string;
  company: CompanyWithCurrency;
  project: ProjectRef;
  sentBy: PersonRef;
  sentAt: Date;
  lineCount: number;
  /** Total revised estimate, minor units of the company currency. */
  revisedTotal: bigint;
  /** Change since the last export, minor units. */
  delta: bigint;
  recipientName?: string;
}

export function renderAwaitingAcceptance(data: AwaitingAcceptanceData): RenderedEmail {
  const label = projectLabel(data.project);
  const locale = localeOf(data.company);
  const { currency } = data.company;
  return renderLayout({
    subject: `Budget awaiting acceptance: ${label}`,
    preheader: `${data.sentBy.name} sent the budget for ${label} to the ERP.`,
    heading: "A budget is waiting for acceptance",
    blocks: [
      { kind: "paragraph", content: [greeting(data.recipientName)] },
      {
        kind: "paragraph",
        content: [
          { strong: data.sentBy.name },
          " sent the budget for ",
          { strong: label },
          " to the ERP. It waits in Ready to Export for an accounting approver to accept or reject it.",
        ],
      },
      {
        kind: "facts",
        rows: [
          {
            label: "Project",
            value: { link: label, href: budgetUrl(data.publicUrl, data.company.id, data.project.id) },
          },
          { label: "Sent by", value: data.sentBy.name },
          { label: "Sent at", value: formatDateTime(data.sentAt, data.company.timeZone, locale) },
          { label: "Lines", value: String(data.lineCount) },
          { label: "Revised total", value: formatMoney(data.revisedTotal, currency, locale) },
          { label: "Change since last export", value: formatMoneyChange(data.delta, currency, locale) },
        ],
      },
      {
        kind: "button",
        label: "Review in ERP Integrations",
        href: erpListUrl(data.publicUrl, data.company.id, "ready_to_export"),
      },
    ],
    footer: {
      reason: `You get this email because you are an accounting approver in ${data.company.name} on Costbridge and the company sends a notice when a budget is sent.`,
    },
  });
}
