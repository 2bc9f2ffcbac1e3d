import { expect, test } from "@playwright/test";
import { renderEmail } from "../../src/mail/templates/index.js";
import { sampleEmails } from "../../src/mail/templates/samples.js";
import { Api, newProject, signedInPage } from "./support.js";

/** Every href in the HTML, with entities decoded the way a mail client would. */
function hrefs(html: string): string[] {
  return [...html.matchAll(/href="([^"]*)"/g)].map((m) => (m[1] ?? "").replace(/&amp;/g, "&"));
}

test("every link an email carries opens a page of the product, never 'Page not found'", async ({
  browser,
  request,
  baseURL,
}) => {
  const admin = await Api.as(request, "admin@acme.test");
  const project = await newProject(request, "Mail links");
  const links = new Set<string>();
  for (const sample of sampleEmails(baseURL)) {
    const email = renderEmail(sample);
    for (const href of hrefs(email.html)) {
      // The samples name a made-up company and projects: point them at real ones.
      const url = new URL(href.replaceAll("cmp_acme", admin.companyId).replace(/prj_[a-z]+/g, project.id));
      if (url.origin !== new URL(baseURL ?? "").origin) continue;
      // Invitation links carry a one-time token; their page is covered by the onboarding journey.
      if (url.pathname.startsWith("/invitations/")) continue;
      links.add(url.pathname + url.search);
    }
  }
  expect([...links].some((l) => l.endsWith("/account"))).toBe(true);
  for (const who of ["approver@acme.test", "pm@acme.test"]) {
    const page = await signedInPage(browser, who);
    for (const link of links) {
      await page.goto(link);
      await expect(page.getByRole("button", { name: "Sign out" })).toBeVisible();
      await expect(page.getByRole("heading", { name: "Page not found" }), `${who} opens ${link}`).toHaveCount(
        0,
      );
    }
    await page.context().close();
  }
});
