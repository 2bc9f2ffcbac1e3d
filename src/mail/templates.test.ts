import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  DAILY_SUMMARY_SUBJECT,
  type DailySummaryData,
  EMAIL_TEMPLATE_NAMES,
  type EmailTemplateData,
  renderEmail,
} from "./templates/index.js";
import { sampleEmails } from "./templates/samples.js";

const PUBLIC_URL = "https://costbridge.example.com";
const HOSTILE = `<script>alert("x")</script> & <img src=x onerror=alert(1)>`;

function sample<T extends EmailTemplateData["template"]>(
  template: T,
): Extract<EmailTemplateData, { template: T }> {
  const found = sampleEmails(PUBLIC_URL).find((s) => s.template === template);
  if (!found) throw new Error(`no sample for ${template}`);
  return found as Extract<EmailTemplateData, { template: T }>;
}

const markup = fc
  .array(fc.constantFrom("<", ">", "/", '"', "'", "&", "=", "script", "img", "a", "b", " ", "\n", "x"), {
    maxLength: 30,
  })
  .map((parts) => parts.join(""));

/** Every href in the HTML, with entities decoded the way a mail client would. */
function hrefs(html: string): string[] {
  return [...html.matchAll(/href="([^"]*)"/g)].map((m) => m[1]!.replace(/&amp;/g, "&"));
}

/** Puts the hostile string into every person, company and project name and every free-text field. */
function poison(t: EmailTemplateData): EmailTemplateData {
  const walk = (value: unknown, key: string): unknown => {
    if (value instanceof Date || typeof value === "bigint" || typeof value === "number") return value;
    if (Array.isArray(value)) return value.map((v) => walk(v, key));
    if (value && typeof value === "object") {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, walk(v, k)]));
    }
    const untouched = ["template", "publicUrl", "timeZone", "currency", "date", "locale"];
    if (typeof value === "string" && !untouched.includes(key)) return `${value}${HOSTILE}`;
    return value;
  };
  return walk(t, "") as EmailTemplateData;
}

describe("every template", () => {
  it("has sample data and renders subject, HTML and text", () => {
    expect([...new Set(sampleEmails(PUBLIC_URL).map((s) => s.template))].sort()).toEqual(
      [...EMAIL_TEMPLATE_NAMES].sort(),
    );
    for (const t of sampleEmails(PUBLIC_URL)) {
      const email = renderEmail(t);
      expect(email.subject.length).toBeGreaterThan(0);
      expect(email.subject).not.toMatch(/[\r\n]/);
      expect(email.html).toMatch(/^<!DOCTYPE html>/);
      expect(email.html).toContain('name="viewport"');
      expect(email.html).toContain(">Costbridge</span>");
      expect(email.text).not.toMatch(/<[a-z]/i);
      // The call to action appears in both parts, so text-only readers get the same link.
      const action = hrefs(email.html).find((h) => h.startsWith(PUBLIC_URL));
      expect(action).toBeDefined();
      expect(email.text).toContain(action!);
    }
  });

  it("escapes hostile names and text in HTML and keeps them readable in text", () => {
    for (const t of sampleEmails(PUBLIC_URL).map(poison)) {
      const email = renderEmail(t);
      expect(email.html, t.template).not.toContain("<script");
      expect(email.html, t.template).not.toContain("<img");
      expect(email.html, t.template).toContain(
        "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &lt;img",
      );
      expect(email.text, t.template).toContain(HOSTILE);
    }
  });

  it("never lets arbitrary names break out of the HTML", () => {
    fc.assert(
      fc.property(markup, markup, (projectName, personName) => {
        const t = sample("rejection-notice");
        const email = renderEmail({
          template: "rejection-notice",
          data: {
            ...t.data,
            project: { ...t.data.project, name: projectName },
            rejectedBy: { name: personName },
            reason: projectName + personName,
          },
        });
        const body = email.html.slice(email.html.indexOf("<body"));
        const tags = [...body.matchAll(/<\/?([a-zA-Z0-9]+)/g)].map((m) => m[1]!.toLowerCase());
        const allowed = new Set([
          "body",
          "div",
          "table",
          "tr",
          "td",
          "span",
          "h1",
          "p",
          "strong",
          "a",
          "br",
          "html",
        ]);
        expect(tags.filter((tag) => !allowed.has(tag))).toEqual([]);
      }),
      { numRuns: 200 },
    );
  });
});

