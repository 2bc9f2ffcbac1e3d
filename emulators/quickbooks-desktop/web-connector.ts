/**
 * The QuickBooks Web Connector, as the Windows program behaves towards a web service: it posts SOAP 1.1 envelopes
 * (document/literal, namespace and SOAPAction prefix http://developer.intuit.com/) in the order
 * serverVersion → clientVersion → authenticate → (sendRequestXML → QuickBooks → receiveResponseXML)* →
 * closeConnection, calling getLastError after an empty request or a negative progress, and connectionError when
 * the company file cannot be opened. It runs the requests against an emulated company file, on a schedule.
 *
 * Faults for tests: a session cut off after QuickBooks ran a request but before its answer was posted, answers
 * posted twice (a retried call), a request asked for twice, a company file that will not open.
 */
import { QbdCompany, type QbdSeed } from "./company.js";
import { child, childrenNamed, el, parseXml } from "./xml.js";

export const QBWC_NAMESPACE = "http://developer.intuit.com/";
const SOAP_NS = "http://schemas.xmlsoap.org/soap/envelope/";
export const SIMULATED_CLIENT_VERSION = "2.3.0.215";

export interface WebConnectorOptions {
  /** The AppURL of the .qwc file, e.g. `http://127.0.0.1:3000/qbwc`. */
  url: string;
  username: string;
  password: string;
  company: QbdCompany;
  /** Path reported as the open company file. */
  companyFile?: string;
  clientVersion?: string;
  fetch?: typeof fetch;
  log?: (message: string) => void;
}

export interface SessionFaults {
  /** QuickBooks runs this many requests; the answer to the last one is never posted and the session just ends. */
  cutAfterRequests?: number;
  /** Every receiveResponseXML is posted twice, as when the Web Connector retries a call it believes failed. */
  duplicateResponses?: boolean;
  /**
   * For the first request of each of these types in the session, sendRequestXML is called a second time before
   * QuickBooks runs anything (a retried call whose first reply was lost); the second reply is what runs.
   */
  retrySendRequestFor?: string[];
  /** QuickBooks cannot open the company file: the Web Connector reports it through connectionError. */
  companyFileUnavailable?: boolean;
  /**
   * Requests of these types reach QuickBooks with a vertical tab in their first text (as from a service that let
   * one through): QuickBooks cannot parse them, and the Web Connector passes its hresult on.
   */
  malformRequestsOf?: string[];
  /**
   * What people do while the session runs (a bookkeeper in QuickBooks, a project manager in the web service): called
   * after each answer was posted and before the next request is asked for; the session waits for it.
   */
  betweenRequests?: (ran: { type: string; requests: number; progress: number }) => Promise<void> | void;
}

export interface SessionReport {
  /** authenticate's status: "" (work to do), "none", "nvu", "busy" or a company-file path; null when not reached. */
  authStatus: string | null;
  /** Requests QuickBooks ran in this session. */
  requests: number;
  /** The request types QuickBooks ran, in order. */
  requestTypes: string[];
  /**
   * Requests QuickBooks could not run at all (malformed, against the schema): the Web Connector passed the hresult
   * and message on through receiveResponseXML instead of a response.
   */
  refused: { type: string; hresult: string; message: string }[];
  lastProgress: number | null;
  /** What getLastError answered, when it was called. */
  lastError: string | null;
  closeMessage: string | null;
  /** The session ended without closeConnection (a fault, or the service could not be reached). */
  cut: boolean;
  /** A transport or SOAP fault that ended the session. */
  failure: string | null;
}

export class SoapFault extends Error {}

/** "CustomerAdd" for a request set whose first request is CustomerAddRq. */
function requestType(qbxml: string): string {
  return /<QBXMLMsgsRq[^>]*>\s*<(\w+)Rq\b/.exec(qbxml)?.[1] ?? "";
}

export class WebConnector {
  private readonly fetchImpl: typeof fetch;

  constructor(private readonly options: WebConnectorOptions) {
    this.fetchImpl = options.fetch ?? fetch;
  }

  get company(): QbdCompany {
    return this.options.company;
  }

  private log(message: string) {
    this.options.log?.(message);
  }

