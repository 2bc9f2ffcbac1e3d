import { formatDateTime } from "../format.js";
import {
  type CompanyRef,
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
import { type Block, type RenderedEmail, renderLayout } from "./layout.js";

export interface ExportFailedData {
  publicUrl: string;
  company: CompanyRef;
  project: ProjectRef;
  /** The commitment whose export failed; absent for the project's budget. */
  document?: DocumentDescription;
  /** The company's ERP by name ("QuickBooks Online"); "the ERP" when absent. */
  erpName?: string;
  error: { code: string; message: string; remedy: string };
  failedAt: Date;
  sentBy?: PersonRef;
  acceptedBy?: PersonRef;
  recipientName?: string;
}

export function renderExportFailed(data: ExportFailedData): RenderedEmail {
  const label = projectLabel(data.project);
  const doc = data.document;
  const noun = documentNoun(doc);
  const what = doc ? documentLabel(doc) : label;
  const erpName = data.erpName ?? "the ERP";
  const at = formatDateTime(data.failedAt, data.company.timeZone, localeOf(data.company));
  const facts: { label: string; value: string }[] = [{ label: "Project", value: label }];
  if (doc) facts.push({ label: "Commitment", value: what });
  if (data.sentBy) facts.push({ label: "Sent by", value: data.sentBy.name });
  if (data.acceptedBy) facts.push({ label: "Accepted by", value: data.acceptedBy.name });
  facts.push({ label: "Failed at", value: at }, { label: "Error code", value: data.error.code });
  const blocks: Block[] = [
    { kind: "paragraph", content: [greeting(data.recipientName)] },
    {
      kind: "paragraph",
      content: [
        doc ? "" : "The accepted budget for ",
        { strong: what },
        ...(doc ? [" on ", { strong: label }, " was accepted but"] : []),
        ` could not be exported to ${erpName}. Nothing more will be written until someone retries or rejects it.`,
      ],
    },
    { kind: "quote", label: "What went wrong", text: data.error.message, tone: "danger" },
    { kind: "quote", label: "How to fix it", text: data.error.remedy },
    { kind: "facts", rows: facts },
    {
      kind: "button",
      label: "Open Failed to Export",
      href: erpListUrl(data.publicUrl, data.company.id, "failed", doc ? "commitments" : "budgets"),
    },
    {
      kind: "links",
      links: [
        {
          label: `Open the ${doc ? "commitment" : "budget"}`,
          href: documentUrl(data.publicUrl, data.company.id, data.project.id, doc),
        },
      ],
    },
  ];
  return renderLayout({
    subject: `Export failed: ${what}`,
    preheader: `${doc ? what : `The budget for ${label}`} could not be exported: ${data.error.code}.`,
    heading: `Export to ${erpName} failed`,
    blocks,
    footer: {
      reason: `You get this email because you sent or accepted this ${noun} in ${data.company.name} on Costbridge.`,
    },
  });
}