describe("rejection notice", () => {
  it("names the project, reason, approver, local time and links to the budget", () => {
    const t = sample("rejection-notice");
    const email = renderEmail(t);
    expect(email.subject).toBe("Budget rejected: 1001 Riverside Clinic");
    const link = `${PUBLIC_URL}/companies/cmp_acme/projects/prj_riverside/budget`;
    expect(hrefs(email.html)).toContain(link);
    for (const part of [email.html, email.text]) {
      expect(part).toContain("Alex Rivera");
      expect(part).toContain("rejected the budget sent to QuickBooks Online for");
      expect(part).toContain("Concrete (03-300 M) is double-counted");
      // 20:30 UTC is 2:30 PM in Chicago (CST) on that date.
      expect(part).toContain("Mar 5, 2026, 2:30 PM CST");
    }
    expect(email.text).toContain(link);
    expect(email.html).toContain("double-counted with the subcontract line.<br>Please merge them");
  });

  it("keeps a line break in a project name out of the subject", () => {
    const t = sample("rejection-notice");
    const email = renderEmail({
      ...t,
      data: { ...t.data, project: { ...t.data.project, name: "Riverside\r\nBcc: everyone@example.com" } },
    });
    expect(email.subject).toBe("Budget rejected: 1001 Riverside Bcc: everyone@example.com");
  });

  it("encodes ids so they cannot change the link's path", () => {
    const t = sample("rejection-notice");
    const email = renderEmail({
      ...t,
      data: { ...t.data, company: { ...t.data.company, id: "../admin?x=1" } },
    });
    expect(hrefs(email.html)).toContain(
      `${PUBLIC_URL}/companies/..%2Fadmin%3Fx%3D1/projects/prj_riverside/budget`,
    );
  });
});

describe("daily summary", () => {
  const base = sample("daily-summary").data;

  it("has the exact subject, the date it covers, every submission and both links", () => {
    const email = renderEmail({ template: "daily-summary", data: base });
    expect(email.subject).toBe(DAILY_SUMMARY_SUBJECT);
    expect(email.subject).toBe("ERP Integrations Daily Summary");
    expect(email.html).toContain("2026-03-06");
    expect(email.text).toContain("2026-03-06");
    const links = hrefs(email.html);
    expect(links).toContain(`${PUBLIC_URL}/companies/cmp_acme/erp?filter=ready_to_export`);
    expect(links).toContain(`${PUBLIC_URL}/companies/cmp_acme/account`);
    expect(email.text).toContain(`${PUBLIC_URL}/companies/cmp_acme/account`);
    expect(email.html).toMatch(/Unsubscribe/);
    for (const part of [email.html, email.text]) {
      expect(part).toContain("1001 Riverside Clinic");
      expect(part).toContain("1002 Harbor View Apartments");
      expect(part).toContain("Pat Morgan");
      expect(part).toContain("Sam Lee");
      expect(part).toContain("Mar 5, 2026, 9:04 AM CST");
      expect(part).toContain("$1,250,000.00");
      expect(part).toContain("$480,500.25");
      expect(part).toContain("+$35,000.00");
      expect(part).toContain("-$12,000.00");
      expect(part).toContain("$1,730,500.25");
    }
    expect(email.html).toMatch(/<th[^>]*>Revised total<\/th>/);
    expect(email.html).toContain("Lines: 42");
    expect(email.html).toContain("Sent by: Pat Morgan");
  });

  it("lists all of many submissions", () => {
    const items = Array.from({ length: 120 }, (_, i) => ({
      ...base.items[0]!,
      project: { id: `prj_${i}`, number: String(2000 + i), name: `Project ${i}` },
    }));
    const email = renderEmail({ template: "daily-summary", data: { ...base, items, commitments: [] } });
    expect(hrefs(email.html).filter((h) => h.includes("/projects/prj_")).length).toBe(120);
    expect(email.text.match(/\/budget\)/g)?.length).toBe(120);
    expect(email.text).toContain("2119 Project 119");
    expect(email.html).toContain("120 budgets are ready to export");
  });

  it("shows amounts in the company currency", () => {
    const data: DailySummaryData = {
      ...base,
      company: { ...base.company, currency: "EUR", locale: "de-DE" },
      items: [base.items[0]!],
    };
    const email = renderEmail({ template: "daily-summary", data });
    expect(email.html).toContain("1.250.000,00\u00a0€");
    expect(email.html).toContain("Ready to Export (EUR)");
    expect(email.html).not.toContain("$");
  });
});

