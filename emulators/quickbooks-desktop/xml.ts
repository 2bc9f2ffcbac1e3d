/**
 * A small order-preserving XML tree over fast-xml-parser, enough for qbXML and SOAP 1.1 envelopes. Namespace
 * prefixes are dropped (QuickBooks and the Web Connector use fixed namespaces); a DOCTYPE is refused outright, so
 * no entity declaration can ever be expanded.
 */
import { XMLParser, XMLValidator } from "fast-xml-parser";

export interface XmlNode {
  name: string;
  attrs: Record<string, string>;
  children: XmlNode[];
  /** The element's own text (its text nodes joined), entities decoded. */
  text: string;
}

const parser = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: "",
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: false,
  removeNSPrefix: true,
  processEntities: true,
  ignoreDeclaration: true,
  ignorePiTags: true,
});

export class XmlError extends Error {}

/** Characters XML 1.0 does not allow in a document: C0 controls but tab, LF and CR; U+FFFE, U+FFFF; lone surrogates. */
const FORBIDDEN_CHAR =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: these are the characters XML forbids
  /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
/** The same characters written as character references, which XML 1.0 does not allow either. */
const FORBIDDEN_CHAR_REFERENCE =
  /&#(x0*([0-8bBcCeEfF]|1[0-9a-fA-F]|[fF]{3}[eEfF])|0*([0-8]|1[1-2]|1[4-9]|2[0-9]|3[01]|6553[45]));/;

type Raw = Record<string, unknown>;

function toNode(raw: Raw): XmlNode | null {
  const name = Object.keys(raw).find((k) => k !== ":@" && k !== "#text");
  if (!name) return null;
  const attrs = (raw[":@"] as Record<string, string> | undefined) ?? {};
  const node: XmlNode = { name, attrs: { ...attrs }, children: [], text: "" };
  for (const item of (raw[name] as Raw[]) ?? []) {
    if ("#text" in item) node.text += String(item["#text"]);
    else {
      const child = toNode(item);
      if (child) node.children.push(child);
    }
  }
  return node;
}

/** The document element of `text`; throws XmlError on anything that is not one well-formed element. */
export function parseXml(text: string): XmlNode {
  if (/<!DOCTYPE/i.test(text)) throw new XmlError("a DOCTYPE is not accepted");
  // Strict as an XML 1.0 parser: the parser alone accepts a wrong closing tag or a cut-off document.
  const valid = XMLValidator.validate(text);
  if (valid !== true) throw new XmlError(`not well-formed XML: ${valid.err.msg} (line ${valid.err.line})`);
  if (FORBIDDEN_CHAR.test(text) || FORBIDDEN_CHAR_REFERENCE.test(text)) {
    throw new XmlError("a character XML 1.0 does not allow");
  }
  let raw: Raw[];
  try {
    raw = parser.parse(text) as Raw[];
  } catch (e) {
    throw new XmlError((e as Error).message);
  }
  const roots = raw.map(toNode).filter((n): n is XmlNode => n !== null);
  if (roots.length !== 1) throw new XmlError("expected exactly one document element");
  return roots[0]!;
}

export function child(node: XmlNode | undefined, name: string): XmlNode | undefined {
  return node?.children.find((c) => c.name === name);
}

export function childrenNamed(node: XmlNode | undefined, name: string): XmlNode[] {
  return node ? node.children.filter((c) => c.name === name) : [];
}

/** Trimmed text of the first child called `name`, or undefined when there is none. */
export function textOf(node: XmlNode | undefined, name: string): string | undefined {
  const c = child(node, name);
  return c === undefined ? undefined : c.text.trim();
}

export function escapeXml(value: string): string {
  return value
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&apos;");
}

/** `<name attrs>content</name>`; content arrays are joined, strings are escaped unless passed through `raw`. */
export function el(
  name: string,
  content: string | RawXml | (string | RawXml | null | undefined)[] | null | undefined,
  attrs: Record<string, string> = {},
): RawXml {
  const a = Object.entries(attrs)
    .map(([k, v]) => ` ${k}="${escapeXml(v)}"`)
    .join("");
  const parts = Array.isArray(content) ? content : [content];
  const body = parts
    .filter((p): p is string | RawXml => p !== null && p !== undefined)
    .map((p) => (p instanceof RawXml ? p.xml : escapeXml(p)))
    .join("");
  return new RawXml(`<${name}${a}>${body}</${name}>`);
}

/** Markup that is already XML and must not be escaped again. */
export class RawXml {
  constructor(readonly xml: string) {}
  toString(): string {
    return this.xml;
  }
}

export function raw(xml: string): RawXml {
  return new RawXml(xml);
}
