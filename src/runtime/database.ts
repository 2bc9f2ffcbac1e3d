import { mkdirSync } from "node:fs";
import type { Config } from "../config/env.js";
import { startEmbeddedCluster } from "../db/embedded-postgres.js";
import { claimOwnership } from "./owner-lock.js";

export interface ResolvedDatabase {
  url: string;
  release(): Promise<void>;
}

/**
 * DATABASE_URL when set; otherwise the embedded cluster under DATA_DIR. The product (`owner: true`) claims the
 * cluster and stops it on exit; commands run beside a running product just connect to the cluster it runs.
 */
export async function resolveDatabase(
  config: Config,
  opts: { owner: boolean; log?: (m: string) => void },
): Promise<ResolvedDatabase> {
  if (config.databaseUrl) return { url: config.databaseUrl, release: async () => {} };
  mkdirSync(config.dataDir, { recursive: true });
  const unclaim = opts.owner ? claimOwnership(config.dataDir) : () => {};
  try {
    const cluster = await startEmbeddedCluster(config.dataDir, { log: opts.log });
    return {
      url: cluster.databaseUrl,
      async release() {
        if (opts.owner || cluster.startedHere) await cluster.stop();
        unclaim();
      },
    };
  } catch (e) {
    unclaim();
    throw e;
  }
}
