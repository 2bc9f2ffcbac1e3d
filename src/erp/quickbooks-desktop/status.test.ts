import { describe, expect, it } from "vitest";
import { classifyStatus } from "./status.js";

const item = { kind: "item" as const, name: "03-300", costCode: "03-300" };
const estimate = { kind: "estimate" as const, refNumber: "CB-1001" };

function rejected(code: string, message: string, subject: Parameters<typeof classifyStatus>[2]) {
  const r = classifyStatus(code, message, subject);
  if (r.kind !== "rejected") throw new Error("not rejected");
  // The remedy says what to do; it never repeats QuickBooks' message.
  expect(r.remedy).not.toContain(message);
  expect(r.message).toContain(message);
  return r;
}

describe("QuickBooks Desktop statusCodes become remedies by code and by the element named", () => {
  it("3070 names the field and QuickBooks Desktop's limit for it", () => {
    const name = rejected("3070", 'The string "x" in the field "Name" is too long.', item);
    expect(name.remedy).toContain("31 characters for an item name");
    const ref = rejected("3070", 'The string "x" in the field "RefNumber" is too long.', estimate);
    expect(ref.remedy).toContain("11 characters for a reference number");
    const job = rejected("3070", 'The string "x" in the field "Name" is too long.', {
      kind: "job",
      name: "x",
    });
    expect(job.remedy).toContain("41 characters for a customer or job name");
  });

  it("3140 tells an inactive item from an inactive customer or job, a missing class, a missing item", () => {
    const inactiveItem = rejected(
      "3140",
      'There is an invalid reference to QuickBooks Item "03-300" in the Estimate. QuickBooks error message: The specified record is inactive.',
      estimate,
    );
    expect(inactiveItem).toMatchObject({ code: "inactive_in_quickbooks" });
    expect(inactiveItem.remedy).toContain("Make the item active again");
    expect(inactiveItem.remedy).not.toMatch(/overwrite|changed/i);
    const inactiveJob = rejected(
      "3140",
      'There is an invalid reference to QuickBooks Customer "J-1" in the Estimate. QuickBooks error message: The specified record is inactive.',
      estimate,
    );
    expect(inactiveJob.remedy).toContain("customer or job active again");
    const missingClass = rejected(
      "3140",
      'There is an invalid reference to QuickBooks Class "Labor" in the Estimate. QuickBooks error message: Invalid argument. The specified record does not exist in the list.',
      estimate,
    );
    expect(missingClass).toMatchObject({ code: "invalid_reference" });
    expect(missingClass.remedy).toContain("Class List");
    const missingItem = rejected(
      "3120",
      'Object "80000001-1" specified in the request cannot be found.',
      item,
    );
    expect(missingItem.remedy).toContain("Map cost code 03-300");
  });

  it("3100 duplicate name, 3200 stale EditSequence, a closed period, and anything else", () => {
    expect(rejected("3100", 'The name "03-300" of the list element is already in use.', item).code).toBe(
      "name_in_use",
    );
    expect(rejected("3200", 'The provided edit sequence "1" is out-of-date.', estimate).code).toBe(
      "changed_in_quickbooks",
    );
    const closed = rejected(
      "3180",
      "There was an error when saving a Estimate. QuickBooks error message: The transaction date is on or before the closing date.",
      estimate,
    );
    expect(closed).toMatchObject({ code: "closed_period" });
    expect(closed.remedy).toContain("Set Closing Date");
    const other = rejected("3999", "Something new went wrong. Change what it names.", estimate);
    expect(other.remedy).not.toContain("what the QuickBooks message names");
  });
});
