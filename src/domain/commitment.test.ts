import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  addCommitmentLine,
  approveChangeOrder,
  type ChangeOrder,
  type Commitment,
  type CommitmentLine,
  type CommitmentStatus,
  canMoveTo,
  changeCommitmentStatus,
  commitmentErpState,
  commitmentTotals,
  createChangeOrder,
  deleteChangeOrder,
  deleteCommitmentLine,
  deriveCommitmentLines,
  isCommitmentLocked,
  rejectChangeOrder,
  takeCommitmentSnapshot,
  updateChangeOrder,
  updateCommitmentLine,
} from "./commitment.js";
import type { SubmissionStatus } from "./lifecycle.js";
import {
  evaluateCommitmentActions,
  evaluateCommitmentRetrieve,
  evaluateCommitmentSend,
} from "./send-rules.js";

function aLine(id: string, costCode: string, category: string, original: bigint): CommitmentLine {
  return {
    id,
    costCode,
    costCodeDescription: `Description of ${costCode}`,
    category,
    description: `Work on ${costCode}`,
    original,
    addedByChangeOrderId: null,
  };
}

function anOrder(
  id: string,
  number: number,
  status: ChangeOrder["status"],
  lines: [string, string, bigint][],
): ChangeOrder {
  return {
    id,
    number,
    title: `Change order ${number}`,
    status,
    lines: lines.map(([costCode, category, amount]) => ({ costCode, category, description: "", amount })),
  };
}

function aCommitment(overrides: Partial<Commitment> = {}): Commitment {
  return {
    id: "cm1",
    kind: "subcontract",
    number: "SC-001",
    title: "Drywall",
    status: "draft",
    lines: [],
    changeOrders: [],
    lastSubmission: null,
    lastExported: null,
    ...overrides,
  };
}

const drywall = aLine("l1", "09-250", "S", 100_000n);
const framing = aLine("l2", "06-100", "L", 40_000n);
const approved = aCommitment({ status: "approved", lines: [drywall, framing] });
const sent = (status: SubmissionStatus): Commitment["lastSubmission"] => ({ id: "s1", status });
let seq = 0;
const newId = () => `new${++seq}`;
const describeCode = (code: string) => `Description of ${code}`;

describe("commitment status (docs/product.md §commitments)", () => {
  const statuses: CommitmentStatus[] = ["draft", "out_for_signature", "approved", "void"];
  const allowed = new Set([
    "draft>out_for_signature",
    "draft>void",
    "out_for_signature>draft",
    "out_for_signature>approved",
    "out_for_signature>void",
    "approved>void",
  ]);

  it("moves only along draft → out for signature → approved, back to draft, or to void", () => {
    for (const from of statuses) {
      for (const to of statuses) {
        const result = changeCommitmentStatus(aCommitment({ status: from }), to);
        expect(result.ok, `${from} → ${to}`).toBe(allowed.has(`${from}>${to}`));
        if (!result.ok) expect(result.error.code).toBe("invalid_status_change");
      }
    }
  });

  it("voids an approved commitment only while it was never sent", () => {
    const once = { ...approved, lastSubmission: sent("rejected") };
    expect(canMoveTo(approved, "void")).toBe(true);
    const refused = changeCommitmentStatus(once, "void");
    expect(refused.ok).toBe(false);
    if (!refused.ok) expect(refused.error.message).toMatch(/sent to the ERP cannot be voided/);
  });

  it("refuses any status change while a submission is pending", () => {
    const locked = aCommitment({ status: "out_for_signature", lastSubmission: sent("ready_to_export") });
    const result = changeCommitmentStatus(locked, "draft");
    expect(!result.ok && result.error.code).toBe("submission_pending");
  });
});