  /** One SOAP call; returns the `{method}Result` element. */
  async call(method: string, params: [string, string][]): Promise<ReturnType<typeof child>> {
    const body = el(
      method,
      params.map(([k, v]) => el(k, v)),
      { xmlns: QBWC_NAMESPACE },
    );
    const envelope =
      `<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="${SOAP_NS}" ` +
      `xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:xsd="http://www.w3.org/2001/XMLSchema">` +
      `<soap:Body>${body.xml}</soap:Body></soap:Envelope>`;
    const res = await this.fetchImpl(this.options.url, {
      method: "POST",
      headers: {
        "content-type": "text/xml; charset=utf-8",
        soapaction: `"${QBWC_NAMESPACE}${method}"`,
        "user-agent": "Mozilla/4.0 (compatible; MSIE 6.0; MS Web Services Client Protocol 4.0.30319.42000)",
      },
      body: envelope,
    });
    const text = await res.text();
    let root: ReturnType<typeof parseXml>;
    try {
      root = parseXml(text);
    } catch {
      throw new SoapFault(`${method}: HTTP ${res.status}, not a SOAP envelope`);
    }
    const soapBody = child(root, "Body");
    const fault = child(soapBody, "Fault");
    if (fault) throw new SoapFault(`${method}: ${child(fault, "faultstring")?.text ?? "SOAP fault"}`);
    if (!res.ok) throw new SoapFault(`${method}: HTTP ${res.status}`);
    return child(child(soapBody, `${method}Response`), `${method}Result`);
  }

  private async callText(method: string, params: [string, string][]): Promise<string> {
    return (await this.call(method, params))?.text ?? "";
  }

  /** One scheduled run of the Web Connector against the service. */
  async runSession(faults: SessionFaults = {}): Promise<SessionReport> {
    const report: SessionReport = {
      authStatus: null,
      requests: 0,
      requestTypes: [],
      refused: [],
      lastProgress: null,
      lastError: null,
      closeMessage: null,
      cut: false,
      failure: null,
    };
    let ticket = "";
    try {
      await this.callText("serverVersion", []);
      const cv = await this.callText("clientVersion", [
        ["strVersion", this.options.clientVersion ?? SIMULATED_CLIENT_VERSION],
      ]);
      if (cv.startsWith("E:") || cv.startsWith("O:")) {
        report.failure = `the service refused this Web Connector version: ${cv}`;
        report.cut = true;
        return report;
      }
      const auth = childrenNamed(
        await this.call("authenticate", [
          ["strUserName", this.options.username],
          ["strPassword", this.options.password],
        ]),
        "string",
      ).map((s) => s.text);
      ticket = auth[0] ?? "";
      const status = auth[1] ?? "";
      report.authStatus = status;
      if (status === "nvu") {
        this.log("Web Connector: the service did not accept the user name or password");
        return report;
      }
      if (status === "none" || status === "busy") {
        report.closeMessage = await this.callText("closeConnection", [["ticket", ticket]]);
        return report;
      }
      if (faults.companyFileUnavailable) {
        const next = await this.callText("connectionError", [
          ["ticket", ticket],
          ["hresult", "0x80040408"],
          ["message", "Could not start QuickBooks."],
        ]);
        this.log(`Web Connector: connectionError answered ${next}`);
        report.closeMessage = await this.callText("closeConnection", [["ticket", ticket]]);
        return report;
      }
      let first = true;
      const retried = new Set<string>();
      for (;;) {
        const sendParams: [string, string][] = [
          ["ticket", ticket],
          ["strHCPResponse", first ? this.company.hcpResponse() : ""],
          [
            "strCompanyFileName",
            this.options.companyFile ??
              "C:\\Users\\Public\\Documents\\Intuit\\QuickBooks\\Company Files\\company.qbw",
          ],
          ["qbXMLCountry", "US"],
          ["qbXMLMajorVers", "13"],
          ["qbXMLMinorVers", "0"],
        ];
        let request = await this.callText("sendRequestXML", sendParams);
        const firstType = requestType(request);
        if (faults.retrySendRequestFor?.includes(firstType) && !retried.has(firstType)) {
          retried.add(firstType);
          request = await this.callText("sendRequestXML", sendParams);
        }
        first = false;
        if (request === "") {
          report.lastError = await this.callText("getLastError", [["ticket", ticket]]);
          break;
        }
        const type = requestType(request);
        const handed = faults.malformRequestsOf?.includes(type)
          ? request.replace(/(<QBXMLMsgsRq[^>]*>.*?>)([^<])/, "$1\u000B$2")
          : request;
        const result = this.company.run(handed);
        report.requests += 1;
        report.requestTypes.push(type);
        this.log(`QuickBooks ran ${type}`);
        if (faults.cutAfterRequests !== undefined && report.requests >= faults.cutAfterRequests) {
          report.cut = true;
          return report;
        }
        if (!result.ok) {
          report.refused.push({ type, hresult: result.hresult, message: result.message });
          this.log(
            `QuickBooks could not run ${type || "the request"}: ${result.message} (${result.hresult})`,
          );
        }
        const receiveParams: [string, string][] = result.ok
          ? [
              ["ticket", ticket],
              ["response", result.response],
              ["hresult", ""],
              ["message", ""],
            ]
          : [
              ["ticket", ticket],
              ["response", ""],
              ["hresult", result.hresult],
              ["message", result.message],
            ];
        let progress = Number(await this.callText("receiveResponseXML", receiveParams));
        if (faults.duplicateResponses) {
          progress = Number(await this.callText("receiveResponseXML", receiveParams));
        }
        report.lastProgress = progress;
        if (!Number.isFinite(progress) || progress < 0) {
          report.lastError = await this.callText("getLastError", [["ticket", ticket]]);
          break;
        }
        if (progress >= 100) break;
        await faults.betweenRequests?.({ type, requests: report.requests, progress });
      }
      report.closeMessage = await this.callText("closeConnection", [["ticket", ticket]]);
      return report;
    } catch (e) {
      report.cut = true;
      report.failure = (e as Error).message;
      this.log(`Web Connector: ${report.failure}`);
      return report;
    }
  }
}

