/**
 * /qbwc driven with raw SOAP 1.1 envelopes, byte for byte as the Web Connector posts them, plus the QuickBooks
 * Desktop connection routes (password, .qwc file) and the budget's send prerequisites for a Desktop company.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, type TestApp } from "../../../../test/support/app.js";
import { makeUser } from "../../../../test/support/factories.js";
import { makeLockedBudget, type QbdCompanySetup, setUpQbdCompany } from "../../../../test/support/qbd.js";
import { createQbdConnector } from "../../../app/erp/qbd/connector.js";
import { parseXml } from "../../../erp/quickbooks-desktop/xml.js";

let t: TestApp;
let offsetMs = 0;

beforeAll(async () => {
  t = await createTestApp({ now: () => new Date(Date.now() + offsetMs) });
});
afterAll(async () => {
  await t?.close();
});

const ENVELOPE_HEAD =
  '<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" ' +
  'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:xsd="http://www.w3.org/2001/XMLSchema"><soap:Body>';
const ENVELOPE_TAIL = "</soap:Body></soap:Envelope>";

function esc(s: string) {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

async function soap(method: string, inner: string, remoteAddress?: string) {
  const res = await t.app.inject({
    method: "POST",
    url: "/qbwc",
    ...(remoteAddress ? { remoteAddress } : {}),
    headers: {
      "content-type": "text/xml; charset=utf-8",
      soapaction: `"http://developer.intuit.com/${method}"`,
      "user-agent": "Mozilla/4.0 (compatible; MSIE 6.0; MS Web Services Client Protocol 4.0.30319.42000)",
    },
    payload: `${ENVELOPE_HEAD}<${method} xmlns="http://developer.intuit.com/">${inner}</${method}>${ENVELOPE_TAIL}`,
  });
  return res;
}

/** The text of `{method}Result`, or its `string` children for authenticate. */
async function call(method: string, inner: string, remoteAddress?: string): Promise<string | string[]> {
  const res = await soap(method, inner, remoteAddress);
  expect(res.statusCode).toBe(200);
  expect(res.headers["content-type"]).toContain("text/xml");
  const root = parseXml(res.body);
  const result = root.children[0]!.children[0]!.children[0]!;
  expect(result.name).toBe(`${method}Result`);
  return result.children.length ? result.children.map((c) => c.text) : result.text;
}

const authenticate = (user: string, password: string, remoteAddress?: string) =>
  call(
    "authenticate",
    `<strUserName>${esc(user)}</strUserName><strPassword>${esc(password)}</strPassword>`,
    remoteAddress,
  ) as Promise<string[]>;

