import { spawn } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { packageRoot, runsCompiled } from "../lib/package-root.js";

const WEB_ROOT = path.join(packageRoot(), "web");

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return newest;
}

/**
 * The built web UI's folder. The compiled product (`npm run build`, the package) only serves the UI built then and
 * never builds: its install directory may be read-only and several web processes may start at once. Run from the
 * TypeScript sources (a development clone), it builds the UI when the build is missing or older than its sources.
 */
export async function ensureWebBuild(log: (m: string) => void): Promise<string | null> {
  const dist = path.join(WEB_ROOT, "dist");
  const index = path.join(dist, "index.html");
  if (runsCompiled()) {
    if (existsSync(index)) return dist;
    log("the web UI is not built (npm run build); serving the API only");
    return null;
  }
  if (!existsSync(path.join(WEB_ROOT, "index.html"))) return existsSync(index) ? dist : null;
  const sourcesAt = Math.max(
    newestMtime(path.join(WEB_ROOT, "src")),
    statSync(path.join(WEB_ROOT, "index.html")).mtimeMs,
  );
  if (existsSync(index) && statSync(index).mtimeMs >= sourcesAt) return dist;
  log("building the web UI…");
  // In a child process: the bundler's memory is given back when it exits instead of staying in the product's heap.
  const vitePackage = createRequire(import.meta.url).resolve("vite/package.json");
  const vite = path.join(path.dirname(vitePackage), "bin", "vite.js");
  await new Promise<void>((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [vite, "build", "--config", path.join(WEB_ROOT, "vite.config.ts"), "--logLevel", "warn"],
      { stdio: ["ignore", "inherit", "inherit"] },
    );
    child.on("error", reject);
    child.on("exit", (code) =>
      code === 0 ? resolve() : reject(new Error(`the web UI build exited with ${code}`)),
    );
  });
  return dist;
}
