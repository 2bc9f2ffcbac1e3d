/**
 * The Web Connector's SOAP 1.1 contract (document/literal, namespace http://developer.intuit.com/): reading the
 * calls it posts, writing the answers it expects, the WSDL, and the .qwc file that points it at us.
 */
import { child, el, escapeXml, parseXml, type XmlError } from "./xml.js";
import { checkXmlBounds, SOAP_ENVELOPE_BOUNDS, XmlTooLarge } from "./xml-bounds.js";

export const QBWC_NS = "http://developer.intuit.com/";
const SOAP_NS = "http://schemas.xmlsoap.org/soap/envelope/";

export const QBWC_METHODS = [
  "serverVersion",
  "clientVersion",
  "authenticate",
  "sendRequestXML",
  "receiveResponseXML",
  "connectionError",
  "getLastError",
  "closeConnection",
] as const;
export type QbwcMethod = (typeof QBWC_METHODS)[number];

export interface SoapCall {
  method: QbwcMethod;
  /** Parameter elements by name, text decoded ("" for an empty or absent element). */
  params: Record<string, string>;
}

export class SoapRequestError extends Error {}

/** An envelope bigger, wider or deeper than any Web Connector call: refused before it is parsed. */
export class SoapTooLarge extends SoapRequestError {}

/** Refuses an envelope past SOAP_ENVELOPE_BOUNDS with SoapTooLarge, by a scan that builds nothing. */
export function checkSoapEnvelopeBounds(body: string): void {
  try {
    checkXmlBounds(body, SOAP_ENVELOPE_BOUNDS);
  } catch (e) {
    if (!(e instanceof XmlTooLarge)) throw e;
    throw new SoapTooLarge(`The request is larger than a Web Connector call: ${e.message}.`);
  }
}

/** Reads a posted envelope: the operation is the Body's first element (SOAPAction only repeats it). */
export function parseSoapCall(body: string): SoapCall {
  checkSoapEnvelopeBounds(body);
  let root: ReturnType<typeof parseXml>;
  try {
    root = parseXml(body);
  } catch (e) {
    throw new SoapRequestError(`The request is not a SOAP envelope: ${(e as XmlError).message}`);
  }
  const soapBody = root.name === "Envelope" ? child(root, "Body") : undefined;
  const op = soapBody?.children[0];
  if (!op) throw new SoapRequestError("The request is not a SOAP envelope with a body.");
  if (!(QBWC_METHODS as readonly string[]).includes(op.name)) {
    throw new SoapRequestError(`Unknown operation ${op.name}.`);
  }
  const params: Record<string, string> = {};
  for (const p of op.children) params[p.name] = p.text;
  return { method: op.name as QbwcMethod, params };
}

function envelope(inner: string): string {
  return (
    `<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="${SOAP_NS}" ` +
    `xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:xsd="http://www.w3.org/2001/XMLSchema">` +
    `<soap:Body>${inner}</soap:Body></soap:Envelope>`
  );
}

/** `{method}Response/{method}Result`: a string, an int, or (authenticate) an ArrayOfString. */
export function soapResult(method: QbwcMethod, result: string | number | string[]): string {
  const value = Array.isArray(result)
    ? result.map((s) => el("string", s).xml).join("")
    : escapeXml(String(result));
  return envelope(
    `<${method}Response xmlns="${QBWC_NS}"><${method}Result>${value}</${method}Result></${method}Response>`,
  );
}

export function soapFault(faultcode: "soap:Client" | "soap:Server", message: string): string {
  return envelope(
    `<soap:Fault><faultcode>${faultcode}</faultcode><faultstring>${escapeXml(message)}</faultstring></soap:Fault>`,
  );
}

const PARAMS: Record<
  QbwcMethod,
  { params: [string, "string" | "int"][]; result: "string" | "int" | "ArrayOfString" }
> = {
  serverVersion: { params: [], result: "string" },
  clientVersion: { params: [["strVersion", "string"]], result: "string" },
  authenticate: {
    params: [
      ["strUserName", "string"],
      ["strPassword", "string"],
    ],
    result: "ArrayOfString",
  },
  sendRequestXML: {
    params: [
      ["ticket", "string"],
      ["strHCPResponse", "string"],
      ["strCompanyFileName", "string"],
      ["qbXMLCountry", "string"],
      ["qbXMLMajorVers", "int"],
      ["qbXMLMinorVers", "int"],
    ],
    result: "string",
  },
  receiveResponseXML: {
    params: [
      ["ticket", "string"],
      ["response", "string"],
      ["hresult", "string"],
      ["message", "string"],
    ],
    result: "int",
  },
  connectionError: {
    params: [
      ["ticket", "string"],
      ["hresult", "string"],
      ["message", "string"],
    ],
    result: "string",
  },
  getLastError: { params: [["ticket", "string"]], result: "string" },
  closeConnection: { params: [["ticket", "string"]], result: "string" },
};