describe("commitment lines", () => {
  const draft = aCommitment({ lines: [drywall] });

  it("adds, edits and deletes lines while the commitment is a draft", () => {
    const added = addCommitmentLine(draft, framing);
    expect(added.ok && added.value.commitment.lines.map((l) => l.id)).toEqual(["l1", "l2"]);
    const edited = updateCommitmentLine(draft, "l1", { original: 5n, description: "Level 2 only" });
    expect(edited.ok && edited.value.line).toMatchObject({ original: 5n, description: "Level 2 only" });
    const deleted = deleteCommitmentLine(draft, "l1");
    expect(deleted.ok && deleted.value.commitment.lines).toEqual([]);
  });

  it("refuses a second line for the same cost code and category", () => {
    const result = addCommitmentLine(draft, { ...aLine("l9", "09-250", "S", 1n) });
    expect(!result.ok && result.error.code).toBe("duplicate_line");
  });

  it("refuses negative amounts and over-long descriptions, naming the field", () => {
    const negative = addCommitmentLine(draft, aLine("l9", "03-300", "M", -1n));
    expect(!negative.ok && [negative.error.code, negative.error.field]).toEqual(["invalid_amount", "amount"]);
    const long = updateCommitmentLine(draft, "l1", { description: "x".repeat(4001) });
    expect(!long.ok && [long.error.code, long.error.field]).toEqual(["invalid_input", "description"]);
  });

  it("keeps an approved commitment's lines as they are: it changes through change orders", () => {
    for (const result of [
      addCommitmentLine(approved, aLine("l9", "03-300", "M", 1n)),
      updateCommitmentLine(approved, "l1", { original: 1n }),
      deleteCommitmentLine(approved, "l1"),
    ]) {
      expect(!result.ok && result.error.code).toBe("commitment_not_draft");
    }
  });

  it("answers an unknown line with not found", () => {
    const result = deleteCommitmentLine(draft, "nope");
    expect(!result.ok && result.error.code).toBe("line_not_found");
  });
});

describe("change orders", () => {
  it("belong to approved commitments only", () => {
    const result = createChangeOrder(aCommitment({ lines: [drywall] }), {
      id: "co1",
      title: "Extra",
      lines: [{ costCode: "09-250", category: "S", description: "", amount: 1n }],
    });
    expect(!result.ok && result.error.code).toBe("commitment_not_approved");
  });

  it("are numbered 1, 2, … and start pending", () => {
    const first = createChangeOrder(approved, {
      id: "co1",
      title: "  Level 3 soffits ",
      lines: [{ costCode: "09-250", category: "S", description: "", amount: 2_500n }],
    });
    expect(first.ok).toBe(true);
    if (!first.ok) return;
    expect(first.value.changeOrder).toMatchObject({ number: 1, status: "pending", title: "Level 3 soffits" });
    const second = createChangeOrder(first.value.commitment, {
      id: "co2",
      title: "Credit",
      lines: [{ costCode: "06-100", category: "L", description: "", amount: -500n }],
    });
    expect(second.ok && second.value.changeOrder.number).toBe(2);
  });

  it("refuse no lines, a key named twice and a blank title", () => {
    const line = { costCode: "09-250", category: "S", description: "", amount: 1n };
    const none = createChangeOrder(approved, { id: "c", title: "T", lines: [] });
    expect(!none.ok && none.error.field).toBe("lines");
    const twice = createChangeOrder(approved, { id: "c", title: "T", lines: [line, line] });
    expect(!twice.ok && twice.error.field).toBe("lines[1].category");
    const blank = createChangeOrder(approved, { id: "c", title: "  ", lines: [line] });
    expect(!blank.ok && blank.error.field).toBe("title");
  });

  it("approving adds amounts to lines and a line for a new cost code × category, at original 0", () => {
    const withOrder = {
      ...approved,
      changeOrders: [
        anOrder("co1", 1, "pending", [
          ["09-250", "S", 12_000n],
          ["26-100", "M", 3_000n],
        ]),
      ],
    };
    const result = approveChangeOrder(withOrder, "co1", newId, describeCode);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.value.changeOrder.status).toBe("approved");
    expect(result.value.addedLines).toEqual([
      expect.objectContaining({
        costCode: "26-100",
        category: "M",
        original: 0n,
        addedByChangeOrderId: "co1",
      }),
    ]);
    const lines = deriveCommitmentLines(result.value.commitment);
    expect(lines.map((l) => [l.costCode, l.original, l.approvedChanges, l.revised])).toEqual([
      ["09-250", 100_000n, 12_000n, 112_000n],
      ["06-100", 40_000n, 0n, 40_000n],
      ["26-100", 0n, 3_000n, 3_000n],
    ]);
  });

  it("refuses to approve one that would bring a line below zero", () => {
    const withOrder = {
      ...approved,
      changeOrders: [anOrder("co1", 1, "pending", [["06-100", "L", -40_001n]])],
    };
    const result = approveChangeOrder(withOrder, "co1", newId, describeCode);
    expect(!result.ok && result.error.code).toBe("change_order_negative_line");
    const toZero = { ...approved, changeOrders: [anOrder("co1", 1, "pending", [["06-100", "L", -40_000n]])] };
    expect(approveChangeOrder(toZero, "co1", newId, describeCode).ok).toBe(true);
  });

  it("edit, delete, approve and reject only pending ones, and none while locked", () => {
    const decided = { ...approved, changeOrders: [anOrder("co1", 1, "rejected", [["09-250", "S", 1n]])] };
    for (const result of [
      updateChangeOrder(decided, "co1", { title: "x" }),
      deleteChangeOrder(decided, "co1"),
      approveChangeOrder(decided, "co1", newId, describeCode),
      rejectChangeOrder(decided, "co1"),
    ]) {
      expect(!result.ok && result.error.code).toBe("change_order_not_pending");
    }
    const locked = {
      ...approved,
      lastSubmission: sent("exporting"),
      changeOrders: [anOrder("co1", 1, "pending", [["09-250", "S", 1n]])],
    };
    const approval = approveChangeOrder(locked, "co1", newId, describeCode);
    expect(!approval.ok && approval.error.code).toBe("submission_pending");
    const creation = createChangeOrder(locked, { id: "c", title: "T", lines: [] });
    expect(!creation.ok && creation.error.code).toBe("submission_pending");
  });
});