describe("other notices", () => {
  it("export failed: project, error code, message, remedy and the Failed to Export list", () => {
    const email = renderEmail(sample("export-failed"));
    expect(email.subject).toBe("Export failed: 1001 Riverside Clinic");
    const failedList = `${PUBLIC_URL}/companies/cmp_acme/erp?filter=failed`;
    expect(hrefs(email.html)).toContain(failedList);
    for (const part of [email.html, email.text]) {
      expect(part).toContain("changed_in_quickbooks");
      expect(part).toContain("could not be exported to QuickBooks Online.");
      expect(part).toContain("edited in QuickBooks after the last export");
      expect(part).toContain("Retry to overwrite it");
      expect(part).toContain("1001 Riverside Clinic");
    }
    expect(email.text).toContain(failedList);
  });

  it("awaiting acceptance: project, sender, lines, total and the Ready to Export link", () => {
    const email = renderEmail(sample("awaiting-acceptance"));
    expect(email.subject).toBe("Budget awaiting acceptance: 1002 Harbor View Apartments");
    expect(hrefs(email.html)).toContain(`${PUBLIC_URL}/companies/cmp_acme/erp?filter=ready_to_export`);
    for (const part of [email.html, email.text]) {
      expect(part).toContain("Sam Lee");
      expect(part).toContain("$480,500.25");
      expect(part).toContain("-$12,000.00");
      expect(part).toMatch(/Lines(<\/td><td[^>]*>|: )7/);
    }
  });

  it("invitation: who invited, to which company, the token link and the 7-day expiry", () => {
    const email = renderEmail(sample("invitation"));
    expect(email.subject).toBe("Alex Rivera invited you to Acme Builders on Costbridge");
    const link = `${PUBLIC_URL}/invitations/inv_3q2-X_9zA`;
    expect(hrefs(email.html)).toContain(link);
    expect(email.text).toContain(link);
    for (const part of [email.html, email.text]) {
      expect(part).toContain("expires in 7 days");
      expect(part).toContain("Mar 12, 2026, 3:30 PM CDT");
    }
  });

  it("invitation tokens are encoded into the link", () => {
    const t = sample("invitation");
    const email = renderEmail({ ...t, data: { ...t.data, token: "a/b?c" } });
    expect(hrefs(email.html)).toContain(`${PUBLIC_URL}/invitations/a%2Fb%3Fc`);
  });

  it("added to company: who added whom, with a sign-in link", () => {
    const email = renderEmail(sample("added-to-company"));
    expect(email.subject).toBe("You were added to Acme Builders on Costbridge");
    expect(hrefs(email.html)).toContain(`${PUBLIC_URL}/signin?next=%2Fcompanies%2Fcmp_acme`);
    expect(email.text).toContain("Alex Rivera added you to Acme Builders");
  });
});

