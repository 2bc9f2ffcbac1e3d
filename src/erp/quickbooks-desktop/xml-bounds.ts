/**
 * A cheap look at incoming XML before any parser builds a tree of it: one pass over the text that counts elements
 * and tracks nesting, and stops at the first limit passed. Comments, CDATA sections and processing instructions are
 * skipped whole (a `<` inside them is not an element); a quoted attribute value may hold `>`.
 */
export interface XmlBounds {
  /** Characters of the whole document. */
  maxLength: number;
  /** Start tags (an empty element `<a/>` counts as one). */
  maxElements: number;
  /** How deep elements may nest (the document element is depth 1). */
  maxDepth: number;
}

/** A SOAP 1.1 envelope of a Web Connector call: Envelope, Body, the operation and at most six parameters. */
export const SOAP_ENVELOPE_BOUNDS: XmlBounds = { maxLength: 8 * 1024 * 1024, maxElements: 256, maxDepth: 16 };

/**
 * A qbXML document QuickBooks answers with: an estimate of 5,000 lines is about 75,000 elements, a list of
 * 10,000 items about 200,000; qbXML nests a few levels deep.
 */
export const QBXML_BOUNDS: XmlBounds = { maxLength: 16 * 1024 * 1024, maxElements: 300_000, maxDepth: 64 };

export class XmlTooLarge extends Error {}

/** Throws XmlTooLarge naming the first limit `text` passes; stops scanning right there. */
export function checkXmlBounds(text: string, bounds: XmlBounds): void {
  if (text.length > bounds.maxLength) {
    throw new XmlTooLarge(`the document is longer than ${bounds.maxLength} characters`);
  }
  let elements = 0;
  let depth = 0;
  let i = text.indexOf("<");
  while (i !== -1 && i < text.length) {
    const next = text.charCodeAt(i + 1);
    let end: number;
    if (next === 0x2f /* / */) {
      depth--;
      end = text.indexOf(">", i + 2);
    } else if (next === 0x3f /* ? */) {
      end = text.indexOf("?>", i + 2);
      if (end !== -1) end++;
    } else if (next === 0x21 /* ! */) {
      if (text.startsWith("<!--", i)) {
        end = text.indexOf("-->", i + 4);
        if (end !== -1) end += 2;
      } else if (text.startsWith("<![CDATA[", i)) {
        end = text.indexOf("]]>", i + 9);
        if (end !== -1) end += 2;
      } else {
        end = text.indexOf(">", i + 2);
      }
    } else {
      if (++elements > bounds.maxElements) {
        throw new XmlTooLarge(`the document has more than ${bounds.maxElements} elements`);
      }
      end = tagEnd(text, i + 1);
      const selfClosing = end !== -1 && text.charCodeAt(end - 1) === 0x2f;
      if (!selfClosing && ++depth > bounds.maxDepth) {
        throw new XmlTooLarge(`elements nest deeper than ${bounds.maxDepth} levels`);
      }
    }
    // A construct that never ends is the parser's to report (not well-formed); nothing more to count.
    if (end === -1) return;
    i = text.indexOf("<", end + 1);
  }
}

/** The `>` closing a start tag that begins at `from`, skipping quoted attribute values; -1 when there is none. */
function tagEnd(text: string, from: number): number {
  let quote = 0;
  for (let j = from; j < text.length; j++) {
    const c = text.charCodeAt(j);
    if (quote) {
      if (c === quote) quote = 0;
    } else if (c === 0x22 || c === 0x27) quote = c;
    else if (c === 0x3e) return j;
  }
  return -1;
}
