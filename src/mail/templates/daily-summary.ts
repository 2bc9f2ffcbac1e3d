import { formatCalendarDate, formatDateTime, formatMoney, formatMoneyChange } from "../format.js";
import {
  budgetUrl,
  type CompanyWithCurrency,
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

export interface DailySummaryData {
  publicUrl: string;
  company: CompanyWithCurrency;
  /** The company-local calendar date the summary covers, `YYYY-MM-DD`. */
  date: string;
  items: DailySummaryItem[];
  recipientName?: string;
}

export function renderDailySummary(data: DailySummaryData): RenderedEmail {
  const locale = localeOf(data.company);
  const { currency, timeZone } = data.company;
  const count = data.items.length;
  const listUrl = erpListUrl(data.publicUrl, data.company.id, "ready_to_export");
  const waiting =
    count === 1
      ? "1 budget is ready to export"
      : `${count.toLocaleString(locale)} budgets are ready to export`;
  const rows: Inline[][] = data.items.map((item) => [
    { link: projectLabel(item.project), href: budgetUrl(data.publicUrl, data.company.id, item.project.id) },
    item.sentBy.name,
    formatDateTime(item.sentAt, timeZone, locale),
    item.lineCount.toLocaleString(locale),
    formatMoney(item.revisedTotal, currency, locale),
    formatMoneyChange(item.delta, currency, locale),
  ]);
  const blocks: Block[] = [
    { kind: "paragraph", content: [greeting(data.recipientName)] },
    {
      kind: "paragraph",
      content: [
        "Summary for ",
        { strong: data.date },
        ` (${formatCalendarDate(data.date, locale)}): ${waiting} in `,
        { strong: data.company.name },
        count === 0 ? "." : " and wait for an accounting approver to accept or reject them.",
      ],
    },
  ];
  if (count > 0) {
    const total = data.items.reduce((sum, i) => sum + i.revisedTotal, 0n);
    const change = data.items.reduce((sum, i) => sum + i.delta, 0n);
    blocks.push({
      kind: "table",
      caption: `Ready to Export (${currency.toUpperCase()})`,
      columns: [
        { label: "Project" },
        { label: "Sent by", stacked: true },
        { label: "Sent at", stacked: true },
        { label: "Lines", stacked: true },
        { label: "Revised total", align: "right" },
        { label: "Change", align: "right" },
      ],
      rows,
      totals:
        count > 1
          ? [
              "Total",
              "",
              "",
              "",
              formatMoney(total, currency, locale),
              formatMoneyChange(change, currency, locale),
            ]
          : undefined,
    });
  }
  blocks.push({ kind: "button", label: "Open Ready to Export", href: listUrl });
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
