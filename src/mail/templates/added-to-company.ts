import { greeting, type PersonRef } from "./common.js";
import { buildUrl, type RenderedEmail, renderLayout } from "./layout.js";

export interface AddedToCompanyData {
  publicUrl: string;
  company: { id: string; name: string };
  addedBy: PersonRef;
  recipientName?: string;
}

export function renderAddedToCompany(data: AddedToCompanyData): RenderedEmail {
  const signIn = buildUrl(data.publicUrl, ["signin"], {
    next: `/companies/${encodeURIComponent(data.company.id)}`,
  });
  return renderLayout({
    subject: `You were added to ${data.company.name} on Costbridge`,
    preheader: `${data.addedBy.name} added you to ${data.company.name}.`,
    heading: `You now have access to ${data.company.name}`,
    blocks: [
      { kind: "paragraph", content: [greeting(data.recipientName)] },
      {
        kind: "paragraph",
        content: [
          { strong: data.addedBy.name },
          " added you to ",
          { strong: data.company.name },
          " on Costbridge. Sign in with your existing account to see it; it appears next to your other companies.",
        ],
      },
      { kind: "button", label: "Sign in to Costbridge", href: signIn },
    ],
    footer: {
      reason: `You get this email because ${data.addedBy.name} added your account to ${data.company.name} on Costbridge.`,
    },
  });
}