describe("notices about a commitment (docs/product.md §commitment-submissions)", () => {
  const about = <T extends EmailTemplateData["template"]>(template: T) => {
    const found = sampleEmails(PUBLIC_URL).find(
      (s) => s.template === template && "document" in s.data && s.data.document,
    );
    if (!found) throw new Error(`no commitment sample for ${template}`);
    return found as Extract<EmailTemplateData, { template: T }>;
  };
  const commitmentLink = `${PUBLIC_URL}/companies/cmp_acme/projects/prj_riverside/commitments/cmt_drywall`;

  it("rejection: names the commitment by kind, number, title and vendor, and links to it", () => {
    const email = renderEmail(about("rejection-notice"));
    expect(email.subject).toBe("Commitment rejected: Subcontract SC-001 Drywall — Acme Drywall");
    expect(hrefs(email.html)).toContain(commitmentLink);
    expect(email.text).toContain(
      "rejected Subcontract SC-001 Drywall — Acme Drywall on 1001 Riverside Clinic, sent to QuickBooks Desktop.",
    );
    for (const part of [email.html, email.text]) {
      expect(part).toContain(", sent to QuickBooks Desktop.");
      expect(part).not.toMatch(/subcontract Subcontract/i);
      expect(part).toContain("1001 Riverside Clinic");
      expect(part).toContain("level 2 ceilings");
      expect(part).toContain("created or sent this subcontract");
      expect(part).not.toContain("budget");
    }
  });

  it("export failed: names the purchase order and opens the Commitments tab's Failed to Export", () => {
    const email = renderEmail(about("export-failed"));
    expect(email.subject).toBe("Export failed: Purchase order PO-014 Rebar supply — Midwest Steel Supply");
    expect(hrefs(email.html)).toContain(`${PUBLIC_URL}/companies/cmp_acme/erp/commitments?filter=failed`);
    expect(email.text).toContain("vendor_missing");
    expect(email.text).toContain(
      "Purchase order PO-014 Rebar supply — Midwest Steel Supply on 1002 Harbor View Apartments was accepted but " +
        "could not be exported to QuickBooks Online.",
    );
    expect(email.text).not.toMatch(/purchase order Purchase order/i);
  });

  it("awaiting acceptance: the commitment, its project and the Commitments tab", () => {
    const email = renderEmail(about("awaiting-acceptance"));
    expect(email.subject).toBe("Commitment awaiting acceptance: Subcontract SC-001 Drywall — Acme Drywall");
    expect(hrefs(email.html)).toContain(
      `${PUBLIC_URL}/companies/cmp_acme/erp/commitments?filter=ready_to_export`,
    );
    expect(hrefs(email.html)).toContain(commitmentLink);
    expect(email.text).toContain("$184,250.00");
  });

  it("daily summary: budgets and commitments counted apart, each listed with a link to its tab", () => {
    const email = renderEmail(sample("daily-summary"));
    for (const part of [email.html, email.text]) {
      expect(part).toContain("2 budgets and 1 commitment are ready to export");
      expect(part).toContain("Commitments Ready to Export (USD)");
      expect(part).toContain("Subcontract SC-001 Drywall — Acme Drywall");
      expect(part).toContain("$184,250.00");
    }
    const links = hrefs(email.html);
    expect(links).toContain(`${PUBLIC_URL}/companies/cmp_acme/erp?filter=ready_to_export`);
    expect(links).toContain(`${PUBLIC_URL}/companies/cmp_acme/erp/commitments?filter=ready_to_export`);
    expect(links).toContain(commitmentLink);
    const onlyCommitments = renderEmail({
      template: "daily-summary",
      data: { ...sample("daily-summary").data, items: [] },
    });
    expect(onlyCommitments.text).toContain("1 commitment is ready to export");
    expect(hrefs(onlyCommitments.html)).not.toContain(
      `${PUBLIC_URL}/companies/cmp_acme/erp?filter=ready_to_export`,
    );
  });
});
