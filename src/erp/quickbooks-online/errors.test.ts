import { describe, expect, it } from "vitest";
import { classifyQboError, parseQboFault, parseRetryAfter } from "./errors.js";

const validation = JSON.stringify({
  Fault: {
    Error: [
      {
        Message: "Stale Object Error",
        Detail: "Stale Object Error : You and API API were working on this at the same time.",
        code: "5010",
        element: "",
      },
    ],
    type: "ValidationFault",
  },
  time: "2026-03-02T10:20:11.102-08:00",
});

const gateway401 = JSON.stringify({
  warnings: null,
  intuitObject: null,
  fault: {
    error: [
      {
        message: "message=AuthenticationFailed; errorCode=003200; statusCode=401",
        detail: "Token expired: AB0117",
        code: "3200",
        element: null,
      },
    ],
    type: "AUTHENTICATION",
  },
  time: 1730024394085,
});

const throttled =
  '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n' +
  '<IntuitResponse xmlns="http://schema.intuit.com/finance/v3" time="2026-03-02T10:00:00.000-08:00">' +
  '<Fault type="SERVICE"><Error code="3001"><Message>message=ThrottleExceeded; errorCode=003001; statusCode=429</Message>' +
  "<Detail>The request limit was reached.  Try again later</Detail></Error></Fault></IntuitResponse>";

describe("parsing the three fault shapes", () => {
  it("reads a JSON validation fault", () => {
    const f = parseQboFault(400, validation, { intuit_tid: "1-abc" });
    expect(f).toMatchObject({
      status: 400,
      code: "5010",
      message: "Stale Object Error",
      type: "ValidationFault",
      intuitTid: "1-abc",
    });
    expect(f.detail).toContain("working on this at the same time");
  });

  it("reads the lowercase gateway fault of a 401", () => {
    const f = parseQboFault(401, gateway401, new Headers({ intuit_tid: "tid-401" }));
    expect(f).toMatchObject({
      status: 401,
      code: "3200",
      detail: "Token expired: AB0117",
      type: "AUTHENTICATION",
    });
    expect(f.intuitTid).toBe("tid-401");
  });

  it("reads the XML throttling fault even though JSON was asked for", () => {
    const f = parseQboFault(429, throttled, { "Retry-After": "7" });
    expect(f).toMatchObject({ status: 429, code: "3001", type: "SERVICE", retryAfterMs: 7000 });
    expect(f.detail).toBe("The request limit was reached.  Try again later");
  });

  it("still yields a fault for an HTML gateway page, an empty body or an OAuth error", () => {
    const html = parseQboFault(503, "<html><body><h1>503 Service Unavailable</h1> try later</body></html>");
    expect(html.code).toBe("");
    expect(html.detail).toContain("503 Service Unavailable");
    expect(parseQboFault(502, "")).toMatchObject({ status: 502, code: "", message: "HTTP 502" });
    expect(
      parseQboFault(
        400,
        '{"error":"invalid_grant","error_description":"Incorrect or invalid refresh token"}',
      ),
    ).toMatchObject({ code: "invalid_grant", detail: "Incorrect or invalid refresh token" });
  });

  it("reads Retry-After as seconds or as a date", () => {
    expect(parseRetryAfter("120")).toBe(120_000);
    expect(parseRetryAfter(new Date(10_000 + 30_000).toUTCString(), 10_000)).toBe(30_000);
    expect(parseRetryAfter("soon")).toBeNull();
  });
});

const fault = (status: number, code: string, detail = "") => ({
  status,
  code,
  message: "m",
  detail,
  element: "",
  type: "",
  intuitTid: null,
  retryAfterMs: null,
});

describe("sorting faults", () => {
  const opts = { throttleBackoffMs: 60_000 };

  it("waits at least the configured backoff after a 429, longer when QuickBooks asks", () => {
    expect(classifyQboError(parseQboFault(429, throttled), opts)).toMatchObject({
      kind: "retryable",
      code: "quickbooks_throttled",
      retryAfterMs: 60_000,
    });
    expect(classifyQboError({ ...fault(429, "3001"), retryAfterMs: 90_000 }, opts)).toMatchObject({
      retryAfterMs: 90_000,
    });
  });

  it("retries server errors and refreshes on 401", () => {
    expect(classifyQboError(fault(500, "10000"), opts)).toMatchObject({ kind: "retryable" });
    expect(classifyQboError(fault(503, ""), opts)).toMatchObject({ kind: "retryable" });
    expect(classifyQboError(parseQboFault(401, gateway401), opts)).toEqual({ kind: "auth" });
    expect(classifyQboError(fault(403, "3100"), opts)).toMatchObject({ kind: "reconnect_needed" });
  });

  it("rejects permanent faults with a remedy that names what to change in QuickBooks", () => {
    const job = classifyQboError(fault(400, "610"), {
      ...opts,
      subject: { kind: "job", name: "Smith Remodel" },
    });
    expect(job).toMatchObject({ kind: "rejected", code: "job_inactive" });
    expect(job.kind === "rejected" && job.remedy).toContain('"Smith Remodel"');

    const item = classifyQboError(fault(400, "610"), {
      ...opts,
      subject: { kind: "item", name: "03-300 Concrete", costCode: "03-300" },
    });
    expect(item).toMatchObject({ kind: "rejected", code: "item_inactive" });
    expect(item.kind === "rejected" && item.remedy).toMatch(/cost code 03-300.*make it active/);

    expect(classifyQboError(fault(400, "5010"), opts)).toMatchObject({
      kind: "rejected",
      code: "changed_in_quickbooks",
    });
    expect(classifyQboError(fault(400, "6210"), opts)).toMatchObject({ code: "closed_period" });
    expect(classifyQboError(fault(400, "6240"), opts)).toMatchObject({ code: "duplicate_name" });
    expect(classifyQboError(fault(400, "6190"), opts)).toMatchObject({
      code: "quickbooks_subscription_inactive",
    });
    const business = classifyQboError(
      fault(400, "6000", "Business Validation Error: Estimates are off"),
      opts,
    );
    // The message already says what QuickBooks said; the remedy says what to do, without repeating it.
    expect(business).toMatchObject({ code: "quickbooks_business_rule" });
    expect(business.kind === "rejected" && business.message).toContain("Estimates are off");
    expect(business.kind === "rejected" && business.remedy).not.toContain("Estimates are off");
    expect(classifyQboError(fault(400, "2010"), opts)).toMatchObject({
      kind: "rejected",
      code: "quickbooks_request_refused",
    });
  });
});

