import { describe, expect, it } from "vitest";
import { parseXml, XmlError } from "./xml.js";

describe("parseXml", () => {
  it("reads a well-formed envelope, namespace prefixes dropped", () => {
    const root = parseXml(
      '<?xml version="1.0"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><a>1 &amp; 2</a></soap:Body></soap:Envelope>',
    );
    expect(root.name).toBe("Envelope");
    expect(root.children[0]?.children[0]?.text).toBe("1 & 2");
  });

  it("refuses a document with a wrong closing tag or cut off midway", () => {
    expect(() =>
      parseXml("<authenticate><strUserName>u</strUserName><strPassword>p</strUser></authenticate>"),
    ).toThrow(XmlError);
    expect(() => parseXml("<authenticate><strUserName>u</strUserName><strPassword>p")).toThrow(XmlError);
  });

  it("refuses a DOCTYPE, so no entity can be declared", () => {
    expect(() => parseXml('<!DOCTYPE x [<!ENTITY e "boom">]><x>&e;</x>')).toThrow(/DOCTYPE/);
  });
});
