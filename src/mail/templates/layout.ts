/**
 * One content model, two renderings. Templates describe an email as blocks; this module turns the same blocks
 * into inline-styled HTML (table layout, because many clients ignore <style> and flexbox) and into plain text,
 * so the two parts can never drift apart.
 */

export interface RenderedEmail {
  subject: string;
  html: string;
  text: string;
}

export type Inline = string | { strong: string } | { link: string; href: string };

export interface TableColumn {
  label: string;
  align?: "left" | "right";
  /** HTML only: show this column's values under the first column's, instead of as a column of its own. */
  stacked?: boolean;
}

export type Block =
  | { kind: "paragraph"; content: Inline[] }
  | { kind: "facts"; rows: { label: string; value: Inline }[] }
  | { kind: "quote"; label: string; text: string; tone?: "neutral" | "danger" }
  | { kind: "table"; caption: string; columns: TableColumn[]; rows: Inline[][]; totals?: Inline[] }
  | { kind: "button"; label: string; href: string }
  | { kind: "links"; links: { label: string; href: string }[] };

export interface EmailContent {
  subject: string;
  /** Shown by most clients next to the subject in the inbox list. */
  preheader: string;
  heading: string;
  blocks: Block[];
  footer: { reason: string; links?: { label: string; href: string }[] };
}

const HTML_ESCAPES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c] ?? c);
}

/** Names end up in a subject line: no line breaks (header folding), no runs of blanks. */
export function oneLine(value: string): string {
  return value.replace(/\s+/g, " ").trim();
}

/** Joins a configured base URL and path segments, encoding each segment so ids and tokens cannot alter the URL. */
export function buildUrl(
  publicUrl: string,
  segments: readonly string[],
  query?: Record<string, string>,
): string {
  const base = publicUrl.replace(/\/+$/, "");
  const path = segments.map((s) => encodeURIComponent(s)).join("/");
  const search = query ? `?${new URLSearchParams(query).toString()}` : "";
  return `${base}/${path}${search}`;
}

const FONT = "-apple-system,BlinkMacSystemFont,'Segoe UI',Roboto,Helvetica,Arial,sans-serif";
const INK = "#1f2933";
const MUTED = "#52606d";
const LINE = "#e4e7eb";
const BRAND = "#0b3d91";
const LINK = "#0b57d0";

function inlineHtml(part: Inline): string {
  if (typeof part === "string") return escapeHtml(part);
  if ("strong" in part) return `<strong>${escapeHtml(part.strong)}</strong>`;
  return `<a href="${escapeHtml(part.href)}" style="color:${LINK};text-decoration:underline;">${escapeHtml(part.link)}</a>`;
}

function inlineText(part: Inline): string {
  if (typeof part === "string") return part;
  if ("strong" in part) return part.strong;
  return `${part.link} (${part.href})`;
}

function multilineHtml(text: string): string {
  return escapeHtml(text.replace(/\r\n?/g, "\n")).replace(/\n/g, "<br>");
}

function blockHtml(block: Block): string {
  switch (block.kind) {
    case "paragraph":
      return `<p style="margin:0 0 16px 0;font-size:16px;line-height:24px;color:${INK};">${block.content.map(inlineHtml).join("")}</p>`;
    case "facts": {
      const rows = block.rows
        .map(
          (r) =>
            `<tr><td style="padding:6px 12px 6px 0;font-size:14px;line-height:20px;color:${MUTED};vertical-align:top;white-space:nowrap;">${escapeHtml(r.label)}</td>` +
            `<td style="padding:6px 0;font-size:14px;line-height:20px;color:${INK};vertical-align:top;">${inlineHtml(r.value)}</td></tr>`,
        )
        .join("");
      return `<table role="presentation" cellpadding="0" cellspacing="0" border="0" style="margin:0 0 16px 0;border-collapse:collapse;">${rows}</table>`;
    }
    case "quote": {
      const accent = block.tone === "danger" ? "#c81e1e" : "#9aa5b1";
      const background = block.tone === "danger" ? "#fdf2f2" : "#f5f7fa";
      return (
        `<div style="margin:0 0 16px 0;padding:12px 16px;border-left:4px solid ${accent};background:${background};">` +
        `<div style="font-size:12px;line-height:16px;color:${MUTED};text-transform:uppercase;letter-spacing:0.04em;margin:0 0 4px 0;">${escapeHtml(block.label)}</div>` +
        `<div style="font-size:15px;line-height:22px;color:${INK};">${multilineHtml(block.text)}</div></div>`
      );
    }
    case "table": {
      // Columns marked `stacked` go under the first cell as small labelled lines: six side-by-side columns
      // overflow a phone screen, three do not.
      const shown = block.columns.map((c, i) => ({ ...c, i })).filter((c) => c.i === 0 || !c.stacked);
      const stacked = block.columns.map((c, i) => ({ ...c, i })).filter((c) => c.i !== 0 && c.stacked);
      const cell = (align: "left" | "right" | undefined, tag: "th" | "td", extra: string) =>
        `<${tag} align="${align ?? "left"}" style="padding:8px 6px;border-bottom:1px solid ${LINE};font-size:14px;line-height:20px;text-align:${align ?? "left"};vertical-align:top;${align === "right" ? "white-space:nowrap;" : ""}${extra}">`;
      const head = shown
        .map((c) => `${cell(c.align, "th", `color:${MUTED};font-weight:600;`)}${escapeHtml(c.label)}</th>`)
        .join("");
      const rowHtml = (row: Inline[], extra: string) =>
        `<tr>${shown
          .map((c) => {
            const value = row[c.i];
            const details =
              c.i === 0
                ? stacked
                    .map((s) => ({ label: s.label, value: row[s.i] }))
                    .filter((d) => d.value !== undefined && inlineText(d.value) !== "")
                    .map(
                      (d) =>
                        `<div style="font-size:12px;line-height:18px;color:${MUTED};font-weight:400;">${escapeHtml(d.label)}: ${inlineHtml(d.value!)}</div>`,
                    )
                    .join("")
                : "";
            return `${cell(c.align, "td", `color:${INK};${extra}`)}${value === undefined ? "" : inlineHtml(value)}${details}</td>`;
          })
          .join("")}</tr>`;
      const body = block.rows.map((row) => rowHtml(row, "")).join("");
      const totals = block.totals ? rowHtml(block.totals, "font-weight:600;") : "";
      return (
        `<table cellpadding="0" cellspacing="0" border="0" width="100%" style="width:100%;margin:0 0 16px 0;border-collapse:collapse;">` +
        `<caption style="text-align:left;font-size:14px;line-height:20px;color:${MUTED};padding:0 0 6px 0;">${escapeHtml(block.caption)}</caption>` +
        `<thead><tr>${head}</tr></thead><tbody>${body}${totals}</tbody></table>`
      );
    }
    case "button":
      return (
        `<table role="presentation" cellpadding="0" cellspacing="0" border="0" style="margin:8px 0 24px 0;border-collapse:separate;"><tr>` +
        `<td align="center" bgcolor="${BRAND}" style="border-radius:6px;background:${BRAND};">` +
        `<a href="${escapeHtml(block.href)}" target="_blank" style="display:inline-block;padding:12px 24px;font-family:${FONT};font-size:16px;line-height:20px;font-weight:600;color:#ffffff;text-decoration:none;border-radius:6px;">${escapeHtml(block.label)}</a>` +
        `</td></tr></table>`
      );
    case "links":
      return `<p style="margin:0 0 16px 0;font-size:14px;line-height:22px;color:${INK};">${block.links
        .map((l) => inlineHtml({ link: l.label, href: l.href }))
        .join(" &middot; ")}</p>`;
  }
}

