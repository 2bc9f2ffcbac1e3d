import type { EmailTemplateData } from "./index.js";

/** Realistic data for every template: used to preview the emails and in tests. */
export function sampleEmails(publicUrl = "http://localhost:3000"): EmailTemplateData[] {
  const company = {
    id: "cmp_acme",
    name: "Acme Builders",
    timeZone: "America/Chicago",
    currency: "USD",
  };
  const riverside = { id: "prj_riverside", number: "1001", name: "Riverside Clinic" };
  const harbor = { id: "prj_harbor", number: "1002", name: "Harbor View Apartments" };
  const pat = { name: "Pat Morgan" };
  const alex = { name: "Alex Rivera" };
  const drywall = {
    kind: "commitment" as const,
    id: "cmt_drywall",
    commitmentKind: "subcontract" as const,
    number: "SC-001",
    title: "Drywall",
    vendor: "Acme Drywall",
  };
  const rebar = {
    kind: "commitment" as const,
    id: "cmt_rebar",
    commitmentKind: "purchase_order" as const,
    number: "PO-014",
    title: "Rebar supply",
    vendor: "Midwest Steel Supply",
  };
  return [
    {
      template: "rejection-notice",
      data: {
        publicUrl,
        company,
        project: riverside,
        reason:
          "Concrete (03-300 M) is double-counted with the subcontract line.\nPlease merge them and re-send.",
        erpName: "QuickBooks Online",
        rejectedBy: alex,
        rejectedAt: new Date("2026-03-05T20:30:00Z"),
        recipientName: pat.name,
      },
    },
    {
      template: "daily-summary",
      data: {
        publicUrl,
        company,
        date: "2026-03-06",
        recipientName: alex.name,
        items: [
          {
            project: riverside,
            sentBy: pat,
            sentAt: new Date("2026-03-05T15:04:00Z"),
            lineCount: 42,
            revisedTotal: 1_250_000_00n,
            delta: 35_000_00n,
          },
          {
            project: harbor,
            sentBy: { name: "Sam Lee" },
            sentAt: new Date("2026-03-05T22:45:00Z"),
            lineCount: 7,
            revisedTotal: 480_500_25n,
            delta: -12_000_00n,
          },
        ],
        commitments: [
          {
            project: riverside,
            commitment: drywall,
            sentBy: pat,
            sentAt: new Date("2026-03-05T16:10:00Z"),
            lineCount: 3,
            revisedTotal: 184_250_00n,
            delta: 12_500_00n,
          },
        ],
      },
    },
    {
      template: "export-failed",
      data: {
        publicUrl,
        company,
        project: riverside,
        erpName: "QuickBooks Online",
        error: {
          code: "changed_in_quickbooks",
          message: "The estimate was edited in QuickBooks after the last export (sync token 4, expected 3).",
          remedy:
            "Retry to overwrite it with this budget, or reject the submission to hand it back to the project.",
        },
        failedAt: new Date("2026-03-05T21:02:00Z"),
        sentBy: pat,
        acceptedBy: alex,
        recipientName: pat.name,
      },
    },
    {
      template: "awaiting-acceptance",
      data: {
        publicUrl,
        company,
        project: harbor,
        sentBy: { name: "Sam Lee" },
        sentAt: new Date("2026-03-05T22:45:00Z"),
        lineCount: 7,
        revisedTotal: 480_500_25n,
        delta: -12_000_00n,
        recipientName: alex.name,
      },
    },
    {
      template: "rejection-notice",
      data: {
        publicUrl,
        company,
        project: riverside,
        document: drywall,
        reason: "The change order for the level 2 ceilings is not signed yet; send it again once it is.",
        erpName: "QuickBooks Desktop",
        rejectedBy: alex,
        rejectedAt: new Date("2026-03-06T17:15:00Z"),
        recipientName: pat.name,
      },
    },
    {
      template: "export-failed",
      data: {
        publicUrl,
        company,
        project: harbor,
        document: rebar,
        erpName: "QuickBooks Online",
        error: {
          code: "vendor_missing",
          message:
            "QuickBooks has no vendor named Midwest Steel Supply, and the company does not create vendors.",
          remedy:
            "Link the vendor in Mappings › Vendors, or allow Costbridge to create missing vendors, then Retry.",
        },
        failedAt: new Date("2026-03-06T18:40:00Z"),
        sentBy: { name: "Sam Lee" },
        acceptedBy: alex,
        recipientName: alex.name,
      },
    },
    {
      template: "awaiting-acceptance",
      data: {
        publicUrl,
        company,
        project: riverside,
        document: drywall,
        sentBy: pat,
        sentAt: new Date("2026-03-05T16:10:00Z"),
        lineCount: 3,
        revisedTotal: 184_250_00n,
        delta: 12_500_00n,
        recipientName: alex.name,
      },
    },
    {
      template: "invitation",
      data: {
        publicUrl,
        company,
        invitedBy: alex,
        token: "inv_3q2-X_9zA",
        inviteeName: "Jordan Kim",
        expiresAt: new Date("2026-03-12T20:30:00Z"),
      },
    },
    {
      template: "added-to-company",
      data: { publicUrl, company, addedBy: alex, recipientName: pat.name },
    },
  ];
}
