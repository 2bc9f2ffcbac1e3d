/**
 * Bad input and wrong states through the HTTP API (docs/product.md §bad-input, §error-statuses): every refusal
 * has the error shape, the right status and code, and leaves nothing changed — no line, change, submission, email,
 * job or audit event.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  budgetUrl,
  buildLockedBudget,
  erpUrl,
  expectError,
  footprint,
  makeProject,
  markConnected,
  sendBudget,
  type TwoCompanies,
  twoCompanies,
} from "./fixture.js";

let t: TwoCompanies["t"];
let co: TwoCompanies["co"];
let other: TwoCompanies["other"];
let api: TwoCompanies["api"];
let before: Awaited<ReturnType<typeof footprint>>;

beforeAll(async () => {
  ({ t, co, other, api } = await twoCompanies());
});
afterAll(async () => {
  await t?.close();
});

async function unchanged() {
  expect(await footprint(t.ctx, co.companyId)).toEqual(before);
}

describe("budget lines (docs/product.md §budget-lines, §bad-input)", () => {
  let base: string;
  let lineId: string;
  beforeAll(async () => {
    const p = await makeProject(t.ctx, co.companyId);
    base = budgetUrl(co.companyId, p.id);
    const r = await api.post(`${base}/lines`, co.pm, {
      costCode: "03-300",
      category: "L",
      originalBudget: "100.00",
    });
    lineId = r.body.id;
  });
  beforeEach(async () => {
    before = await footprint(t.ctx, co.companyId);
  });

  it("refuses an unknown cost code or category (400, field named)", async () => {
    const a = expectError(
      await api.post(`${base}/lines`, co.pm, { costCode: "99-999", category: "L", originalBudget: "1.00" }),
      400,
      "unknown_cost_code",
    );
    expect(a.field).toBe("costCode");
    const b = expectError(
      await api.post(`${base}/lines`, co.pm, { costCode: "03-300", category: "Z", originalBudget: "1.00" }),
      400,
      "unknown_category",
    );
    expect(b.field).toBe("category");
    // Another company's cost code is unknown here too.
    await t.ctx.db
      .insertInto("cost_codes")
      .values({ company_id: other.companyId, id: "cc_zen_only", code: "77-700" })
      .execute();
    before = await footprint(t.ctx, co.companyId);
    expectError(
      await api.post(`${base}/lines`, co.pm, { costCode: "77-700", category: "L", originalBudget: "1.00" }),
      400,
      "unknown_cost_code",
    );
    await unchanged();
  });

  it("refuses a duplicate cost code × category line (409 duplicate_line)", async () => {
    expectError(
      await api.post(`${base}/lines`, co.pm, { costCode: "03-300", category: "L", originalBudget: "5.00" }),
      409,
      "duplicate_line",
    );
    await unchanged();
  });

  const badAmounts: [string, unknown, string][] = [
    ["3 decimals", "10.005", "too_many_decimals"],
    ["beyond +999,999,999,999.99", "1000000000000.00", "out_of_range"],
    ["beyond -999,999,999,999.99 (as a change)", "-1000000000000", "out_of_range"],
    ["an exponent", "1e5", "exponent"],
    ["an upper-case exponent", "1.5E3", "exponent"],
    ["a thousands comma", "1,000.00", "thousands_separator"],
    ["a number instead of a string", 1000, "not_a_string"],
    ["a float number", 10.5, "not_a_string"],
    ["null", null, "not_a_string"],
    ["an empty string", "", "empty"],
    ["spaces", " 100.00", "whitespace"],
    ["a plus sign", "+100.00", "plus_sign"],
    ["words", "N/A", "malformed"],
    ["a lone point", "100.", "malformed"],
    ["hex", "0x10", "malformed"],
  ];
  for (const [what, amount, reason] of badAmounts) {
    it(`refuses ${what} as an amount (400 invalid_amount, ${reason})`, async () => {
      const add = expectError(
        await api.post(`${base}/lines`, co.pm, { costCode: "26-100", category: "M", originalBudget: amount }),
        400,
        "invalid_amount",
      );
      expect(add).toMatchObject({ field: "originalBudget", details: { reason } });
      const patch = expectError(
        await api.patch(`${base}/lines/${lineId}`, co.pm, { originalBudget: amount }),
        400,
        "invalid_amount",
      );
      expect(patch.details).toEqual({ reason });
      await unchanged();
    });
  }

  it("refuses a negative original budget but accepts the exact limits", async () => {
    expect(
      expectError(
        await api.post(`${base}/lines`, co.pm, {
          costCode: "26-100",
          category: "M",
          originalBudget: "-5.00",
        }),
        400,
        "invalid_amount",
      ).details,
    ).toEqual({ reason: "negative" });
    await unchanged();
    const max = await api.post(`${base}/lines`, co.pm, {
      costCode: "26-100",
      category: "E",
      originalBudget: "999999999999.99",
    });
    expect(max.status).toBe(201);
    expect(max.body.originalBudget).toBe("999999999999.99");
    expect((await api.del(`${base}/lines/${max.body.id}`, co.pm)).status).toBe(204);
  });

  it("refuses unknown fields and missing ones (400)", async () => {
    expectError(
      await api.post(`${base}/lines`, co.pm, {
        costCode: "26-100",
        category: "M",
        originalBudget: "1.00",
        x: 1,
      }),
      400,
      "unknown_field",
    );
    const missing = expectError(
      await api.post(`${base}/lines`, co.pm, { costCode: "26-100", category: "M" }),
      400,
      "invalid_input",
    );
    expect(missing.field).toBe("originalBudget");
    expectError(
      await api.post(`${base}/lines`, co.pm, { category: "M", originalBudget: "1.00" }),
      400,
      "invalid_input",
    );
    await unchanged();
  });
});

describe("budget changes (docs/product.md §budget-changes)", () => {
  let base: string;
  let lineId: string;
  beforeAll(async () => {
    const p = await makeProject(t.ctx, co.companyId);
    base = budgetUrl(co.companyId, p.id);
    const ids = await buildLockedBudget(t, co.pm, co.companyId, p.id, [["01-100", "O", "500.00"]]);
    lineId = ids["01-100 O"]!;
  });
  beforeEach(async () => {
    before = await footprint(t.ctx, co.companyId);
  });

  it("refuses bad adjustment amounts, unknown lines and blank descriptions", async () => {
    const e = expectError(
      await api.post(`${base}/changes`, co.pm, {
        description: "x",
        adjustments: [{ lineId, amount: "0.001" }],
      }),
      400,
      "invalid_amount",
    );
    expect(e.field).toBe("adjustments[0].amount");
    expectError(
      await api.post(`${base}/changes`, co.pm, { description: "x", adjustments: [{ lineId, amount: 5 }] }),
      400,
      "invalid_amount",
    );
    expectError(
      await api.post(`${base}/changes`, co.pm, {
        description: "x",
        adjustments: [{ lineId: "ln_nope", amount: "5.00" }],
      }),
      400,
      "unknown_line",
    );
    expectError(
      await api.post(`${base}/changes`, co.pm, {
        description: "   ",
        adjustments: [{ lineId, amount: "5.00" }],
      }),
      400,
      "description_required",
    );
    await unchanged();
  });

  it("keeps a line at $0 once locked: a non-zero original is 409 budget_locked", async () => {
    expectError(
      await api.post(`${base}/lines`, co.pm, { costCode: "05-120", category: "L", originalBudget: "10.00" }),
      409,
      "budget_locked",
    );
    expectError(
      await api.patch(`${base}/lines/${lineId}`, co.pm, { originalBudget: "600.00" }),
      409,
      "budget_locked",
    );
    await unchanged();
  });
});

describe("actions in the wrong state → 409 naming the rule (docs/product.md §lifecycle)", () => {
  let base: string;
  let submissionId: string;
  let lineId: string;
  let changeId: string;
  beforeAll(async () => {
    const p = await makeProject(t.ctx, co.companyId);
    base = budgetUrl(co.companyId, p.id);
    const ids = await buildLockedBudget(t, co.pm, co.companyId, p.id, [["09-250", "L", "800.00"]]);
    lineId = ids["09-250 L"]!;
    const c = await api.post(`${base}/changes`, co.pm, {
      description: "Drywall",
      adjustments: [{ lineId, amount: "50.00" }],
    });
    changeId = c.body.id;
    submissionId = await sendBudget(t, co.pm, co.companyId, p.id);
  });
  beforeEach(async () => {
    before = await footprint(t.ctx, co.companyId);
  });

  it("freezes the budget while a submission awaits acceptance (rule 1, 3, 10)", async () => {
    expectError(await api.post(`${base}/send-to-erp`, co.pm), 409, "submission_pending");
    expectError(await api.post(`${base}/unlock`, co.pm), 409, "submission_pending");
    expectError(await api.post(`${base}/lock`, co.pm), 409, "budget_locked");
    expectError(await api.post(`${base}/changes/${changeId}/approve`, co.pm), 409, "submission_pending");
    expectError(
      await api.post(`${base}/lines`, co.pm, { costCode: "26-100", category: "L", originalBudget: "0.00" }),
      409,
      "submission_pending",
    );
    expectError(await api.del(`${base}/lines/${lineId}`, co.pm), 409, "submission_pending");
    await unchanged();
  });

  it("refuses transitions the lifecycle table does not have", async () => {
    const retry = expectError(
      await api.post(`${erpUrl(co.companyId)}/${submissionId}/retry`, co.approver),
      409,
      "invalid_transition",
    );
    expect(retry.message).toMatch(/ready to export cannot be retried/);
    await unchanged();
    expect(
      (await api.post(`${erpUrl(co.companyId)}/${submissionId}/reject`, co.approver, { reason: "Redo" }))
        .status,
    ).toBe(200);
    before = await footprint(t.ctx, co.companyId);
    for (const action of ["accept", "retry"]) {
      const e = expectError(
        await api.post(`${erpUrl(co.companyId)}/${submissionId}/${action}`, co.approver),
        409,
        "invalid_transition",
      );
      expect(e.message).toMatch(/rejected/);
    }
    expectError(
      await api.post(`${erpUrl(co.companyId)}/${submissionId}/reject`, co.approver, { reason: "Again" }),
      409,
      "invalid_transition",
    );
    expectError(await api.post(`${base}/retrieve-from-erp`, co.pm), 409, "not_awaiting_acceptance");
    await unchanged();
  });

  it("refuses to send an unlocked budget (budget_not_locked) and to unlock one with approved changes", async () => {
    const p = await makeProject(t.ctx, co.companyId);
    const b2 = budgetUrl(co.companyId, p.id);
    await api.post(`${b2}/lines`, co.pm, { costCode: "01-100", category: "L", originalBudget: "10.00" });
    before = await footprint(t.ctx, co.companyId);
    const e = expectError(await api.post(`${b2}/send-to-erp`, co.pm), 409, "budget_not_locked");
    expect(e.message).toMatch(/Lock/);
    await unchanged();

    const locked = await api.post(`${b2}/lock`, co.pm);
    const c = await api.post(`${b2}/changes`, co.pm, {
      description: "Scope",
      adjustments: [{ lineId: locked.body.lines[0].id, amount: "5.00" }],
    });
    expect((await api.post(`${b2}/changes/${c.body.id}/approve`, co.pm)).status).toBe(200);
    before = await footprint(t.ctx, co.companyId);
    expectError(await api.post(`${b2}/unlock`, co.pm), 409, "approved_changes_exist");
    // Unlocking needs Budget admin; the lock right alone is not enough.
    expectError(await api.post(`${b2}/unlock`, co.editor), 403, "forbidden");
    await unchanged();
  });
});

describe("reject reasons (docs/product.md §reject)", () => {
  let submissionId: string;
  beforeAll(async () => {
    const p = await makeProject(t.ctx, co.companyId);
    await buildLockedBudget(t, co.pm, co.companyId, p.id, [["26-100", "S", "1200.00"]]);
    submissionId = await sendBudget(t, co.pm, co.companyId, p.id);
  });
  beforeEach(async () => {
    before = await footprint(t.ctx, co.companyId);
  });

  const url = () => `${erpUrl(co.companyId)}/${submissionId}/reject`;

  it("refuses a blank reason, a whitespace-only one, a missing one and one over 2,000 characters", async () => {
    expect(
      expectError(await api.post(url(), co.approver, { reason: "" }), 400, "reason_required").field,
    ).toBe("reason");
    expectError(await api.post(url(), co.approver, { reason: " \n\t " }), 400, "reason_required");
    expectError(await api.post(url(), co.approver, {}), 400, "invalid_input");
    expectError(await api.post(url(), co.approver, { reason: 42 }), 400, "invalid_input");
    expectError(await api.post(url(), co.approver, { reason: "x".repeat(2001) }), 400, "reason_too_long");
    // 2,000 characters counted as people count them: 2,001 emoji are still too long.
    expectError(await api.post(url(), co.approver, { reason: "🧱".repeat(2001) }), 400, "reason_too_long");
    await unchanged();
  });

  it("accepts exactly 2,000 characters, even multi-byte ones", async () => {
    const reason = "🧱".repeat(2000);
    const r = await api.post(url(), co.approver, { reason });
    expect(r.status).toBe(200);
    const detail = await api.get(`${erpUrl(co.companyId)}/${submissionId}`, co.approver);
    expect(detail.body.decision.reason).toBe(reason);
  });
});

describe("ids of another company → 404 (docs/product.md §tenancy)", () => {
  let otherBase: string;
  let otherSubmission: string;
  let otherLine: string;
  beforeAll(async () => {
    await markConnected(t.ctx, other.companyId);
    const p = await makeProject(t.ctx, other.companyId);
    otherBase = budgetUrl(other.companyId, p.id);
    const ids = await buildLockedBudget(t, other.pm, other.companyId, p.id, [["03-300", "L", "10.00"]]);
    otherLine = ids["03-300 L"]!;
    otherSubmission = await sendBudget(t, other.pm, other.companyId, p.id);
  });
  beforeEach(async () => {
    before = await footprint(t.ctx, co.companyId);
  });

  it("answers 404 for another company's project, line and submission under our company", async () => {
    const before2 = await footprint(t.ctx, other.companyId);
    const projectId = otherBase.split("/")[6]!;
    const ours = budgetUrl(co.companyId, projectId);
    expectError(await api.get(ours, co.pm), 404, "not_found");
    expectError(
      await api.post(`${ours}/lines`, co.pm, { costCode: "03-300", category: "M", originalBudget: "1.00" }),
      404,
      "not_found",
    );
    expectError(await api.post(`${ours}/lock`, co.pm), 404, "not_found");
    expectError(await api.post(`${ours}/send-to-erp`, co.pm), 404, "not_found");
    expectError(
      await api.post(`${erpUrl(co.companyId)}/${otherSubmission}/accept`, co.approver),
      404,
      "not_found",
    );
    expectError(
      await api.post(`${erpUrl(co.companyId)}/${otherSubmission}/reject`, co.approver, { reason: "no" }),
      404,
      "not_found",
    );
    expectError(await api.get(`${erpUrl(co.companyId)}/${otherSubmission}`, co.approver), 404, "not_found");
    // Another company's path altogether.
    expectError(await api.get(otherBase, co.pm), 404, "not_found");
    expectError(
      await api.patch(`${otherBase}/lines/${otherLine}`, co.pm, { originalBudget: "0.00" }),
      404,
      "not_found",
    );
    expectError(
      await api.post(`${erpUrl(other.companyId)}/${otherSubmission}/accept`, co.approver),
      404,
      "not_found",
    );
    await unchanged();
    expect(await footprint(t.ctx, other.companyId)).toEqual(before2);
  });
});
