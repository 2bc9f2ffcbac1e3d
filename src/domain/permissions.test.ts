import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { rights } from "../../test/support/domain.js";
import {
  ACTIONS,
  type Action,
  can,
  type DirectoryPermissions,
  effectiveRights,
  isAccountingApprover,
  isLevel,
  isLevelAtLeast,
  LEVELS,
  NO_PERMISSIONS,
  receivesDailySummary,
} from "./permissions.js";

function allowed(r: Parameters<typeof can>[0], action: Action, ctx: Parameters<typeof can>[2] = {}): boolean {
  return can(r, action, ctx).ok;
}

function refusal(r: Parameters<typeof can>[0], action: Action, ctx: Parameters<typeof can>[2] = {}) {
  const result = can(r, action, ctx);
  if (result.ok) throw new Error(`expected ${action} to be refused`);
  return result.error;
}

// The demo directory (docs/product.md §demo), which doubles as a realistic cast.
const entry = (overrides: Partial<DirectoryPermissions>): DirectoryPermissions => ({
  ...NO_PERMISSIONS,
  ...overrides,
});
const pm = effectiveRights(entry({ erpIntegrations: "read_only", budget: "admin" }));
const approver = effectiveRights(
  entry({ erpIntegrations: "standard", canPushToAccounting: true, budget: "read_only" }),
);
const viewer = effectiveRights(entry({ erpIntegrations: "standard", budget: "read_only" }));
const admin = effectiveRights(entry({ erpIntegrations: "admin", directory: "admin", budget: "admin" }));

describe("levels", () => {
  it("are ordered none < read_only < standard < admin", () => {
    expect(LEVELS).toEqual(["none", "read_only", "standard", "admin"]);
    expect(isLevelAtLeast("standard", "read_only")).toBe(true);
    expect(isLevelAtLeast("read_only", "standard")).toBe(false);
    expect(isLevelAtLeast("admin", "admin")).toBe(true);
    expect(isLevel("standard")).toBe(true);
    expect(isLevel("owner")).toBe(false);
  });
});

describe("effective rights", () => {
  it("the company-wide budget level applies to every project unless a per-project override says otherwise", () => {
    const base = entry({
      budget: "admin",
      lockBudget: false,
      sendAndRetrieveBudget: false,
      erpIntegrations: "standard",
    });
    expect(effectiveRights(base).budget).toBe("admin");
    expect(effectiveRights(base, null).budget).toBe("admin");
    const overridden = effectiveRights(base, {
      budget: "read_only",
      lockBudget: true,
      sendAndRetrieveBudget: false,
    });
    expect(overridden).toMatchObject({ budget: "read_only", lockBudget: true, erpIntegrations: "standard" });
  });
});

