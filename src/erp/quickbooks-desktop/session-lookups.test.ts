import { describe, expect, it } from "vitest";
import type { PlanContext, PlanRequest, Step } from "./plan.js";
import type { EstimateRet, ListRet, QbxmlResponse } from "./qbxml.js";
import {
  answerFromSession,
  isStaleLookup,
  learnedFrom,
  resetAfterStaleLookup,
  stepLookup,
} from "./session-lookups.js";

function request(over: Partial<PlanRequest> = {}): PlanRequest {
  return {
    submissionId: "sub_2",
    attempt: 1,
    project: {
      number: "1001",
      name: "Harbor Pier",
      existingJobRef: null,
      parentCustomerName: "Acme Homes",
      parentCustomerRef: null,
    },
    lines: [
      {
        costCode: "03-300",
        costCodeDescription: "Concrete",
        category: "L",
        categoryName: "Labor",
        revisedEstimate: "100000",
        itemRef: null,
      },
      {
        costCode: "26-100",
        costCodeDescription: "Electrical",
        category: "S",
        categoryName: "Subcontract",
        revisedEstimate: "90000",
        itemRef: "8000000A-1",
      },
    ],
    createMissingItems: true,
    estimateMode: "update_in_place",
    previous: null,
    overwriteChangedInErp: false,
    useClasses: false,
    ...over,
  };
}

function listRet(over: Partial<ListRet> = {}): ListRet {
  return {
    kind: "Customer",
    listId: "80000001-1",
    name: "Acme Homes",
    fullName: "Acme Homes",
    isActive: true,
    sublevel: 0,
    editSequence: "1",
    ...over,
  };
}

const step = (name: string, phase: string, state: Step["state"] = {}): Step => ({ step: name, phase, state });

const parentCtx: PlanContext = { parent: { listId: "80000001-1", fullName: "Acme Homes", sublevel: 0 } };

describe("which look-ups a session may answer", () => {
  it("parent, job, items and the income account; not the estimate look-up before an add", () => {
    const req = request();
    expect(stepLookup(req, {}, step("parent", "query"))).toEqual({
      list: "customer",
      fullName: "Acme Homes",
    });
    expect(stepLookup(req, {}, step("job", "query"))).toBeNull(); // needs the parent first
    expect(stepLookup(req, parentCtx, step("job", "query"))).toEqual({
      list: "customer",
      fullName: "Acme Homes:Harbor Pier",
    });
    expect(stepLookup(req, {}, step("item:03-300", "query"))).toEqual({ list: "item", fullName: "03-300" });
    expect(stepLookup(req, {}, step("item:26-100", "query_ref"))).toEqual({
      list: "item",
      listId: "8000000A-1",
    });
    expect(stepLookup(req, {}, step("item:03-300", "account"))).toEqual({ list: "income_account" });
    expect(stepLookup(req, {}, step("item:03-300", "add"))).toBeNull();
    expect(stepLookup(req, {}, step("estimate", "query_job"))).toBeNull();
    expect(stepLookup(req, { ...parentCtx, sessionLookupsOff: true }, step("job", "query"))).toBeNull();
  });
});

describe("a remembered answer", () => {
  it("finishes a step it can finish, and never one QuickBooks' own answer must decide", () => {
    const req = request();
    const done = answerFromSession(req, {}, step("parent", "query"), { list: "customer", ret: listRet() });
    expect(done).toMatchObject({ kind: "done", context: { parent: { listId: "80000001-1" } } });
    const inactive = listRet({ isActive: false });
    expect(
      answerFromSession(req, {}, step("parent", "query"), { list: "customer", ret: inactive }),
    ).toBeNull();
    const job = listRet({ listId: "80000002-1", fullName: "Acme Homes:Harbor Pier", sublevel: 1 });
    expect(
      answerFromSession(req, parentCtx, step("job", "query"), { list: "customer", ret: job }),
    ).toMatchObject({
      kind: "done",
      context: { job: { listId: "80000002-1", created: false } },
    });
    const notService = listRet({ kind: "ItemOtherCharge", fullName: "03-300" });
    expect(
      answerFromSession(req, {}, step("item:03-300", "query"), { list: "item", ret: notService }),
    ).toBeNull();
    const account = listRet({ kind: "Account", listId: "A1", fullName: "Construction Income" });
    expect(
      answerFromSession(req, {}, step("item:03-300", "account"), { list: "income_account", ret: account }),
    ).toMatchObject({ kind: "next", phase: "add", state: { remembered: true } });
  });

  it("of an estimate leads only to an EstimateMod carrying its EditSequence", () => {
    const previous = {
      estimateId: "T-1",
      version: "100",
      jobRef: "80000002-1",
      docNumber: "CB-1001",
      ownedDigest: null,
      written: null,
    };
    const req = request({ previous });
    const ctx: PlanContext = {
      job: { listId: "80000002-1", fullName: "Acme Homes:Harbor Pier", created: false },
      items: {
        "03-300": { listId: "I-1", fullName: "03-300", created: false },
        "26-100": { listId: "8000000A-1", fullName: "26-100", created: false },
      },
    };
    const e: EstimateRet = {
      txnId: "T-1",
      editSequence: "100",
      txnNumber: 1,
      customerListId: "80000002-1",
      refNumber: "CB-1001",
      memo: "Costbridge budget · project 1001 · submission sub_1",
      totalAmount: "1900.00",
      lines: [
        {
          txnLineId: "L1",
          itemListId: "I-1",
          itemFullName: "03-300",
          className: null,
          description: "",
          amount: "1000.00",
        },
      ],
    };
    expect(stepLookup(req, ctx, step("estimate", "query_previous"))).toEqual({
      list: "estimate",
      txnId: "T-1",
    });
    expect(
      answerFromSession(req, ctx, step("estimate", "query_previous"), { list: "estimate", ret: e }),
    ).toMatchObject({
      kind: "next",
      phase: "mod",
      state: { remembered: true, target: { txnId: "T-1", editSequence: "100", lineIds: ["L1"] } },
    });
    // Changed by someone else since our write: that is decided on QuickBooks' own answer, never on memory.
    const withWritten = request({
      previous: {
        ...previous,
        written: { jobRef: "80000002-1", lines: [{ itemRef: "I-1", description: "", amount: "900.00" }] },
      },
    });
    const moved = { ...e, editSequence: "101" };
    expect(
      answerFromSession(withWritten, ctx, step("estimate", "query_previous"), {
        list: "estimate",
        ret: moved,
      }),
    ).toBeNull();
  });
});

