import { formatCalendarDate, formatDateTime, formatMoney, formatMoneyChange } from "../format.js";
import {
  budgetUrl,
  type CompanyWithCurrency,
  type DocumentDescription,
  documentLabel,
  documentUrl,
  erpListUrl,
  greeting,
  localeOf,
  type PersonRef,
  type ProjectRef,
  preferencesUrl,
  projectLabel,
} from "./common.js";
import { type Block, type Inline, type RenderedEmail, renderLayout } from "./layout.js";

export const DAILY_SUMMARY_SUBJECT = "ERP Integrations Daily Summary";

export interface DailySummaryItem {
  project: ProjectRef;
  sentBy: PersonRef;
  sentAt: Date;
  lineCount: number;
  /** Total revised estimate, minor units of the company currency. */
  revisedTotal: bigint;
  /** Change since the last export, minor units. */
  delta: bigint;
}

/** A commitment waiting for acceptance: the same facts, and which commitment it is. */
export interface DailySummaryCommitmentItem extends DailySummaryItem {
  commitment: DocumentDescription;
}

export interface DailySummaryData {
  publicUrl: string;
  company: CompanyWithCurrency;
  /** The company-local calendar date the summary covers, `YYYY-MM-DD`. */
  date: string;
  /** Budgets ready to export. */
  items: DailySummaryItem[];
  /** Commitments ready to export, counted and listed apart from budgets (absent: none). */
  commitments?: DailySummaryCommitmentItem[];
  recipientName?: string;
}

function waitingWords(budgets: number, commitments: number, locale: string): string {
  const count = (n: number, one: string, many: string) =>
    n === 1 ? `1 ${one}` : `${n.toLocaleString(locale)} ${many}`;
  if (commitments === 0) {
    return budgets === 1
      ? "1 budget is ready to export"
      : `${count(budgets, "budget", "budgets")} are ready to export`;
  }
  const c = count(commitments, "commitment", "commitments");
  if (budgets === 0) return `${c} ${commitments === 1 ? "is" : "are"} ready to export`;
  return `${count(budgets, "budget", "budgets")} and ${c} are ready to export`;
}

export function renderDailySummary(data: DailySummaryData): RenderedEmail {
  const locale = localeOf(data.company);
  const { currency, timeZone } = data.company;
  const commitments = data.commitments ?? [];
  const count = data.items.length;
  const waiting = waitingWords(count, commitments.length, locale);
  const amounts = (item: DailySummaryItem): Inline[] => [
    item.sentBy.name,
    formatDateTime(item.sentAt, timeZone, locale),
    item.lineCount.toLocaleString(locale),
    formatMoney(item.revisedTotal, currency, locale),
    formatMoneyChange(item.delta, currency, locale),
  ];
  const amountColumns = [
    { label: "Sent by", stacked: true },
    { label: "Sent at", stacked: true },
    { label: "Lines", stacked: true },
    { label: "Revised total", align: "right" as const },
    { label: "Change", align: "right" as const },
  ];
  const totalsOf = (items: DailySummaryItem[], blanks: number): Inline[] | undefined =>
    items.length > 1
      ? [
          "Total",
          ...Array.from({ length: blanks }, () => ""),
          formatMoney(
            items.reduce((sum, i) => sum + i.revisedTotal, 0n),
            currency,
            locale,
          ),
          formatMoneyChange(
            items.reduce((sum, i) => sum + i.delta, 0n),
            currency,
            locale,
          ),
        ]
      : undefined;
  const blocks: Block[] = [
    { kind: "paragraph", content: [greeting(data.recipientName)] },
    {
      kind: "paragraph",
      content: [
        "Summary for ",
        { strong: data.date },
        ` (${formatCalendarDate(data.date, locale)}): ${waiting} in `,
        { strong: data.company.name },
        count + commitments.length === 0
          ? "."
          : " and wait for an accounting approver to accept or reject them.",
      ],
    },
  ];
  if (count > 0) {
    blocks.push({
      kind: "table",
      caption: `Ready to Export (${currency.toUpperCase()})`,
      columns: [{ label: "Project" }, ...amountColumns],
      rows: data.items.map((item) => [
        {
          link: projectLabel(item.project),
          href: budgetUrl(data.publicUrl, data.company.id, item.project.id),
        },
        ...amounts(item),
      ]),
      totals: totalsOf(data.items, 3),
    });
  }
  if (count > 0 || commitments.length === 0) {
    blocks.push({
      kind: "button",
      label: "Open Ready to Export",
      href: erpListUrl(data.publicUrl, data.company.id, "ready_to_export"),
    });
  }
  if (commitments.length > 0) {
    blocks.push({
      kind: "table",
      caption: `Commitments Ready to Export (${currency.toUpperCase()})`,
      columns: [{ label: "Commitment" }, { label: "Project", stacked: true }, ...amountColumns],
      rows: commitments.map((item) => [
        {
          link: documentLabel(item.commitment),
          href: documentUrl(data.publicUrl, data.company.id, item.project.id, item.commitment),
        },
        projectLabel(item.project),
        ...amounts(item),
      ]),
      totals: totalsOf(commitments, 4),
    });
    blocks.push({
      kind: "button",
      label: "Open Commitments Ready to Export",
      href: erpListUrl(data.publicUrl, data.company.id, "ready_to_export", "commitments"),
    });
  }
  const prefs = preferencesUrl(data.publicUrl, data.company.id);
  return renderLayout({
    subject: DAILY_SUMMARY_SUBJECT,
    preheader: `${data.date}: ${waiting} in ${data.company.name}.`,
    heading: "ERP Integrations Daily Summary",
    blocks,
    footer: {
      reason: `You get this summary because you are an accounting approver in ${data.company.name} on Costbridge and subscribed to the daily ERP digest.`,
      links: [{ label: "Unsubscribe or change email preferences", href: prefs }],
    },
  });
}