describe("docs/product.md §permissions table", () => {
  it("view ERP Integrations: erpIntegrations ≥ read_only", () => {
    expect(allowed(rights({ erpIntegrations: "read_only" }), "view_erp_integrations")).toBe(true);
    expect(refusal(rights({}), "view_erp_integrations").message).toBe(
      "Needs ERP Integrations Read Only or higher.",
    );
  });

  it.each(["accept_submission", "reject_submission", "retry_export"] as const)(
    "%s: ERP Integrations Standard or Admin AND Can Push to Accounting",
    (action) => {
      expect(allowed(rights({ erpIntegrations: "standard", canPushToAccounting: true }), action)).toBe(true);
      expect(allowed(rights({ erpIntegrations: "admin", canPushToAccounting: true }), action)).toBe(true);
      for (const r of [
        rights({ erpIntegrations: "read_only", canPushToAccounting: true }),
        rights({ erpIntegrations: "standard" }),
        rights({ erpIntegrations: "admin" }),
      ]) {
        const error = refusal(r, action);
        expect(error.code).toBe("forbidden");
        expect(error.message).toBe("Needs ERP Integrations Standard or Admin and Can Push to Accounting.");
      }
    },
  );

  it("connect ERP, mappings, settings: ERP Integrations Admin", () => {
    expect(allowed(rights({ erpIntegrations: "admin" }), "manage_erp")).toBe(true);
    expect(
      refusal(rights({ erpIntegrations: "standard", canPushToAccounting: true }), "manage_erp").message,
    ).toBe("Needs ERP Integrations Admin.");
  });

  it("view budget: budget ≥ read_only; edit lines and draft changes: budget ≥ standard", () => {
    expect(allowed(rights({ budget: "read_only" }), "view_budget")).toBe(true);
    expect(allowed(rights({ budget: "none" }), "view_budget")).toBe(false);
    expect(allowed(rights({ budget: "standard" }), "edit_budget")).toBe(true);
    expect(refusal(rights({ budget: "read_only" }), "edit_budget").message).toBe(
      "Needs Budget Standard or Admin.",
    );
  });

  it.each(["approve_budget_change", "void_budget_change", "unlock_budget"] as const)(
    "%s: Budget Admin",
    (action) => {
      expect(allowed(rights({ budget: "admin" }), action)).toBe(true);
      expect(
        refusal(rights({ budget: "standard", lockBudget: true, sendAndRetrieveBudget: true }), action)
          .message,
      ).toBe("Needs Budget Admin.");
    },
  );

  it("create projects and change tool permissions: Directory Admin", () => {
    for (const action of ["create_project", "change_permissions"] as const) {
      expect(allowed(rights({ directory: "admin" }), action)).toBe(true);
      expect(refusal(rights({ directory: "standard", erpIntegrations: "admin" }), action).message).toBe(
        "Needs Directory Admin.",
      );
    }
  });

  it("cost codes and categories (and audit events): Directory Admin or ERP Integrations Admin", () => {
    for (const action of ["manage_cost_codes", "view_audit_events"] as const) {
      expect(allowed(rights({ directory: "admin" }), action)).toBe(true);
      expect(allowed(rights({ erpIntegrations: "admin" }), action)).toBe(true);
      expect(refusal(rights({ directory: "standard", erpIntegrations: "standard" }), action).message).toBe(
        "Needs Directory Admin or ERP Integrations Admin.",
      );
    }
  });

  it("rule 3: lock needs Budget Admin or the granular Lock Budget right", () => {
    expect(allowed(rights({ budget: "admin" }), "lock_budget")).toBe(true);
    expect(allowed(rights({ budget: "read_only", lockBudget: true }), "lock_budget")).toBe(true);
    expect(allowed(rights({ budget: "standard", lockBudget: true }), "lock_budget")).toBe(true);
    expect(refusal(rights({ budget: "standard" }), "lock_budget").message).toMatch(/Lock Budget permission/);
    // A granular right is no use to someone who cannot see the budget.
    expect(allowed(rights({ budget: "none", lockBudget: true }), "lock_budget")).toBe(false);
  });

  it.each(["send_budget", "retrieve_budget"] as const)(
    "%s needs Budget Admin or Send and Retrieve Budgets from ERP",
    (action) => {
      expect(allowed(rights({ budget: "admin" }), action)).toBe(true);
      expect(allowed(rights({ budget: "read_only", sendAndRetrieveBudget: true }), action)).toBe(true);
      expect(allowed(rights({ budget: "none", sendAndRetrieveBudget: true }), action)).toBe(false);
      expect(refusal(rights({ budget: "standard", lockBudget: true }), action).message).toMatch(
        /Send and Retrieve Budgets from ERP/,
      );
    },
  );

  it("grant Can Push to Accounting: only the operator, unless self-service lets a directory admin holding it", () => {
    const holder = rights({ directory: "admin", canPushToAccounting: true });
    expect(refusal(holder, "grant_can_push_to_accounting").message).toMatch(/platform operator/);
    expect(allowed(holder, "grant_can_push_to_accounting", { selfServiceApproverGrants: true })).toBe(true);
    expect(
      refusal(rights({ directory: "admin" }), "grant_can_push_to_accounting", {
        selfServiceApproverGrants: true,
      }).message,
    ).toBe("Needs Directory Admin and Can Push to Accounting.");
  });

  it("anyone may change their own digest subscription; only a directory admin someone else's", () => {
    expect(allowed(rights({}), "change_digest_subscription", { actorId: "u1", targetUserId: "u1" })).toBe(
      true,
    );
    expect(allowed(rights({}), "change_digest_subscription", { actorId: "u1", targetUserId: "u2" })).toBe(
      false,
    );
    expect(
      allowed(rights({ directory: "admin" }), "change_digest_subscription", {
        actorId: "u1",
        targetUserId: "u2",
      }),
    ).toBe(true);
  });

  it("a refusal carries the action and the requirement for the API's details", () => {
    expect(refusal(rights({}), "unlock_budget")).toEqual({
      code: "forbidden",
      message: "Needs Budget Admin.",
      details: { action: "unlock_budget", needs: "Budget Admin" },
    });
  });

  it("property: no rights at all allow nothing but changing one's own digest subscription", () => {
    fc.assert(
      fc.property(fc.constantFrom(...ACTIONS), (action) => {
        expect(allowed(rights({}), action, { actorId: "u1", targetUserId: "u2" })).toBe(false);
      }),
    );
  });

  it("property: raising any level never takes a right away", () => {
    const level = fc.constantFrom(...LEVELS);
    const someRights = fc.record({
      erpIntegrations: level,
      directory: level,
      budget: level,
      lockBudget: fc.boolean(),
      sendAndRetrieveBudget: fc.boolean(),
      canPushToAccounting: fc.boolean(),
    });
    fc.assert(
      fc.property(
        someRights,
        fc.constantFrom(...ACTIONS),
        fc.constantFrom("erpIntegrations", "directory", "budget") as fc.Arbitrary<
          "erpIntegrations" | "directory" | "budget"
        >,
        (r, action, which) => {
          const ctx = { selfServiceApproverGrants: true, actorId: "a", targetUserId: "b" };
          if (!allowed(r, action, ctx)) return;
          expect(allowed({ ...r, [which]: "admin" }, action, ctx)).toBe(true);
        },
      ),
    );
  });
});