/** The WSDL the Web Connector (and any SOAP tool) can read at `GET /qbwc?wsdl`. */
export function qbwcWsdl(serviceUrl: string): string {
  const elements = QBWC_METHODS.map((m) => {
    const spec = PARAMS[m];
    const inParams = spec.params
      .map(
        ([name, type]) =>
          `<s:element minOccurs="${type === "int" ? 1 : 0}" maxOccurs="1" name="${name}" type="s:${type}"/>`,
      )
      .join("");
    const resultType = spec.result === "ArrayOfString" ? "tns:ArrayOfString" : `s:${spec.result}`;
    const minOccurs = spec.result === "int" ? 1 : 0;
    return (
      `<s:element name="${m}"><s:complexType>${inParams ? `<s:sequence>${inParams}</s:sequence>` : ""}</s:complexType></s:element>` +
      `<s:element name="${m}Response"><s:complexType><s:sequence><s:element minOccurs="${minOccurs}" maxOccurs="1" name="${m}Result" type="${resultType}"/></s:sequence></s:complexType></s:element>`
    );
  }).join("");
  const messages = QBWC_METHODS.map(
    (m) =>
      `<wsdl:message name="${m}SoapIn"><wsdl:part name="parameters" element="tns:${m}"/></wsdl:message>` +
      `<wsdl:message name="${m}SoapOut"><wsdl:part name="parameters" element="tns:${m}Response"/></wsdl:message>`,
  ).join("");
  const portOps = QBWC_METHODS.map(
    (m) =>
      `<wsdl:operation name="${m}"><wsdl:input message="tns:${m}SoapIn"/><wsdl:output message="tns:${m}SoapOut"/></wsdl:operation>`,
  ).join("");
  const bindingOps = QBWC_METHODS.map(
    (m) =>
      `<wsdl:operation name="${m}"><soap:operation soapAction="${QBWC_NS}${m}" style="document"/>` +
      `<wsdl:input><soap:body use="literal"/></wsdl:input><wsdl:output><soap:body use="literal"/></wsdl:output></wsdl:operation>`,
  ).join("");
  return (
    `<?xml version="1.0" encoding="utf-8"?>` +
    `<wsdl:definitions xmlns:soap="http://schemas.xmlsoap.org/wsdl/soap/" xmlns:s="http://www.w3.org/2001/XMLSchema" ` +
    `xmlns:tns="${QBWC_NS}" xmlns:wsdl="http://schemas.xmlsoap.org/wsdl/" targetNamespace="${QBWC_NS}">` +
    `<wsdl:types><s:schema elementFormDefault="qualified" targetNamespace="${QBWC_NS}">${elements}` +
    `<s:complexType name="ArrayOfString"><s:sequence><s:element minOccurs="0" maxOccurs="unbounded" name="string" nillable="true" type="s:string"/></s:sequence></s:complexType>` +
    `</s:schema></wsdl:types>${messages}` +
    `<wsdl:portType name="QBWebConnectorSvcSoap">${portOps}</wsdl:portType>` +
    `<wsdl:binding name="QBWebConnectorSvcSoap" type="tns:QBWebConnectorSvcSoap"><soap:binding transport="http://schemas.xmlsoap.org/soap/http"/>${bindingOps}</wsdl:binding>` +
    `<wsdl:service name="QBWebConnectorSvc"><wsdl:port name="QBWebConnectorSvcSoap" binding="tns:QBWebConnectorSvcSoap">` +
    `<soap:address location="${escapeXml(serviceUrl)}"/></wsdl:port></wsdl:service></wsdl:definitions>`
  );
}

export interface QwcFile {
  appName: string;
  appUrl: string;
  appSupport: string;
  appDescription: string;
  username: string;
  /** GUIDs in braces: OwnerID names our application, FileID the company file it is tied to. */
  ownerId: string;
  fileId: string;
  runEveryMinutes: number;
}

/** The .qwc file a QuickBooks admin opens in the Web Connector to add us (the password is typed in there). */
export function buildQwc(q: QwcFile): string {
  return (
    `<?xml version="1.0"?>\n` +
    el("QBWCXML", [
      el("AppName", q.appName),
      el("AppID", ""),
      el("AppURL", q.appUrl),
      el("AppDescription", q.appDescription),
      el("AppSupport", q.appSupport),
      el("UserName", q.username),
      el("OwnerID", q.ownerId),
      el("FileID", q.fileId),
      el("QBType", "QBFS"),
      el("Scheduler", el("RunEveryNMinutes", String(q.runEveryMinutes))),
      el("IsReadOnly", "false"),
    ]).xml +
    "\n"
  );
}

/** A stable GUID in braces from a seed (the same company always gets the same FileID). */
export function guidFrom(hex: string): string {
  const h = hex.padEnd(32, "0").slice(0, 32).toUpperCase();
  return `{${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}}`;
}