function blockText(block: Block): string {
  switch (block.kind) {
    case "paragraph":
      return block.content.map(inlineText).join("");
    case "facts":
      return block.rows.map((r) => `${r.label}: ${inlineText(r.value)}`).join("\n");
    case "quote":
      return `${block.label}:\n${block.text
        .replace(/\r\n?/g, "\n")
        .split("\n")
        .map((l) => `  ${l}`)
        .join("\n")}`;
    case "table": {
      // A wide table does not survive plain text on a phone: one stanza per row reads better.
      const stanza = (row: Inline[]) =>
        row
          .map((v, i) => ({ label: block.columns[i]?.label ?? "", value: inlineText(v) }))
          .flatMap((c, i) => (i === 0 ? [`- ${c.value}`] : c.value ? [`  ${c.label}: ${c.value}`] : []))
          .join("\n");
      const parts = [`${block.caption}:`, ...block.rows.map(stanza)];
      if (block.totals) parts.push(stanza(block.totals));
      return parts.join("\n\n");
    }
    case "button":
      return `${block.label}:\n${block.href}`;
    case "links":
      return block.links.map((l) => `${l.label}: ${l.href}`).join("\n");
  }
}

export function renderLayout(content: EmailContent): RenderedEmail {
  const footerLinks = content.footer.links ?? [];
  const html = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="x-apple-disable-message-reformatting">
<title>${escapeHtml(content.subject)}</title>
</head>
<body style="margin:0;padding:0;background:#f0f2f5;">
<div style="display:none;max-height:0;overflow:hidden;opacity:0;color:transparent;">${escapeHtml(content.preheader)}</div>
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" style="background:#f0f2f5;">
<tr><td align="center" style="padding:24px 12px;">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" style="max-width:600px;width:100%;background:#ffffff;border-radius:8px;border:1px solid ${LINE};font-family:${FONT};">
<tr><td style="padding:16px 24px;background:${BRAND};border-radius:8px 8px 0 0;">
<span style="font-family:${FONT};font-size:18px;line-height:24px;font-weight:700;color:#ffffff;letter-spacing:0.02em;">Costbridge</span>
</td></tr>
<tr><td style="padding:24px;font-family:${FONT};overflow-wrap:anywhere;word-break:break-word;">
<h1 style="margin:0 0 16px 0;font-size:22px;line-height:28px;font-weight:700;color:${INK};">${escapeHtml(content.heading)}</h1>
${content.blocks.map(blockHtml).join("\n")}
</td></tr>
<tr><td style="padding:16px 24px;border-top:1px solid ${LINE};font-family:${FONT};font-size:12px;line-height:18px;color:${MUTED};">
<p style="margin:0;">${escapeHtml(content.footer.reason)}</p>${
    footerLinks.length
      ? `\n<p style="margin:8px 0 0 0;">${footerLinks
          .map(
            (l) =>
              `<a href="${escapeHtml(l.href)}" style="color:${MUTED};text-decoration:underline;">${escapeHtml(l.label)}</a>`,
          )
          .join(" &middot; ")}</p>`
      : ""
  }
</td></tr>
</table>
</td></tr>
</table>
</body>
</html>
`;
  const textParts = [content.heading, ...content.blocks.map(blockText), "--", content.footer.reason];
  for (const l of footerLinks) textParts.push(`${l.label}: ${l.href}`);
  const text = `${textParts.join("\n\n")}\n`;
  return { subject: oneLine(content.subject), html, text };
}