describe("totals, lock and ERP state", () => {
  const withOrders: Commitment = {
    ...approved,
    changeOrders: [
      anOrder("co1", 1, "approved", [["09-250", "S", 10_000n]]),
      anOrder("co2", 2, "pending", [
        ["06-100", "L", -1_000n],
        ["22-100", "S", 7_000n],
      ]),
      anOrder("co3", 3, "rejected", [["09-250", "S", 99_000n]]),
    ],
  };

  it("sums original, approved changes, revised and pending changes (pending never in revised)", () => {
    expect(commitmentTotals(withOrders)).toEqual({
      original: 140_000n,
      approvedChanges: 10_000n,
      revised: 150_000n,
      pendingChanges: 6_000n,
    });
  });

  it("revised is always original plus approved changes", () => {
    fc.assert(
      fc.property(fc.array(fc.bigInt({ min: -1_000_000n, max: 1_000_000n }), { maxLength: 5 }), (amounts) => {
        const orders = amounts.map((a, i) => anOrder(`co${i}`, i + 1, "approved", [["09-250", "S", a]]));
        const totals = commitmentTotals({ ...approved, changeOrders: orders });
        expect(totals.revised).toBe(totals.original + totals.approvedChanges);
      }),
    );
  });

  it("is locked while a submission is ready to export, exporting or failed", () => {
    const states = ["ready_to_export", "exporting", "failed", "rejected", "retrieved", "exported"] as const;
    expect(states.map((s) => isCommitmentLocked({ ...approved, lastSubmission: sent(s) }))).toEqual([
      true,
      true,
      true,
      false,
      false,
      false,
    ]);
  });

  it("reads not sent, awaiting, synced, then changes to send after an approved change order", () => {
    expect(commitmentErpState(approved)).toBe("not_sent");
    expect(commitmentErpState({ ...approved, lastSubmission: sent("ready_to_export") })).toBe(
      "awaiting_acceptance",
    );
    const exported: Commitment = {
      ...approved,
      lastSubmission: sent("exported"),
      lastExported: {
        lines: [
          { lineId: "l1", revised: 100_000n },
          { lineId: "l2", revised: 40_000n },
        ],
      },
    };
    expect(commitmentErpState(exported)).toBe("synced");
    const changed = { ...exported, changeOrders: [anOrder("co1", 1, "approved", [["09-250", "S", 1n]])] };
    expect(commitmentErpState(changed)).toBe("changes_to_send");
  });
});

describe("the snapshot a send stores", () => {
  it("holds every line with its description, in code order, against what was last exported", () => {
    const exported: Commitment = {
      ...approved,
      changeOrders: [anOrder("co1", 1, "approved", [["09-250", "S", 5_000n]])],
      lastExported: { lines: [{ lineId: "l1", revised: 100_000n }] },
    };
    const snapshot = takeCommitmentSnapshot(exported);
    expect(
      snapshot.lines.map((l) => [
        l.costCode,
        l.description,
        l.revisedEstimate,
        l.previouslyExported,
        l.delta,
      ]),
    ).toEqual([
      ["06-100", "Work on 06-100", 40_000n, 0n, 40_000n],
      ["09-250", "Work on 09-250", 105_000n, 100_000n, 5_000n],
    ]);
    expect(snapshot.changeIds).toEqual(["co1"]);
    expect(snapshot.totals).toMatchObject({
      original: 140_000n,
      budgetChanges: 5_000n,
      revisedEstimate: 145_000n,
    });
  });
});

