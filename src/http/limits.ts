/**
 * What one request may cost before the product refuses it: body sizes per kind of route, the nesting a JSON body
 * may have, and how long a client may take to send a request. Every limit here is checked before the body is
 * turned into objects, so an oversized or pathological body costs a scan at most.
 */
import { AppError } from "../app/errors.js";

const KiB = 1024;
const MiB = 1024 * KiB;

export const BODY_LIMITS = {
  /** Every JSON route unless it says otherwise: sign-in, settings, names, one line. */
  default: 64 * KiB,
  /** Routes carrying long free text or many items: rejection reasons (100,000 characters), budget changes. */
  large: 1 * MiB,
  /** A budget import: 5,000 rows of cost code, category and amounts (an exported file is under 0.5 MB). */
  csv: 2 * MiB,
  /** A Web Connector call: a query answer for a large estimate is a few megabytes of qbXML, escaped. */
  qbwc: 8 * MiB,
  /** The demo's mounted QuickBooks Online emulator (an estimate of 5,000 lines as JSON). */
  emulator: 4 * MiB,
} as const;

/** Deeper JSON than any route's schema has (the deepest is 3) is refused before it is parsed. */
export const MAX_JSON_DEPTH = 32;

export interface HttpTimeouts {
  /** The whole request (headers and body) must arrive within this. */
  requestMs: number;
  /** The headers must arrive within this. */
  headersMs: number;
  /** A connection on which nothing moves for this long is closed. */
  idleMs: number;
  /** How often the server looks for requests over their time. */
  checkEveryMs: number;
}

/**
 * A Web Connector posting 8 MB needs only ~140 KB/s to finish in a minute; a browser's requests are far smaller.
 * Keep-alive stays at fastify's 72 s (longer than the usual load balancer's 60 s idle timeout).
 */
export const HTTP_TIMEOUTS: HttpTimeouts = {
  requestMs: 60_000,
  headersMs: 15_000,
  idleMs: 60_000,
  checkEveryMs: 2_000,
};

/**
 * Refuses JSON nested deeper than `max` (objects and arrays), scanning the text once without building anything.
 * Brackets inside strings do not count.
 */
export function checkJsonDepth(text: string, max = MAX_JSON_DEPTH): void {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // backslash: the next character is escaped
      else if (c === 0x22) inString = false;
      continue;
    }
    if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > max) {
        throw new AppError("invalid_input", `The JSON body nests deeper than ${max} levels.`, {
          field: "body",
        });
      }
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
}
