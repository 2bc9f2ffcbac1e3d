import { readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** The pid of the Costbridge process that owns the embedded cluster under dataDir, if it still runs. */
export function currentOwner(dataDir: string): number | null {
  try {
    const pid = Number.parseInt(readFileSync(path.join(dataDir, "costbridge.pid"), "utf8"), 10);
    return Number.isFinite(pid) && pid !== process.pid && alive(pid) ? pid : null;
  } catch {
    return null;
  }
}

/**
 * Claims the embedded cluster for this process. Another live owner is refused; a dead one (a killed product)
 * is simply replaced — PostgreSQL itself recovers from whatever the kill left behind.
 */
export function claimOwnership(dataDir: string): () => void {
  const owner = currentOwner(dataDir);
  if (owner) {
    throw new Error(
      `another Costbridge (pid ${owner}) already runs on ${dataDir}; stop it first, or run commands such as ` +
        "`costbridge migrate` beside it (they use its database)",
    );
  }
  const file = path.join(dataDir, "costbridge.pid");
  writeFileSync(file, String(process.pid));
  return () => {
    try {
      if (readFileSync(file, "utf8").trim() === String(process.pid)) rmSync(file);
    } catch {}
  };
}