describe("what an answer teaches the session", () => {
  const ok = (rets: QbxmlResponse["rets"] = []): QbxmlResponse => ({
    type: "CustomerQuery",
    requestId: "r",
    statusCode: rets.length ? "0" : "500",
    statusSeverity: "Info",
    statusMessage: "",
    rets,
  });
  const customerNode = (active: boolean) => ({
    name: "CustomerRet",
    attrs: {},
    text: "",
    children: [
      { name: "ListID", attrs: {}, text: "80000001-1", children: [] },
      { name: "FullName", attrs: {}, text: "Acme Homes", children: [] },
      { name: "IsActive", attrs: {}, text: String(active), children: [] },
    ],
  });

  it("remembers a usable element, forgets a refused or missing one", () => {
    const req = request();
    const s = step("parent", "query");
    const good = learnedFrom(req, {}, s, ok([customerNode(true)]), { kind: "done", context: {} });
    expect(good.remember).toMatchObject([{ list: "customer", ret: { listId: "80000001-1" } }]);
    const refused = learnedFrom(req, {}, s, ok([customerNode(false)]), {
      kind: "rejected",
      code: "inactive_in_quickbooks",
      message: "",
      remedy: "",
    });
    expect(refused).toEqual({ remember: [], forget: [{ list: "customer", id: "80000001-1" }] });
    const missing = learnedFrom(req, {}, s, ok(), { kind: "next", phase: "add", state: {}, context: {} });
    expect(missing).toEqual({ remember: [], forget: [{ list: "customer", fullName: "Acme Homes" }] });
  });
});

describe("a stale remembered reference", () => {
  const refused = (code: string): QbxmlResponse => ({
    type: "EstimateAdd",
    requestId: "r",
    statusCode: code,
    statusSeverity: "Error",
    statusMessage: 'There is an invalid reference to QuickBooks Item "I-1" in the Estimate line.',
    rets: [],
  });

  it("sends the remembered steps, the failed one and the estimate back to asking QuickBooks, once", () => {
    const req = request();
    const ctx: PlanContext = {
      ...parentCtx,
      job: { listId: "J-1", fullName: "Acme Homes:Harbor Pier", created: true },
      items: {
        "03-300": { listId: "I-1", fullName: "03-300", created: false },
        "26-100": { listId: "8000000A-1", fullName: "26-100", created: false },
      },
      incomeAccount: { listId: "A1", fullName: "Income" },
    };
    const steps = [
      { seq: 1, ...step("parent", "query", { remembered: true }) },
      { seq: 2, ...step("job", "add") },
      { seq: 3, ...step("item:03-300", "query", { remembered: true }) },
      { seq: 4, ...step("item:26-100", "query_ref") },
      { seq: 5, ...step("estimate", "add") },
    ];
    const current = steps[4]!;
    expect(isStaleLookup(ctx, steps, current, refused("3140"))).toBe(true);
    expect(isStaleLookup(ctx, steps, current, refused("3100"))).toBe(false);
    const r = resetAfterStaleLookup(req, ctx, steps, current);
    expect(r.reset).toEqual([
      { seq: 1, phase: "query" },
      { seq: 3, phase: "query" },
      { seq: 5, phase: "query_job" },
    ]);
    expect(r.context.parent).toBeUndefined();
    expect(r.context.job).toMatchObject({ listId: "J-1", created: true }); // asked by this plan itself: kept
    expect(Object.keys(r.context.items ?? {})).toEqual(["26-100"]);
    expect(r.context.sessionLookupsOff).toBe(true);
    expect(r.forget).toEqual(
      expect.arrayContaining([
        { list: "customer", id: "80000001-1" },
        { list: "item", id: "I-1" },
      ]),
    );
    // Once off, the plan never resets again: QuickBooks' refusal decides.
    expect(isStaleLookup(r.context, steps, current, refused("3140"))).toBe(false);
    // Without anything remembered, a refusal is QuickBooks' answer as before.
    const asked = steps.map((s) => ({ ...s, state: {} }));
    expect(isStaleLookup(ctx, asked, asked[4]!, refused("3140"))).toBe(false);
  });
});
