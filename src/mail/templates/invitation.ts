import { formatDateTime } from "../format.js";
import { greeting, type PersonRef } from "./common.js";
import { buildUrl, type RenderedEmail, renderLayout } from "./layout.js";

export const INVITATION_VALID_DAYS = 7;

export interface InvitationData {
  publicUrl: string;
  company: { name: string; timeZone?: string; locale?: string };
  invitedBy: PersonRef;
  /** The single-use token of `{publicUrl}/invitations/{token}`. */
  token: string;
  inviteeName?: string;
  /** When the link stops working; shown in the company's zone when given. */
  expiresAt?: Date;
}

/** Stands in for an invitation token in a copy of the email shown to anyone but its recipient. */
export const HIDDEN_TOKEN = "link-hidden-only-the-recipient-can-open-it";

/** The email's text with every invitation link made useless: a copy someone else may read holds no token. */
export function hideInvitationLinks(text: string): string {
  return text.replace(/\/invitations\/[A-Za-z0-9_~.%-]+/g, `/invitations/${HIDDEN_TOKEN}`);
}

export function renderInvitation(data: InvitationData): RenderedEmail {
  const link = buildUrl(data.publicUrl, ["invitations", data.token]);
  const expiry =
    data.expiresAt && data.company.timeZone
      ? `The link works once and expires in ${INVITATION_VALID_DAYS} days (${formatDateTime(data.expiresAt, data.company.timeZone, data.company.locale ?? "en-US")}).`
      : `The link works once and expires in ${INVITATION_VALID_DAYS} days.`;
  return renderLayout({
    subject: `${data.invitedBy.name} invited you to ${data.company.name} on Costbridge`,
    preheader: `Join ${data.company.name} on Costbridge to work on project budgets.`,
    heading: `Join ${data.company.name} on Costbridge`,
    blocks: [
      { kind: "paragraph", content: [greeting(data.inviteeName)] },
      {
        kind: "paragraph",
        content: [
          { strong: data.invitedBy.name },
          " invited you to ",
          { strong: data.company.name },
          " on Costbridge, where project budgets go from project managers through accounting to QuickBooks. Accept the invitation to choose a password and sign in.",
        ],
      },
      { kind: "button", label: "Accept the invitation", href: link },
      { kind: "paragraph", content: [expiry] },
    ],
    footer: {
      reason: `You get this email because ${data.invitedBy.name} added your address to ${data.company.name} on Costbridge. If you did not expect it, ignore it: nothing happens unless you accept.`,
    },
  });
}