describe("the demo cast (docs/product.md §demo) gets exactly the expected abilities", () => {
  it("the PM sends, retrieves, locks, unlocks, approves changes, and cannot accept", () => {
    for (const action of [
      "send_budget",
      "retrieve_budget",
      "lock_budget",
      "unlock_budget",
      "approve_budget_change",
    ] as const) {
      expect(allowed(pm, action)).toBe(true);
    }
    expect(allowed(pm, "view_erp_integrations")).toBe(true);
    expect(allowed(pm, "accept_submission")).toBe(false);
  });

  it("the approver accepts, rejects and retries, and cannot send or edit the budget", () => {
    expect(allowed(approver, "accept_submission")).toBe(true);
    expect(allowed(approver, "reject_submission")).toBe(true);
    expect(allowed(approver, "retry_export")).toBe(true);
    expect(allowed(approver, "view_budget")).toBe(true);
    expect(allowed(approver, "send_budget")).toBe(false);
    expect(allowed(approver, "edit_budget")).toBe(false);
  });

  it("Standard without the privilege sees everything and can act on nothing", () => {
    expect(allowed(viewer, "view_erp_integrations")).toBe(true);
    expect(allowed(viewer, "view_budget")).toBe(true);
    for (const action of [
      "accept_submission",
      "reject_submission",
      "retry_export",
      "manage_erp",
      "send_budget",
    ] as const) {
      expect(allowed(viewer, action)).toBe(false);
    }
  });

  it("the company admin manages everything except accepting (no Can Push to Accounting)", () => {
    for (const action of [
      "manage_erp",
      "create_project",
      "manage_cost_codes",
      "change_permissions",
      "send_budget",
    ] as const) {
      expect(allowed(admin, action)).toBe(true);
    }
    expect(allowed(admin, "accept_submission")).toBe(false);
  });
});

describe("separation of duties", () => {
  const sod = { separationOfDuties: true, submissionSentBy: "u1" };

  it("the sender cannot accept their own submission when the company setting is on", () => {
    expect(refusal(approver, "accept_submission", { ...sod, actorId: "u1" }).code).toBe(
      "separation_of_duties",
    );
    expect(allowed(approver, "accept_submission", { ...sod, actorId: "u2" })).toBe(true);
    expect(allowed(approver, "accept_submission", { ...sod, separationOfDuties: false, actorId: "u1" })).toBe(
      true,
    );
  });

  it("only acceptance is restricted: the sender may still reject", () => {
    expect(allowed(approver, "reject_submission", { ...sod, actorId: "u1" })).toBe(true);
  });

  it("a missing right is reported before separation of duties", () => {
    expect(refusal(viewer, "accept_submission", { ...sod, actorId: "u1" }).code).toBe("forbidden");
  });

  it("without the ids the rule cannot be checked: that is a bug, so it throws rather than allowing", () => {
    expect(() => can(approver, "accept_submission", { separationOfDuties: true })).toThrow();
  });
});

describe("accounting approvers", () => {
  it("are ERP Integrations Standard or Admin with Can Push to Accounting", () => {
    expect(isAccountingApprover(approver)).toBe(true);
    expect(isAccountingApprover(viewer)).toBe(false);
    expect(isAccountingApprover(admin)).toBe(false);
    expect(isAccountingApprover(rights({ erpIntegrations: "read_only", canPushToAccounting: true }))).toBe(
      false,
    );
  });

  it("receive the daily summary only while subscribed", () => {
    const e = entry({ erpIntegrations: "admin", canPushToAccounting: true });
    expect(receivesDailySummary(e)).toBe(true);
    expect(receivesDailySummary({ ...e, subscribeErpDigest: false })).toBe(false);
    expect(receivesDailySummary({ ...e, canPushToAccounting: false })).toBe(false);
  });
});
