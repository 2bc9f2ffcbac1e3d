import { existsSync, readdirSync, statSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const WEB_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../web");

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return newest;
}

/** Builds the web UI when its build is missing or older than its sources; returns the dist folder. */
export async function ensureWebBuild(log: (m: string) => void): Promise<string | null> {
  const dist = path.join(WEB_ROOT, "dist");
  const index = path.join(dist, "index.html");
  if (!existsSync(path.join(WEB_ROOT, "index.html"))) return null;
  const sourcesAt = Math.max(
    newestMtime(path.join(WEB_ROOT, "src")),
    statSync(path.join(WEB_ROOT, "index.html")).mtimeMs,
  );
  if (existsSync(index) && statSync(index).mtimeMs >= sourcesAt) return dist;
  log("building the web UI…");
  const { build } = await import("vite");
  await build({ configFile: path.join(WEB_ROOT, "vite.config.ts"), logLevel: "warn" });
  return dist;
}
