import { describe, expect, it } from "vitest";
import { erpChoices, erpDefinitions, erpLabel, findErp, registerErp } from "./registry.js";

describe("the ERP registry", () => {
  it("lists QuickBooks Online and Desktop with their labels, flows and name limits", () => {
    expect(erpChoices("co 1")).toEqual([
      {
        kind: "quickbooks_online",
        label: "QuickBooks Online",
        connectionFlow: "oauth",
        connect: {
          method: "POST",
          path: "/api/v1/companies/co%201/erp/connection/quickbooks-online/connect",
        },
      },
      { kind: "quickbooks_desktop", label: "QuickBooks Desktop", connectionFlow: "agent_credentials" },
    ]);
    expect(findErp("quickbooks_online")?.limits).toEqual({
      jobNameMaxChars: 100,
      itemNameMaxChars: 100,
      vendorNameMaxChars: 500,
      purchaseOrderNumberMaxChars: 21,
    });
    expect(findErp("quickbooks_desktop")?.limits).toEqual({
      jobNameMaxChars: 41,
      itemNameMaxChars: 31,
      parentCustomerNameMaxChars: 41,
      vendorNameMaxChars: 41,
      purchaseOrderNumberMaxChars: 11,
    });
    expect(findErp("quickbooks_online")?.usesTokenVault).toBe(true);
    expect(findErp("quickbooks_desktop")?.routePrefixes).toEqual(["/qbwc"]);
  });

  it("names an unknown or absent ERP generically", () => {
    expect(erpLabel("quickbooks_desktop")).toBe("QuickBooks Desktop");
    expect(erpLabel(null)).toBe("the ERP");
    expect(erpLabel("no_such_erp")).toBe("the ERP");
  });

  it("takes a new ERP once, by a lower_snake_case kind, and lets it go again", () => {
    const def = {
      kind: "another_ledger",
      label: "Another Ledger",
      limits: { jobNameMaxChars: 30, itemNameMaxChars: 30 },
      connectionFlow: "preconfigured" as const,
      usesTokenVault: false,
      routePrefixes: [],
      connector: () => ({
        kind: "another_ledger",
        exportEstimate: async () => ({ kind: "waiting" as const, message: "" }),
      }),
    };
    const unregister = registerErp(def);
    try {
      expect(erpLabel("another_ledger")).toBe("Another Ledger");
      expect(erpDefinitions().map((d) => d.kind)).toContain("another_ledger");
      expect(() => registerErp(def)).toThrow(/already registered/);
    } finally {
      unregister();
    }
    expect(findErp("another_ledger")).toBeUndefined();
    expect(() => registerErp({ ...def, kind: "Another Ledger" })).toThrow(/lower_snake_case/);
  });
});
