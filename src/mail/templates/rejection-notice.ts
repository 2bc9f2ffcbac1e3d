import { formatDateTime } from "../format.js";
import {
  budgetUrl,
  type CompanyRef,
  greeting,
  localeOf,
  type PersonRef,
  type ProjectRef,
  projectLabel,
} from "./common.js";
import { type RenderedEmail, renderLayout } from "./layout.js";

export interface RejectionNoticeData {
  publicUrl: string;
  company: CompanyRef;
  project: ProjectRef;
  reason: string;
  /** The company's ERP by name ("QuickBooks Online"); "the ERP" when absent. */
  erpName?: string;
  rejectedBy: PersonRef;
  rejectedAt: Date;
  /** Name of the person receiving this copy, for the greeting. */
  recipientName?: string;
}

export function renderRejectionNotice(data: RejectionNoticeData): RenderedEmail {
  const label = projectLabel(data.project);
  const link = budgetUrl(data.publicUrl, data.company.id, data.project.id);
  const at = formatDateTime(data.rejectedAt, data.company.timeZone, localeOf(data.company));
  return renderLayout({
    subject: `Budget rejected: ${label}`,
    preheader: `${data.rejectedBy.name} rejected the budget for ${label}.`,
    heading: "Budget rejected",
    blocks: [
      { kind: "paragraph", content: [greeting(data.recipientName)] },
      {
        kind: "paragraph",
        content: [
          { strong: data.rejectedBy.name },
          ` rejected the budget sent to ${data.erpName ?? "the ERP"} for `,
          { strong: label },
          ". It is back with the project team to correct and send again.",
        ],
      },
      { kind: "quote", label: "Reason", text: data.reason, tone: "danger" },
      {
        kind: "facts",
        rows: [
          { label: "Project", value: label },
          { label: "Rejected by", value: data.rejectedBy.name },
          { label: "Rejected at", value: at },
        ],
      },
      { kind: "button", label: "Open the budget", href: link },
    ],
    footer: {
      reason: `You get this email because you created or sent this budget in ${data.company.name} on Costbridge.`,
    },
  });
}
