export type Obj = Record<string, unknown>;

const STANDARD_MESSAGES: Record<string, string> = {
  "500": "Unsupported Operation",
  "600": "RequestId already exists in the system, duplicate request is detected",
  "610": "Object Not Found",
  "1040": "Batch size exceeds allowed limit",
  "2010": "Request has invalid or unsupported property",
  "2020": "Required param missing, need to supply the required value for the API",
  "2050": "String length is either shorter or longer than supported by specification",
  "2170": "Invalid Enumeration",
  "2500": "Invalid Reference Id",
  "4000": "Error parsing query",
  "4001": "Invalid query",
  "5010": "Stale Object Error",
  "6000": "A business validation error has occurred while processing your request",
  "6190": "Invalid Company Status",
  "6240": "Duplicate Name Exists Error",
  "10000": "An application error has occurred while processing your request",
};

/** A fault the QuickBooks API would answer with; thrown by entity logic and rendered by the route. */
export class QboFault extends Error {
  readonly code: string;
  readonly detail: string;
  readonly element: string;
  readonly status: number;
  readonly type: string;

  constructor(code: string, detail: string, element = "", options: { status?: number; type?: string } = {}) {
    super(STANDARD_MESSAGES[code] ?? "Error");
    this.code = code;
    this.detail = detail;
    this.element = element;
    this.status = options.status ?? 400;
    this.type = options.type ?? "ValidationFault";
  }

  toFaultObject(): Obj {
    return {
      Error: [{ Message: this.message, Detail: this.detail, code: this.code, element: this.element }],
      type: this.type,
    };
  }
}

export const faults = {
  required(field: string, element = field): QboFault {
    return new QboFault("2020", `Required parameter ${field} is missing in the request`, element);
  },
  stale(): QboFault {
    return new QboFault(
      "5010",
      "Stale Object Error : You and API API were working on this at the same time. API API finished before you did, so your work was not saved.",
    );
  },
  notFound(): QboFault {
    return new QboFault(
      "610",
      "Object Not Found : Something you're trying to use has been made inactive. Check the fields with accounts, customers, items, vendors or employees.",
    );
  },
  deletedTransaction(): QboFault {
    return new QboFault("610", "Object Not Found : Another user has deleted this transaction.");
  },
  inactiveReference(element: string): QboFault {
    return new QboFault(
      "610",
      "Object Not Found : Something you're trying to use has been made inactive. Check the fields with accounts, customers, items, vendors or employees.",
      element,
    );
  },
  invalidReference(list: string, id: string, element: string): QboFault {
    return new QboFault("2500", `Invalid Reference Id : ${list} element id ${id} not found`, element);
  },
  duplicateName(what: string): QboFault {
    return new QboFault(
      "6240",
      `The name supplied already exists. : Another ${what} is already using this name. Please use a different name.`,
    );
  },
  business(reason: string, element = ""): QboFault {
    return new QboFault("6000", `Business Validation Error: ${reason}`, element);
  },
  length(field: string, max: number, supplied: number): QboFault {
    return new QboFault(
      "2050",
      `String length specified does not match the supported length. Min:0 Max:${max} supplied:${supplied}`,
      field,
    );
  },
  enumeration(field: string, value: string): QboFault {
    return new QboFault("2170", `Invalid Enumeration : ${value}`, field);
  },
  unrecognizedField(name: string): QboFault {
    return new QboFault(
      "2010",
      `Property Name:Unrecognized field "${name}" specified value is not supported`,
    );
  },
  invalidValue(name: string, value: unknown): QboFault {
    return new QboFault(
      "2010",
      `Property Name:${name} specified value ${JSON.stringify(value)} is not supported`,
      name,
    );
  },
  unsupportedOperation(detail: string): QboFault {
    return new QboFault("500", detail);
  },
  queryParse(detail: string): QboFault {
    return new QboFault("4000", `QueryParserError: ${detail}`);
  },
  queryInvalid(detail: string): QboFault {
    return new QboFault("4001", `QueryValidationError: ${detail}`);
  },
  system(detail: string): QboFault {
    return new QboFault("10000", detail, "", { status: 500, type: "SystemFault" });
  },
};

export function faultBody(fault: QboFault, time: string): Obj {
  return { Fault: fault.toFaultObject(), time };
}

/**
 * The gateway in front of the accounting service answers 401/403 with a lower-case body of its own, with `time`
 * in epoch milliseconds rather than ISO.
 */
export function gatewayFaultBody(status: 401 | 403, detail: string, timeMs: number): Obj {
  const code = status === 401 ? "3200" : "3100";
  const message =
    status === 401
      ? "message=AuthenticationFailed; errorCode=003200; statusCode=401"
      : "message=ApplicationAuthorizationFailed; errorCode=003100; statusCode=403";
  return {
    warnings: null,
    intuitObject: null,
    fault: {
      error: [{ message, detail, code, element: null }],
      type: status === 401 ? "AUTHENTICATION" : "AUTHORIZATION",
    },
    report: null,
    queryResponse: null,
    batchItemResponse: [],
    attachableResponse: [],
    syncErrorResponse: null,
    requestId: null,
    time: timeMs,
    status: null,
    cdcresponse: [],
  };
}

/** Throttling is answered in XML even when JSON was asked for. */
export function throttleXml(time: string): string {
  return (
    `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n` +
    `<IntuitResponse xmlns="http://schema.intuit.com/finance/v3" time="${escapeXml(time)}">` +
    `<Fault type="SERVICE"><Error code="3001"><Message>message=ThrottleExceeded; errorCode=003001; statusCode=429</Message>` +
    `<Detail>The request limit was reached.  Try again later</Detail></Error></Fault></IntuitResponse>`
  );
}

export function escapeXml(text: string): string {
  return text
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&apos;");
}

function isPlainObject(value: unknown): value is Obj {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

// QuickBooks JSON mirrors its XML schema: PascalCase keys are elements, lower-case scalar keys are attributes,
// and `value` is the text of a reference element (`<CustomerRef name="…">58</CustomerRef>`).
function elementToXml(name: string, value: unknown): string {
  if (Array.isArray(value)) return value.map((item) => elementToXml(name, item)).join("");
  if (value === null || value === undefined) return "";
  if (!isPlainObject(value)) return `<${name}>${escapeXml(String(value))}</${name}>`;
  let attributes = "";
  let children = "";
  let text = "";
  for (const [key, child] of Object.entries(value)) {
    if (key === "value" && !isPlainObject(child) && !Array.isArray(child)) {
      text = escapeXml(String(child));
    } else if (/^[a-z]/.test(key) && !isPlainObject(child) && !Array.isArray(child)) {
      if (child !== null && child !== undefined) attributes += ` ${key}="${escapeXml(String(child))}"`;
    } else {
      children += elementToXml(key, child);
    }
  }
  return `<${name}${attributes}>${text}${children}</${name}>`;
}

export function toIntuitXml(body: Obj): string {
  const { time, ...rest } = body;
  const timeAttr = typeof time === "string" ? ` time="${escapeXml(time)}"` : "";
  let inner = "";
  for (const [key, value] of Object.entries(rest)) inner += elementToXml(key, value);
  return (
    `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n` +
    `<IntuitResponse xmlns="http://schema.intuit.com/finance/v3"${timeAttr}>${inner}</IntuitResponse>`
  );
}
