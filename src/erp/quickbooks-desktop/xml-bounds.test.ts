import { describe, expect, it } from "vitest";
import { parseSoapCall, SoapTooLarge } from "./soap.js";
import { parseXml, XmlError } from "./xml.js";
import { checkXmlBounds, XmlTooLarge } from "./xml-bounds.js";

const bounds = { maxLength: 10_000, maxElements: 5, maxDepth: 3 };

describe("checkXmlBounds", () => {
  it("counts start tags and empty elements, not end tags, comments, CDATA or declarations", () => {
    const xml =
      '<?xml version="1.0"?><!-- <x><x><x> --><a><b/><c><![CDATA[<y><y><y><y>]]></c><d x="1>2"/><e/></a>';
    expect(() => checkXmlBounds(xml, bounds)).not.toThrow();
    expect(() => checkXmlBounds(`${xml.slice(0, -4)}<f/></a>`, bounds)).toThrow(/more than 5 elements/);
  });

  it("tracks nesting: siblings do not add depth, a fourth level does", () => {
    expect(() =>
      checkXmlBounds("<a><b><c></c><c/></b><b><c/></b></a>", { ...bounds, maxElements: 99 }),
    ).not.toThrow();
    expect(() => checkXmlBounds("<a><b><c><d/></c></b></a>", bounds)).not.toThrow();
    expect(() => checkXmlBounds("<a><b><c><d></d></c></b></a>", bounds)).toThrow(/deeper than 3/);
  });

  it("refuses a document over the length before looking at it", () => {
    expect(() => checkXmlBounds(`<a>${"x".repeat(10_000)}</a>`, bounds)).toThrow(XmlTooLarge);
  });

  it("stops at the first limit: a million empty elements cost a few hundred tags of scanning", () => {
    const xml = `<a>${"<b/>".repeat(1_000_000)}</a>`;
    expect(() => checkXmlBounds(xml, { maxLength: 8_000_000, maxElements: 256, maxDepth: 16 })).toThrow(
      /more than 256 elements/,
    );
  });

  it("leaves what never ends to the well-formedness check", () => {
    expect(() => checkXmlBounds('<a x="unclosed', bounds)).not.toThrow();
    expect(() => parseXml('<a x="unclosed')).toThrow(XmlError);
  });
});

describe("bounded parsing", () => {
  it("refuses a SOAP envelope wider than a Web Connector call as SoapTooLarge", () => {
    const envelope =
      '<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><authenticate>' +
      `${"<a/>".repeat(300)}</authenticate></soap:Body></soap:Envelope>`;
    expect(() => parseSoapCall(envelope)).toThrow(SoapTooLarge);
  });

  it("refuses a qbXML document nested deeper than qbXML goes, as XmlError", () => {
    expect(() => parseXml(`${"<a>".repeat(100)}${"</a>".repeat(100)}`)).toThrow(/deeper than 64/);
  });
});
