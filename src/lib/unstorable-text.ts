// Text PostgreSQL cannot store: NUL, and a UTF-16 half without its partner. JSON can carry both as escapes, and
// they would otherwise fail deep inside a write (a 500, after earlier statements of the request ran).
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding NUL is the point
const UNSTORABLE = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** The path of the first string (or object key) in `value` that cannot be stored, or null. */
export function findUnstorableText(value: unknown, path = "", depth = 0): string | null {
  if (typeof value === "string") return UNSTORABLE.test(value) ? path : null;
  if (value === null || typeof value !== "object" || depth > 64) return null;
  for (const [k, v] of Object.entries(value)) {
    const here = path ? `${path}.${k}` : k;
    if (UNSTORABLE.test(k)) return here;
    const found = findUnstorableText(v, here, depth + 1);
    if (found !== null) return found;
  }
  return null;
}