describe("sending a commitment (docs/product.md §commitment-send-rules)", () => {
  const facts = {
    commitment: approved,
    vendor: { name: "Summit Drywall", active: true },
    project: { name: "Riverside Clinic", erpJobLinked: true, parentCustomerChosen: false },
    erp: {
      type: "quickbooks_desktop",
      label: "QuickBooks Desktop",
      limits: {
        jobNameMaxChars: 41,
        itemNameMaxChars: 31,
        vendorNameMaxChars: 41,
        purchaseOrderNumberMaxChars: 11,
      },
      takesCommitments: true,
      createMissingItems: true,
      hasDefaultParentCustomer: false,
    },
    mappedCostCodes: new Set<string>(),
    inactiveCostCodes: new Set<string>(),
  };
  const codes = (f: Parameters<typeof evaluateCommitmentSend>[0]) =>
    evaluateCommitmentSend(f).reasons.map((r) => r.code);

  it("allows an approved commitment with lines on a connected ERP that takes purchase orders", () => {
    expect(evaluateCommitmentSend(facts)).toEqual({ allowed: true, reasons: [] });
  });

  it("refuses drafts and void commitments, and empty ones", () => {
    expect(codes({ ...facts, commitment: { ...approved, status: "draft" } })).toEqual([
      "commitment_not_approved",
    ]);
    expect(codes({ ...facts, commitment: { ...approved, status: "void" } })).toEqual([
      "commitment_not_approved",
    ]);
    expect(codes({ ...facts, commitment: { ...approved, lines: [] } })).toEqual(["commitment_empty"]);
  });

  it("refuses while a submission is pending, and when nothing changed since the last export", () => {
    expect(codes({ ...facts, commitment: { ...approved, lastSubmission: sent("failed") } })).toContain(
      "submission_pending",
    );
    const synced = {
      ...approved,
      lastSubmission: sent("exported"),
      lastExported: {
        lines: [
          { lineId: "l1", revised: 100_000n },
          { lineId: "l2", revised: 40_000n },
        ],
      },
    };
    expect(codes({ ...facts, commitment: synced })).toEqual(["nothing_new_to_send"]);
  });

  it("checks the ERP: connected, able to take purchase orders, vendor name and number within its limits", () => {
    expect(codes({ ...facts, erp: { ...facts.erp, type: null } })).toEqual(["erp_not_connected"]);
    expect(codes({ ...facts, erp: { ...facts.erp, takesCommitments: false } })).toEqual([
      "erp_cannot_take_commitments",
    ]);
    const long = evaluateCommitmentSend({
      ...facts,
      vendor: { name: "Summit Drywall and Acoustical Ceilings of the Tri-State Area", active: true },
      commitment: { ...approved, number: "SC-2026-000123" },
    });
    expect(long.reasons.map((r) => r.code)).toEqual(["name_too_long", "name_too_long"]);
    expect(long.reasons[0]!.message).toMatch(/41 characters for a vendor name/);
    expect(long.reasons[1]!.message).toMatch(/11 characters for a purchase order number/);
  });

  it("refuses inactive cost codes, an inactive vendor and a negative revised line", () => {
    expect(codes({ ...facts, inactiveCostCodes: new Set(["06-100"]) })).toEqual(["cost_code_inactive"]);
    expect(codes({ ...facts, vendor: { name: "Gone", active: false } })).toEqual(["vendor_inactive"]);
    const negative = {
      ...approved,
      changeOrders: [anOrder("co1", 1, "approved", [["06-100", "L", -50_000n]])],
    };
    expect(codes({ ...facts, commitment: negative })).toEqual(["negative_revised_estimate"]);
  });

  it("names the missing send right first", () => {
    const rights = {
      erpIntegrations: "none",
      directory: "none",
      budget: "read_only",
      lockBudget: false,
      sendAndRetrieveBudget: false,
      canPushToAccounting: false,
    } as const;
    expect(codes({ ...facts, rights })[0]).toBe("forbidden");
  });

  it("retrieves only a submission that is waiting for acceptance", () => {
    expect(evaluateCommitmentRetrieve({ commitment: approved }).allowed).toBe(false);
    expect(
      evaluateCommitmentRetrieve({ commitment: { ...approved, lastSubmission: sent("ready_to_export") } })
        .allowed,
    ).toBe(true);
  });

  it("offers line edits on drafts and change orders on approved commitments", () => {
    const draftActions = evaluateCommitmentActions({
      ...facts,
      commitment: { ...approved, status: "draft" },
    });
    expect([draftActions.edit.allowed, draftActions.addChangeOrder.allowed]).toEqual([true, false]);
    const approvedActions = evaluateCommitmentActions(facts);
    expect([approvedActions.edit.allowed, approvedActions.addChangeOrder.allowed]).toEqual([false, true]);
  });
});