describe("the Web Connector SOAP service", () => {
  let c: QbdCompanySetup;
  beforeAll(async () => {
    c = await setUpQbdCompany(t);
  });

  it("serves its WSDL with the eight operations", async () => {
    const res = await t.app.inject({ method: "GET", url: "/qbwc?wsdl" });
    expect(res.statusCode).toBe(200);
    expect(res.headers["content-type"]).toContain("text/xml");
    for (const op of [
      "serverVersion",
      "clientVersion",
      "authenticate",
      "sendRequestXML",
      "receiveResponseXML",
      "connectionError",
      "getLastError",
      "closeConnection",
    ]) {
      expect(res.body).toContain(`soapAction="http://developer.intuit.com/${op}"`);
    }
    expect(res.body).toContain('<soap:address location="http://costbridge.test/qbwc"/>');
  });

  it("answers serverVersion and accepts the client version", async () => {
    expect(await call("serverVersion", "")).toMatch(/Costbridge/);
    expect(await call("clientVersion", "<strVersion>2.3.0.215</strVersion>")).toBe("");
  });

  it("answers nvu to a wrong password or an unknown user, and none when nothing waits", async () => {
    expect(await authenticate(c.username, "not-the-password")).toEqual(["", "nvu"]);
    expect(await authenticate("nobody-qbwc", c.password)).toEqual(["", "nvu"]);
    const [ticket, status] = await authenticate(c.username, c.password);
    expect(status).toBe("none");
    expect(ticket).toMatch(/\S{20,}/);
    expect(await call("closeConnection", `<ticket>${ticket}</ticket>`)).toMatch(/0 requests processed/);
  });

  it("stops checking passwords from an address after ten failures in a minute, even for a concurrent burst", async () => {
    const other = await setUpQbdCompany(t);
    const attacker = "203.0.113.9";
    const burst = await Promise.all(
      Array.from({ length: 25 }, (_, i) => authenticate(other.username, `guess-${i}`, attacker)),
    );
    expect(burst.every((r) => r[1] === "nvu")).toBe(true);
    const checked = await t.ctx.db
      .selectFrom("sign_in_failures")
      .select((eb) => eb.fn.countAll<string>().as("n"))
      .where("key", "=", `qbwc-address:${attacker}`)
      .executeTakeFirstOrThrow();
    expect(Number(checked.n)).toBe(10);
    // The attacker's address is refused even with the right password; the Web Connector's own is not.
    expect(await authenticate(other.username, other.password, attacker)).toEqual(["", "nvu"]);
    expect((await authenticate(other.username, other.password))[1]).toBe("none");
    offsetMs = 61_000;
    try {
      expect((await authenticate(other.username, other.password, attacker))[1]).toBe("none");
    } finally {
      offsetMs = 0;
    }
  });

  it("hands out the queued plan one qbXML request at a time and takes the answers back", async () => {
    const budget = await makeLockedBudget(t, c, { number: "R-1", name: "Raw Envelope Depot" }, [
      ["02-200", "L", "1000.00"],
    ]);
    const { sendToErp } = await import("../../../app/budget/send-budget.js");
    const sent = await sendToErp(
      t.ctx,
      { userId: c.admin.id },
      { companyId: c.companyId, projectId: budget.projectId },
    );
    const accept = await t.app.inject({
      method: "POST",
      url: `/api/v1/companies/${c.companyId}/erp/budget-submissions/${sent.id}/accept`,
      headers: c.approver.auth,
    });
    expect(accept.statusCode).toBe(202);
    // The export job's first run (no worker here): it queues the plan.
    const queued = await createQbdConnector(t.ctx).exportEstimate({
      companyId: c.companyId,
      submissionId: sent.id,
      attempt: 1,
      project: { number: "R-1", name: "Raw Envelope Depot", parentCustomerName: "Builders Jobs" },
      lines: [
        {
          costCode: "02-200",
          costCodeDescription: "Site Preparation",
          category: "L",
          categoryName: "Labor",
          revisedEstimate: 100000n,
        },
      ],
      createMissingItems: true,
      estimateMode: "update_in_place",
      previous: null,
      overwriteChangedInErp: false,
      useClasses: false,
    });
    expect(queued).toMatchObject({ kind: "waiting" });

    const [ticket, status] = await authenticate(c.username, c.password);
    expect(status).toBe("");
    const send = (hcp = "") =>
      call(
        "sendRequestXML",
        `<ticket>${ticket}</ticket><strHCPResponse>${esc(hcp)}</strHCPResponse>` +
          "<strCompanyFileName>C:\\Company Files\\zenith.qbw</strCompanyFileName><qbXMLCountry>US</qbXMLCountry>" +
          "<qbXMLMajorVers>13</qbXMLMajorVers><qbXMLMinorVers>0</qbXMLMinorVers>",
      ) as Promise<string>;
    const first = await send(
      '<?xml version="1.0" ?><QBXML><QBXMLMsgsRs><HostQueryRs statusCode="0"/></QBXMLMsgsRs></QBXML>',
    );
    expect(first).toMatch(
      /^<\?xml version="1.0" encoding="utf-8"\?><\?qbxml version="13.0"\?><QBXML><QBXMLMsgsRq onError="stopOnError"><CustomerQueryRq requestID="[^"]+"><FullName>Builders Jobs<\/FullName><\/CustomerQueryRq>/,
    );
    const requestId = /requestID="([^"]+)"/.exec(first)![1]!;

    const answer =
      `<?xml version="1.0" ?><QBXML><QBXMLMsgsRs><CustomerQueryRs requestID="${requestId}" statusCode="0" statusSeverity="Info" statusMessage="Status OK">` +
      "<CustomerRet><ListID>80000001-1700000000</ListID><EditSequence>1700000000</EditSequence><Name>Builders Jobs</Name>" +
      "<FullName>Builders Jobs</FullName><IsActive>true</IsActive><Sublevel>0</Sublevel></CustomerRet></CustomerQueryRs></QBXMLMsgsRs></QBXML>";
    const receive = (response: string, hresult = "", message = "") =>
      call(
        "receiveResponseXML",
        `<ticket>${ticket}</ticket><response>${esc(response)}</response><hresult>${hresult}</hresult><message>${esc(message)}</message>`,
      );
    const progress = Number(await receive(answer));
    expect(progress).toBeGreaterThan(0);
    expect(progress).toBeLessThan(100);
    // The same answer posted again (a retried call) changes nothing.
    expect(Number(await receive(answer))).toBe(progress);

    const second = await send();
    expect(second).toContain("<CustomerQueryRq");
    expect(second).toContain("<FullName>Builders Jobs:Raw Envelope Depot</FullName>");

    // QuickBooks could not run it: negative progress, getLastError says why, the panel shows it.
    expect(Number(await receive("", "0x80040408", "Could not start QuickBooks."))).toBeLessThan(0);
    expect(await call("getLastError", `<ticket>${ticket}</ticket>`)).toContain("Could not start QuickBooks.");
    const panel = await t.app.inject({
      method: "GET",
      url: `/api/v1/companies/${c.companyId}/erp/connection`,
      headers: c.admin.auth,
    });
    expect(panel.json().details.lastError).toContain("0x80040408");
    expect(panel.json().details.lastPollAt).not.toBeNull();
    expect(await call("closeConnection", `<ticket>${ticket}</ticket>`)).toMatch(/Costbridge/);

    // The unanswered job look-up is asked again in the next session; a closed ticket gets nothing.
    expect(await send()).toBe("");
    const [ticket2] = await authenticate(c.username, c.password);
    const again = (await call(
      "sendRequestXML",
      `<ticket>${ticket2}</ticket><strHCPResponse></strHCPResponse><strCompanyFileName></strCompanyFileName>` +
        "<qbXMLCountry>US</qbXMLCountry><qbXMLMajorVers>13</qbXMLMajorVers><qbXMLMinorVers>0</qbXMLMinorVers>",
    )) as string;
    expect(again).toContain("<FullName>Builders Jobs:Raw Envelope Depot</FullName>");
    expect(again).not.toContain(/requestID="([^"]+)"/.exec(second)![1]!);

    // QuickBooks cannot parse a request: that export fails alone and the session is not ended (progress >= 0).
    const parsed = await call(
      "receiveResponseXML",
      `<ticket>${ticket2}</ticket><response></response><hresult>0x80040400</hresult>` +
        "<message>QuickBooks found an error when parsing the provided XML text stream.</message>",
    );
    expect(Number(parsed)).toBe(100);
    const plan = await t.ctx.db
      .selectFrom("qbwc_plans")
      .select(["status", "outcome"])
      .where("company_id", "=", c.companyId)
      .executeTakeFirstOrThrow();
    expect(plan).toMatchObject({
      status: "rejected",
      outcome: { kind: "rejected", code: "quickbooks_could_not_read_request" },
    });
    expect(
      await call(
        "sendRequestXML",
        `<ticket>${ticket2}</ticket><strHCPResponse></strHCPResponse><strCompanyFileName></strCompanyFileName>` +
          "<qbXMLCountry>US</qbXMLCountry><qbXMLMajorVers>13</qbXMLMajorVers><qbXMLMinorVers>0</qbXMLMinorVers>",
      ),
    ).toBe("");
  });

  it("expires tickets after 30 idle minutes", async () => {
    const [ticket] = await authenticate(c.username, c.password);
    offsetMs = 31 * 60_000;
    try {
      const req =
        `<ticket>${ticket}</ticket><strHCPResponse></strHCPResponse><strCompanyFileName></strCompanyFileName>` +
        "<qbXMLCountry>US</qbXMLCountry><qbXMLMajorVers>13</qbXMLMajorVers><qbXMLMinorVers>0</qbXMLMinorVers>";
      expect(await call("sendRequestXML", req)).toBe("");
      expect(await call("getLastError", `<ticket>${ticket}</ticket>`)).toMatch(/expired/);
      expect(
        Number(
          await call(
            "receiveResponseXML",
            `<ticket>${ticket}</ticket><response></response><hresult></hresult><message></message>`,
          ),
        ),
      ).toBeLessThan(0);
    } finally {
      offsetMs = 0;
    }
  });

  it("records a company file the Web Connector cannot open", async () => {
    const other = await setUpQbdCompany(t);
    const [ticket] = await authenticate(other.username, other.password);
    expect(
      await call(
        "connectionError",
        `<ticket>${ticket}</ticket><hresult>0x80040408</hresult><message>Could not start QuickBooks.</message>`,
      ),
    ).toBe("done");
    const panel = await t.app.inject({
      method: "GET",
      url: `/api/v1/companies/${other.companyId}/erp/connection`,
      headers: other.admin.auth,
    });
    expect(panel.json().details.lastError).toMatch(/could not open the QuickBooks company file/);
  });

  it("answers a SOAP fault to what is not a Web Connector call", async () => {
    const bad = await t.app.inject({
      method: "POST",
      url: "/qbwc",
      headers: { "content-type": "text/xml" },
      payload: "<not-soap/>",
    });
    expect(bad.statusCode).toBe(500);
    expect(bad.body).toContain("<faultcode>soap:Client</faultcode>");
    const unknown = await soap("dropTables", "<x>1</x>");
    expect(unknown.statusCode).toBe(500);
    expect(unknown.body).toContain("Unknown operation dropTables");
    const entity = await t.app.inject({
      method: "POST",
      url: "/qbwc",
      headers: { "content-type": "text/xml" },
      payload:
        '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><serverVersion xmlns="http://developer.intuit.com/"/></soap:Body></soap:Envelope>',
    });
    expect(entity.statusCode).toBe(500);
    expect(entity.body).toContain("DOCTYPE");
  });
});

