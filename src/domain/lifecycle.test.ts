import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  decideTransition,
  isPendingStatus,
  PENDING_STATUSES,
  permissionForCommand,
  SUBMISSION_COMMANDS,
  SUBMISSION_FILTERS,
  SUBMISSION_STATUSES,
  SUBMISSION_TRANSITIONS,
  type SubmissionCommand,
  type SubmissionStatus,
  validateRejectReason,
} from "./lifecycle.js";

// docs/product.md §transitions, row by row: from, command, who, to.
const SPEC_TABLE: readonly [SubmissionStatus | null, SubmissionCommand, string, SubmissionStatus][] = [
  [null, "send", "sender", "ready_to_export"],
  ["ready_to_export", "retrieve", "sender", "retrieved"],
  ["ready_to_export", "accept", "approver", "exporting"],
  ["ready_to_export", "reject", "approver", "rejected"],
  ["exporting", "export_succeeded", "system", "exported"],
  ["exporting", "export_failed", "system", "failed"],
  ["failed", "retry", "approver", "exporting"],
  ["failed", "reject", "approver", "rejected"],
];

describe("the submission lifecycle table (docs/product.md §transitions)", () => {
  it.each(SPEC_TABLE)("%s --%s (%s)--> %s", (from, command, who, to) => {
    const result = decideTransition(from, command);
    expect(result).toMatchObject({ ok: true, value: { from, command, who, to } });
  });

  it("allows exactly the transitions of the lifecycle table (docs/product.md §transitions) and nothing else", () => {
    const listed = SUBMISSION_TRANSITIONS.map((t) => [t.from, t.command, t.who, t.to]);
    expect(listed).toHaveLength(SPEC_TABLE.length);
    expect(listed).toEqual(expect.arrayContaining(SPEC_TABLE.map((row) => [...row])));
  });

  const allowed = new Set(SPEC_TABLE.map(([from, command]) => `${from}/${command}`));
  const refused = [null, ...SUBMISSION_STATUSES].flatMap((from) =>
    SUBMISSION_COMMANDS.filter((command) => !allowed.has(`${from}/${command}`)).map(
      (command) => [from, command] as const,
    ),
  );

  it.each(refused)("refuses %s --%s with invalid_transition (→ 409)", (from, command) => {
    const result = decideTransition(from, command);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error.code).toBe("invalid_transition");
    expect(result.error.details).toEqual({ from, command });
    expect(result.error.message).toMatch(/cannot be/);
  });

  it("rule 5: of two decisions on one ready submission, the second sees the first's status and loses", () => {
    const first = decideTransition("ready_to_export", "accept");
    expect(first.ok).toBe(true);
    if (!first.ok) return;
    expect(decideTransition(first.value.to, "reject")).toMatchObject({
      ok: false,
      error: { code: "invalid_transition" },
    });
    expect(decideTransition(first.value.to, "accept")).toMatchObject({
      ok: false,
      error: { code: "invalid_transition" },
    });
  });

  it("lists the effects the caller carries out in the same transaction", () => {
    const effects = (from: SubmissionStatus | null, command: SubmissionCommand) => {
      const result = decideTransition(from, command);
      return result.ok ? result.value.effects : null;
    };
    expect(effects(null, "send")).toEqual(["take_snapshot", "notify_approvers_if_enabled"]);
    expect(effects("ready_to_export", "retrieve")).toEqual([]);
    expect(effects("ready_to_export", "accept")).toEqual(["queue_export"]);
    expect(effects("ready_to_export", "reject")).toEqual(["return_document", "notify_rejection"]);
    expect(effects("failed", "reject")).toEqual(["return_document", "notify_rejection"]);
    expect(effects("exporting", "export_succeeded")).toEqual(["record_export"]);
    expect(effects("exporting", "export_failed")).toEqual(["record_export_error", "notify_export_failed"]);
    // Rule 9: a retry is a new attempt, queued like an accept.
    expect(effects("failed", "retry")).toEqual(["queue_export"]);
  });

  it("property: any sequence of commands walks only through table rows and ends in a known status", () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...SUBMISSION_COMMANDS), { maxLength: 30 }), (commands) => {
        let status: SubmissionStatus | null = null;
        for (const command of commands) {
          const result = decideTransition(status, command);
          if (!result.ok) continue;
          expect(allowed.has(`${status}/${command}`)).toBe(true);
          status = result.value.to;
        }
        expect(status === null || SUBMISSION_STATUSES.includes(status)).toBe(true);
      }),
    );
  });

  it("exported, rejected and retrieved are final: no command moves them on", () => {
    for (const status of ["exported", "rejected", "retrieved"] as const) {
      for (const command of SUBMISSION_COMMANDS) expect(decideTransition(status, command).ok).toBe(false);
    }
  });
});

describe("pending statuses (rule 1, rule 3)", () => {
  it("are ready_to_export, exporting and failed", () => {
    expect(SUBMISSION_STATUSES.filter(isPendingStatus)).toEqual(["ready_to_export", "exporting", "failed"]);
    expect([...PENDING_STATUSES].sort()).toEqual(["exporting", "failed", "ready_to_export"]);
  });
});

describe("who may issue each command (docs/product.md §permissions)", () => {
  it.each([
    ["send", "send_budget"],
    ["retrieve", "retrieve_budget"],
    ["accept", "accept_submission"],
    ["reject", "reject_submission"],
    ["retry", "retry_export"],
    ["export_succeeded", null],
    ["export_failed", null],
  ] as const)("%s needs %s", (command, action) => {
    expect(permissionForCommand(command)).toBe(action);
  });
});

describe("rule 4: the reject reason", () => {
  it.each(["", "   ", "\n\t ", undefined, null, 42])("is required: %j is refused", (reason) => {
    expect(validateRejectReason(reason)).toMatchObject({
      ok: false,
      error: { code: "reason_required", field: "reason" },
    });
  });

  it("is trimmed", () => {
    expect(validateRejectReason("  Line 03-300 is doubled.  ")).toEqual({
      ok: true,
      value: "Line 03-300 is doubled.",
    });
  });

  it("may be 2,000 characters (counted after trimming, emoji as one) but not 2,001", () => {
    expect(validateRejectReason(`  ${"x".repeat(2000)}  `).ok).toBe(true);
    expect(validateRejectReason("🏗".repeat(2000)).ok).toBe(true);
    expect(validateRejectReason("x".repeat(2001))).toMatchObject({
      ok: false,
      error: { code: "reason_too_long" },
    });
  });
});

describe("Filter Estimates By (words on screen)", () => {
  it("offers exactly the classic options, covering every status once", () => {
    expect(SUBMISSION_FILTERS.map((f) => f.label)).toEqual([
      "Ready to Export",
      "Exporting",
      "Synced",
      "Failed to Export",
      "Rejected & Retrieved",
    ]);
    const covered = SUBMISSION_FILTERS.flatMap((f) => [...f.statuses]).sort();
    expect(covered).toEqual([...SUBMISSION_STATUSES].sort());
  });
});
