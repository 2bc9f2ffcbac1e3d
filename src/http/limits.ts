/**
 * What one request may cost before the product refuses it: body sizes per kind of route, the nesting a JSON body
 * may have, and how long a client may take to send a request. Every limit here is checked before the body is
 * turned into objects, so an oversized or pathological body costs a scan at most.
 */
import type { IncomingMessage } from "node:http";
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
  /** A QuickBooks Online webhook delivery: ids and timestamps of changed objects, a few KB at most in practice. */
  webhook: 256 * KiB,
  /** The demo's mounted QuickBooks Online emulator (an estimate of 5,000 lines as JSON). */
  emulator: 4 * MiB,
} as const;

/** Deeper JSON than any route's schema has (the deepest is 3) is refused before it is parsed. */
export const MAX_JSON_DEPTH = 32;

/**
 * More items (array elements and object members, counted by their commas) than any route takes: the most is a
 * budget change of 2,000 adjustments of two fields each. Refused before parsing, so a 1 MB array of `{}` costs a
 * scan, not 300,000 objects.
 */
export const MAX_JSON_ITEMS = 20_000;

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
 * Refuses JSON nested deeper than `maxDepth` (objects and arrays) or holding more than `maxItems` items, scanning
 * the text once without building anything. Brackets and commas inside strings do not count.
 */
export function checkJsonShape(text: string, maxDepth = MAX_JSON_DEPTH, maxItems = MAX_JSON_ITEMS): void {
  let depth = 0;
  let commas = 0;
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
    else if (c === 0x2c) {
      if (++commas >= maxItems) {
        throw new AppError("invalid_input", `The JSON body holds more than ${maxItems} items.`, {
          field: "body",
        });
      }
    } else if (c === 0x7b || c === 0x5b) {
      if (++depth > maxDepth) {
        throw new AppError("invalid_input", `The JSON body nests deeper than ${maxDepth} levels.`, {
          field: "body",
        });
      }
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
}

/**
 * Reads and throws away what is left of a refused request's body, for at most `maxMs`, before the answer goes out.
 * A client still sending when the product closed the connection would get a reset instead of the answer; the bytes
 * are discarded as they come, so this costs time on the wire, never memory.
 */
export async function discardUnreadBody(raw: IncomingMessage, maxMs = 5_000): Promise<void> {
  if (raw.complete || raw.readableEnded || raw.destroyed) return;
  await new Promise<void>((resolve) => {
    const done = () => {
      clearTimeout(timer);
      raw.off("end", done).off("close", done).off("error", done);
      resolve();
    };
    const timer = setTimeout(done, maxMs);
    raw.on("end", done).on("close", done).on("error", done);
    raw.resume();
  });
}
