import { formatDateTime } from "../format.js";
import {
  type CompanyRef,
  type DocumentDescription,
  documentLabel,
  documentNoun,
  documentUrl,
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
  /** The commitment that was rejected; absent for the project's budget. */
  document?: DocumentDescription;
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
  const doc = data.document;
  const noun = documentNoun(doc);
  const link = documentUrl(data.publicUrl, data.company.id, data.project.id, doc);
  const at = formatDateTime(data.rejectedAt, data.company.timeZone, localeOf(data.company));
  const what = doc ? documentLabel(doc) : label;
  const facts = [
    { label: "Project", value: label },
    ...(doc ? [{ label: "Commitment", value: what }] : []),
    { label: "Rejected by", value: data.rejectedBy.name },
    { label: "Rejected at", value: at },
  ];
  return renderLayout({
    subject: doc ? `Commitment rejected: ${what}` : `Budget rejected: ${label}`,
    preheader: doc
      ? `${data.rejectedBy.name} rejected ${what} on ${label}.`
      : `${data.rejectedBy.name} rejected the budget for ${label}.`,
    heading: doc ? "Commitment rejected" : "Budget rejected",
    blocks: [
      { kind: "paragraph", content: [greeting(data.recipientName)] },
      {
        kind: "paragraph",
        content: doc
          ? [
              { strong: data.rejectedBy.name },
              " rejected ",
              { strong: what },
              " on ",
              { strong: label },
              `, sent to ${data.erpName ?? "the ERP"}. It is back with the project team to correct and send again.`,
            ]
          : [
              { strong: data.rejectedBy.name },
              ` rejected the budget sent to ${data.erpName ?? "the ERP"} for `,
              { strong: label },
              ". It is back with the project team to correct and send again.",
            ],
      },
      { kind: "quote", label: "Reason", text: data.reason, tone: "danger" },
      { kind: "facts", rows: facts },
      { kind: "button", label: `Open the ${doc ? "commitment" : "budget"}`, href: link },
    ],
    footer: {
      reason: `You get this email because you created or sent this ${noun} in ${data.company.name} on Costbridge.`,
    },
  });
}
