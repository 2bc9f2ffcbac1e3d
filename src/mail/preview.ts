/**
 * Renders every template with sample data so the emails can be looked at in a browser:
 *   npx tsx src/mail/preview.ts <outdir>
 */
import { mkdir, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { escapeHtml, renderEmail } from "./templates/index.js";
import { sampleEmails } from "./templates/samples.js";

async function main(outDir: string | undefined): Promise<void> {
  if (!outDir) {
    process.stderr.write("usage: npx tsx src/mail/preview.ts <outdir>\n");
    process.exitCode = 2;
    return;
  }
  const dir = resolve(outDir);
  await mkdir(dir, { recursive: true });
  const entries: string[] = [];
  const seen = new Map<string, number>();
  for (const sample of sampleEmails()) {
    const email = renderEmail(sample);
    // A template may have several samples (a budget's and a commitment's): each gets a file of its own.
    const n = (seen.get(sample.template) ?? 0) + 1;
    seen.set(sample.template, n);
    const name = n === 1 ? sample.template : `${sample.template}-${n}`;
    await writeFile(join(dir, `${name}.html`), email.html);
    await writeFile(join(dir, `${name}.txt`), `Subject: ${email.subject}\n\n${email.text}`);
    entries.push(
      `<li><a href="${name}.html">${escapeHtml(name)}</a> (<a href="${name}.txt">text</a>): ${escapeHtml(email.subject)}</li>`,
    );
  }
  await writeFile(
    join(dir, "index.html"),
    `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Costbridge emails</title></head>` +
      `<body style="font-family:sans-serif"><h1>Costbridge emails</h1><ul>${entries.join("")}</ul></body></html>\n`,
  );
  process.stdout.write(`Wrote ${entries.length} emails to ${dir}\n`);
}

await main(process.argv[2]);
