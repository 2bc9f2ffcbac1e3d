#!/usr/bin/env node
// The `costbridge` command. It runs the compiled build (`npm run build`; the published package ships only that);
// in a development clone whose build is missing or older than its sources, it runs the TypeScript sources through
// tsx instead, so `npm install && npm start` needs no build step. Either way the product runs in this very process:
// a signal sent to the command reaches the server itself, and nothing is left behind when it stops.
import { existsSync, readdirSync, statSync } from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const compiled = path.join(root, "dist", "src", "cli", "main.js");
const sources = path.join(root, "src", "cli", "main.ts");

function newest(p) {
  if (!existsSync(p)) return 0;
  const info = statSync(p);
  if (!info.isDirectory()) return info.mtimeMs;
  let at = 0;
  for (const entry of readdirSync(p)) at = Math.max(at, newest(path.join(p, entry)));
  return at;
}

function buildIsCurrent() {
  if (!existsSync(compiled)) return false;
  if (!existsSync(sources)) return true;
  const server = ["src", "emulators", "bench"].map((d) => newest(path.join(root, d)));
  if (Math.max(...server) > statSync(compiled).mtimeMs) return false;
  const webIndex = path.join(root, "web", "dist", "index.html");
  const web = Math.max(newest(path.join(root, "web", "src")), newest(path.join(root, "web", "index.html")));
  return web === 0 || (existsSync(webIndex) && web <= statSync(webIndex).mtimeMs);
}

if (buildIsCurrent()) {
  await import(pathToFileURL(compiled).href);
} else {
  const tsx = await import("tsx/esm/api").catch(() => null);
  if (!tsx) {
    process.stderr.write(
      "Costbridge is not built: run `npm run build` (or `npm install` for the development tools)\n",
    );
    process.exit(1);
  }
  tsx.register();
  await import(pathToFileURL(sources).href);
}