describe("QuickBooks Desktop connection routes", () => {
  it("sets a new password (shown once, hashed at rest) and serves the .qwc file, to ERP admins only", async () => {
    const c = await setUpQbdCompany(t);
    const row = await t.ctx.db
      .selectFrom("erp_connections")
      .select(["type", "status", "qbwc_username", "qbwc_password_hash"])
      .where("company_id", "=", c.companyId)
      .executeTakeFirstOrThrow();
    expect(row).toMatchObject({ type: "quickbooks_desktop", status: "connected", qbwc_username: c.username });
    expect(row.qbwc_password_hash).toMatch(/^scrypt\$/);
    expect(row.qbwc_password_hash).not.toContain(c.password);

    const qwc = await t.app.inject({
      method: "GET",
      url: `/api/v1/companies/${c.companyId}/erp/connection/quickbooks-desktop/qwc`,
      headers: c.admin.auth,
    });
    expect(qwc.statusCode).toBe(200);
    expect(qwc.headers["content-type"]).toContain("application/xml");
    expect(qwc.headers["content-disposition"]).toMatch(/attachment; filename="costbridge-.*\.qwc"/);
    const file = parseXml(qwc.body);
    const field = (name: string) => file.children.find((n) => n.name === name)?.text;
    expect(file.name).toBe("QBWCXML");
    expect(field("AppURL")).toBe("http://costbridge.test/qbwc");
    expect(field("UserName")).toBe(c.username);
    expect(field("QBType")).toBe("QBFS");
    expect(field("FileID")).toMatch(/^\{[0-9A-F-]{36}\}$/);

    // A new password replaces the old one: the old one now gets nvu.
    const again = await t.app.inject({
      method: "POST",
      url: `/api/v1/companies/${c.companyId}/erp/connection/quickbooks-desktop/password`,
      headers: c.admin.auth,
    });
    const fresh = again.json() as { username: string; password: string };
    expect(fresh.username).toBe(c.username);
    expect(fresh.password).not.toBe(c.password);
    expect(await authenticate(c.username, c.password)).toEqual(["", "nvu"]);
    expect((await authenticate(c.username, fresh.password))[1]).toBe("none");

    const viewer = await makeUser(t.ctx, c.companyId, {
      erpIntegrations: "standard",
      canPushToAccounting: true,
    });
    for (const req of [
      {
        method: "POST" as const,
        url: `/api/v1/companies/${c.companyId}/erp/connection/quickbooks-desktop/password`,
      },
      {
        method: "GET" as const,
        url: `/api/v1/companies/${c.companyId}/erp/connection/quickbooks-desktop/qwc`,
      },
    ]) {
      const res = await t.app.inject({ ...req, headers: viewer.auth });
      expect(res.statusCode).toBe(403);
    }
  });

  it("reports QuickBooks Desktop's 41-character job name limit before a budget can be sent", async () => {
    const c = await setUpQbdCompany(t);
    const name = "Riverside Community Health Clinic Phase II"; // 42 characters
    const budget = await makeLockedBudget(t, c, { number: "L-42", name }, [["02-200", "L", "500.00"]]);
    const res = await t.app.inject({
      method: "GET",
      url: `/api/v1/companies/${c.companyId}/projects/${budget.projectId}/budget`,
      headers: c.admin.auth,
    });
    const send = res.json().actions.send as {
      allowed: boolean;
      reasons: { code: string; message: string }[];
    };
    expect(send.allowed).toBe(false);
    expect(send.reasons).toContainEqual({
      code: "name_too_long",
      message: "The project name has 42 characters; QuickBooks Desktop allows 41 characters for a job name.",
    });
  });
});