export interface WebConnectorSimulatorOptions {
  url: string;
  username: string;
  password: string;
  /** Milliseconds between the end of one run and the start of the next. */
  intervalMs: number;
  log?: (message: string) => void;
  /** The company file to run requests against; otherwise opened from `stateDir` (seeded with `seed` when new). */
  company?: QbdCompany;
  stateDir?: string;
  seed?: QbdSeed;
  fetch?: typeof fetch;
  /** Delay before the first run; by default one interval. */
  firstRunAfterMs?: number;
}

export interface RunningWebConnector {
  readonly company: QbdCompany;
  readonly connector: WebConnector;
  /** Runs a session now (after the current one, if one is running). */
  runNow(faults?: SessionFaults): Promise<SessionReport>;
  stop(): Promise<void>;
}

/** The Web Connector's scheduler: a session every `intervalMs`, never two at once, until stopped. */
export function startWebConnectorSimulator(options: WebConnectorSimulatorOptions): RunningWebConnector {
  const company =
    options.company ??
    new QbdCompany({
      ...(options.stateDir ? { stateDir: options.stateDir } : {}),
      ...(options.seed ? { seed: options.seed } : {}),
    });
  const connector = new WebConnector({
    url: options.url,
    username: options.username,
    password: options.password,
    company,
    ...(options.fetch ? { fetch: options.fetch } : {}),
    ...(options.log ? { log: options.log } : {}),
  });
  let chain: Promise<unknown> = Promise.resolve();
  let stopped = false;
  let timer: NodeJS.Timeout | null = null;

  const runNow = (faults?: SessionFaults): Promise<SessionReport> => {
    const next = chain.then(() => connector.runSession(faults));
    chain = next.catch(() => {});
    return next;
  };
  const schedule = (ms: number) => {
    if (stopped) return;
    timer = setTimeout(() => {
      timer = null;
      runNow()
        .then((r) => {
          if (r.requests > 0 || r.failure) {
            options.log?.(
              `Web Connector run: ${r.requests} request(s)${r.failure ? `, failed: ${r.failure}` : ""}${r.lastError ? `, ${r.lastError}` : ""}`,
            );
          }
        })
        .finally(() => schedule(options.intervalMs));
    }, ms);
    timer.unref?.();
  };
  schedule(options.firstRunAfterMs ?? options.intervalMs);
  return {
    company,
    connector,
    runNow,
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await chain;
    },
  };
}
