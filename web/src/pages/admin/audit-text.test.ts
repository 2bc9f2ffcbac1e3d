import { afterEach, describe, expect, it } from "vitest";
import { setDisplayTimeZone } from "../../format.js";
import { type AuditEventText, auditDetails, auditSentence } from "./audit-text.js";

const aaron = { kind: "user" as const, user: { name: "Aaron Patel", email: "approver@acme.test" } };

function event(over: Partial<AuditEventText>): AuditEventText {
  return { action: "x.y", actor: aaron, entity: { type: "submission", id: "sub_1" }, data: {}, ...over };
}

afterEach(() => setDisplayTimeZone(undefined));

describe("the audit log in words", () => {
  it("says who did what to which budget, by name", () => {
    const e = event({
      action: "submission.rejected",
      subject: { kind: "budget", name: "E1042 Harbor Lofts" },
      data: { projectId: "prj_9", from: "ready_to_export", to: "rejected", reason: "Split the concrete." },
    });
    expect(auditSentence(e)).toBe("Aaron Patel rejected the budget of E1042 Harbor Lofts.");
    expect(auditDetails(e)).toEqual([
      ["Status", "Ready to Export → Rejected"],
      ["Reason", "Split the concrete."],
    ]);
  });

  it("names a person by the email the event kept when they are gone, and hides every id", () => {
    const e = event({
      action: "directory.invited",
      entity: { type: "user", id: "usr_7" },
      data: {
        email: "new@acme.test",
        userId: "usr_7",
        permissions: { budget: "read_only", lockBudget: false },
      },
    });
    expect(auditSentence(e)).toBe("Aaron Patel invited new@acme.test.");
    const details = auditDetails(e);
    expect(details).toEqual([
      ["Email", "new@acme.test"],
      ["Permissions", "budget read only, lock budget no"],
    ]);
    expect(JSON.stringify(details)).not.toContain("usr_7");
  });

  it("shows a change of settings as before and after, dates in the company's zone", () => {
    setDisplayTimeZone("America/Chicago");
    const e = event({
      action: "settings.updated",
      actor: { kind: "operator", user: null },
      entity: { type: "company", id: "co_1" },
      data: {
        changes: { timeZone: { from: "America/New_York", to: "America/Chicago" } },
        at: "2026-01-05T18:00:00Z",
      },
    });
    expect(auditSentence(e)).toBe("The platform operator changed the company settings.");
    expect(auditDetails(e)).toEqual([
      ["Time zone", "America/New York → America/Chicago"],
      ["At", "Jan 5, 2026, 12:00 PM\u00a0CST"],
    ]);
  });

  it("tells a commitment's steps apart from a budget's", () => {
    const sent = event({
      action: "submission.sent",
      subject: { kind: "commitment", name: "SC-001 Drywall" },
      data: { documentType: "commitment", commitmentId: "cmt_1" },
    });
    expect(auditSentence(sent)).toBe("Aaron Patel sent commitment SC-001 Drywall to accounting.");
    const approved = event({
      action: "commitment.status_changed",
      entity: { type: "commitment", id: "cmt_1" },
      subject: { kind: "commitment", name: "SC-001 Drywall" },
      data: { from: "out_for_signature", to: "approved" },
    });
    expect(auditSentence(approved)).toBe("Aaron Patel approved commitment SC-001 Drywall.");
    const vendor = event({
      action: "vendor.created",
      entity: { type: "vendor", id: "v1" },
      data: { name: "Acme Drywall" },
    });
    expect(auditSentence(vendor)).toBe("Aaron Patel added vendor Acme Drywall.");
  });
});
