import { formatDateTime, formatMoney, formatMoneyChange } from "../format.js";
import {
  type CompanyWithCurrency,
  type DocumentDescription,
  documentLabel,
  documentNoun,
  documentUrl,
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
  /** The commitment that was sent; absent for the project's budget. */
  document?: DocumentDescription;
  sentBy: PersonRef;
  sentAt: Date;
  lineCount: number;
  /** Total revised amount, minor units of the company currency. */
  revisedTotal: bigint;
  /** Change since the last export, minor units. */
  delta: bigint;
  recipientName?: string;
}

export function renderAwaitingAcceptance(data: AwaitingAcceptanceData): RenderedEmail {
  const label = projectLabel(data.project);
  const doc = data.document;
  const noun = documentNoun(doc);
  const what = doc ? documentLabel(doc) : label;
  const locale = localeOf(data.company);
  const { currency } = data.company;
  const docLink = documentUrl(data.publicUrl, data.company.id, data.project.id, doc);
  return renderLayout({
    subject: doc ? `Commitment awaiting acceptance: ${what}` : `Budget awaiting acceptance: ${label}`,
    preheader: doc
      ? `${data.sentBy.name} sent ${what} on ${label} to the ERP.`
      : `${data.sentBy.name} sent the budget for ${label} to the ERP.`,
    heading: doc ? "A commitment is waiting for acceptance" : "A budget is waiting for acceptance",
    blocks: [
      { kind: "paragraph", content: [greeting(data.recipientName)] },
      {
        kind: "paragraph",
        content: [
          { strong: data.sentBy.name },
          doc ? " sent " : " sent the budget for ",
          { strong: what },
          ...(doc ? [" on ", { strong: label }] : []),
          " to the ERP. It waits in Ready to Export for an accounting approver to accept or reject it.",
        ],
      },
      {
        kind: "facts",
        rows: [
          doc
            ? { label: "Commitment", value: { link: what, href: docLink } }
            : { label: "Project", value: { link: label, href: docLink } },
          ...(doc ? [{ label: "Project", value: label }] : []),
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
        href: erpListUrl(data.publicUrl, data.company.id, "ready_to_export", doc ? "commitments" : "budgets"),
      },
    ],
    footer: {
      reason: `You get this email because you are an accounting approver in ${data.company.name} on Costbridge and the company sends a notice when a ${noun} is sent.`,
    },
  });
}