describe("remedies from the fault's element", () => {
  const opts = { throttleBackoffMs: 60_000 };
  const at = (code: string, element: string, message = "Object Not Found", detail = "") => ({
    status: 400,
    code,
    message,
    detail,
    element,
    type: "ValidationFault",
    intuitTid: null,
    retryAfterMs: null,
  });
  const remedyOf = (c: ReturnType<typeof classifyQboError>) => (c.kind === "rejected" ? c.remedy : "");

  it("a 610 on ItemRef while the estimate is written is an inactive item, never a change to the estimate", () => {
    const c = classifyQboError(at("610", "Line.SalesItemLineDetail.ItemRef"), {
      ...opts,
      subject: { kind: "estimate" },
    });
    expect(c).toMatchObject({ kind: "rejected", code: "item_inactive" });
    expect(remedyOf(c)).toMatch(/product\/service/);
    expect(remedyOf(c)).not.toMatch(/changed this estimate|overwrite/i);
  });

  it("a 610 on CustomerRef is an inactive job; on a parent customer step it names the parent", () => {
    const job = classifyQboError(at("610", "CustomerRef"), { ...opts, subject: { kind: "estimate" } });
    expect(job).toMatchObject({ code: "job_inactive" });
    const parent = classifyQboError(at("610", "ParentRef"), {
      ...opts,
      subject: { kind: "parent_customer", name: "Acme Builders Jobs" },
    });
    expect(parent).toMatchObject({ code: "parent_customer_inactive" });
    expect(remedyOf(parent)).toContain('"Acme Builders Jobs"');
  });

  it("on a purchase order, VendorRef faults are about the vendor: inactive (610) or gone (2500)", () => {
    const subject = { kind: "purchase_order" as const };
    const inactive = classifyQboError(at("610", "VendorRef"), { ...opts, subject });
    expect(inactive).toMatchObject({ kind: "rejected", code: "vendor_inactive" });
    expect(remedyOf(inactive)).toMatch(/Mappings › Vendors/);
    const gone = classifyQboError(at("2500", "VendorRef", "Invalid Reference Id"), { ...opts, subject });
    expect(gone).toMatchObject({ kind: "rejected", code: "vendor_missing" });
    const item = classifyQboError(at("610", "Line.ItemBasedExpenseLineDetail.ItemRef"), { ...opts, subject });
    expect(item).toMatchObject({ code: "item_inactive" });
  });

  it("a 610 without an element on the estimate step means the estimate itself is gone", () => {
    expect(classifyQboError(at("610", ""), { ...opts, subject: { kind: "estimate" } })).toMatchObject({
      code: "changed_in_quickbooks",
    });
  });

  it("a closed period reported as a business rule (6000) is a closed period", () => {
    const c = classifyQboError(
      at(
        "6000",
        "TxnDate",
        "A business validation error has occurred while processing your request",
        "The closing date has passed; the period is closed.",
      ),
      opts,
    );
    expect(c).toMatchObject({ code: "closed_period" });
    expect(remedyOf(c)).toMatch(/Close the books/);
  });

  it("tax and currency faults point at the company's tax codes and currencies", () => {
    expect(
      classifyQboError(
        at("6000", "Line.SalesItemLineDetail.TaxCodeRef", "Business Validation Error", "x"),
        opts,
      ),
    ).toMatchObject({ code: "quickbooks_tax_setup" });
    expect(
      classifyQboError(at("2500", "Line.SalesItemLineDetail.TaxCodeRef", "Invalid Reference Id"), opts),
    ).toMatchObject({ code: "quickbooks_tax_setup" });
    expect(
      classifyQboError(at("2020", "GlobalTaxCalculation", "Required param missing"), opts),
    ).toMatchObject({
      code: "quickbooks_tax_setup",
    });
    expect(classifyQboError(at("2500", "CurrencyRef", "Invalid Reference Id"), opts)).toMatchObject({
      code: "currency_not_in_quickbooks",
    });
    expect(
      classifyQboError(at("2500", "Line.SalesItemLineDetail.ItemRef", "Invalid Reference Id"), opts),
    ).toMatchObject({ code: "item_missing" });
  });

  it("duplicate names and stale objects have remedies of their own, none repeating the message", () => {
    for (const [code, element, expected] of [
      ["6240", "", "duplicate_name"],
      ["5010", "", "changed_in_quickbooks"],
      ["6210", "", "closed_period"],
      ["6000", "", "quickbooks_business_rule"],
    ] as const) {
      const f = at(code, element, "Some message from QuickBooks", "Some detail from QuickBooks");
      const c = classifyQboError(f, opts);
      expect(c).toMatchObject({ kind: "rejected", code: expected });
      expect(remedyOf(c)).not.toContain("Some detail from QuickBooks");
      expect(remedyOf(c)).not.toContain("Some message from QuickBooks");
    }
  });
});
