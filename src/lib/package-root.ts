import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

let found: string | null = null;

/**
 * The folder holding Costbridge's package.json (a clone, or the installed package), where `migrations/` and
 * `web/` live. Found by walking up from this module, so the TypeScript sources (`src/…`) and the compiled build
 * (`dist/src/…`) agree.
 */
export function packageRoot(): string {
  if (found) return found;
  const start = path.dirname(fileURLToPath(import.meta.url));
  for (let dir = start; ; dir = path.dirname(dir)) {
    const manifest = path.join(dir, "package.json");
    if (
      existsSync(manifest) &&
      (JSON.parse(readFileSync(manifest, "utf8")) as { name?: string }).name === "costbridge"
    ) {
      found = dir;
      return dir;
    }
    if (path.dirname(dir) === dir) throw new Error(`no costbridge package.json above ${start}`);
  }
}

/** True when this process runs the compiled build rather than the TypeScript sources. */
export function runsCompiled(): boolean {
  return import.meta.url.endsWith(".js");
}
