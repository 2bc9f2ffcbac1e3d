import path from "node:path";
import type { FastifyPluginAsync } from "fastify";
import {
  DEMO_COMPANY_SEED,
  type RunningWebConnector,
  startWebConnectorSimulator,
} from "../../emulators/quickbooks-desktop/index.js";
import { createQboEmulator, type QboEmulator } from "../../emulators/quickbooks-online/index.js";
import type { AppContext } from "../app/context.js";
import { seedDemoBudgets } from "../app/demo-budgets.js";
import { setWebConnectorPassword } from "../app/erp/qbd/index.js";
import { QUICKBOOKS_ONLINE_KIND } from "../app/erp/qbo-definition.js";
import { EMULATOR_MOUNT, qboServiceFor, usesMountedEmulator } from "../app/erp/qbo-service.js";
import { newSecretToken } from "../lib/ids.js";

export interface DemoExtras {
  mounts: { prefix: string; plugin: FastifyPluginAsync }[];
  afterListen(): Promise<void>;
  stop(): Promise<void>;
}

/** Demo mode's built-in outside world: the QuickBooks Online emulator (mounted), and the demo connections. */
export async function demoExtras(ctx: AppContext): Promise<DemoExtras> {
  const mounts: DemoExtras["mounts"] = [];
  let emulator: QboEmulator | null = null;
  if (usesMountedEmulator(ctx.config)) {
    // The emulator tells this product about changes as Intuit would: signed webhooks to its own endpoint.
    const verifierToken = ctx.config.quickbooks.webhookVerifierToken;
    emulator = createQboEmulator({
      stateDir: path.join(ctx.config.dataDir, "quickbooks-online"),
      ...(verifierToken
        ? { webhooks: { url: `http://127.0.0.1:${ctx.config.port}/webhooks/quickbooks`, verifierToken } }
        : {}),
    });
    mounts.push({ prefix: EMULATOR_MOUNT, plugin: emulator.plugin });
  }
  let webConnector: RunningWebConnector | null = null;
  return {
    mounts,
    async afterListen() {
      if (emulator) await connectAcme(ctx, emulator);
      await seedDemoBudgets(ctx);
      if (ctx.config.demoWebConnector) webConnector = await startDemoWebConnector(ctx);
    },
    async stop() {
      await webConnector?.stop();
      await emulator?.close();
    },
  };
}

/** Acme starts connected to the mounted emulator's seeded company, as if an admin had consented once. */
async function connectAcme(ctx: AppContext, emulator: QboEmulator) {
  const acme = await ctx.db
    .selectFrom("companies")
    .select("id")
    .where("name", "=", "Acme Builders")
    .executeTakeFirst();
  if (!acme) return;
  const existing = await ctx.db
    .selectFrom("erp_connections")
    .select("company_id")
    .where("company_id", "=", acme.id)
    .executeTakeFirst();
  if (existing) return;
  const realmId = emulator.defaultRealmId;
  const t = emulator.issueTokens(realmId);
  const now = ctx.now();
  const sealed = qboServiceFor(ctx).vault.encode({
    realmId,
    accessToken: t.access_token,
    accessTokenExpiresAt: new Date(now.getTime() + t.expires_in * 1000),
    refreshToken: t.refresh_token,
    refreshTokenExpiresAt: new Date(now.getTime() + t.x_refresh_token_expires_in * 1000),
  });
  await ctx.db
    .insertInto("erp_connections")
    .values({
      company_id: acme.id,
      type: QUICKBOOKS_ONLINE_KIND,
      status: "connected",
      ...sealed,
      connected_at: now,
      company_name: "Acme Builders (QuickBooks Online)",
    })
    .onConflict((oc) => oc.column("company_id").doNothing())
    .execute();
}

/**
 * Zenith's QuickBooks Desktop side: a company file under DATA_DIR and a Web Connector that polls our /qbwc like the
 * Windows program would. A fresh password is set on every start; the simulator is the only one that knows it.
 */
async function startDemoWebConnector(ctx: AppContext): Promise<RunningWebConnector | null> {
  const zenith = await ctx.db
    .selectFrom("companies")
    .select("id")
    .where("name", "=", "Zenith Construction")
    .executeTakeFirst();
  if (!zenith) return null;
  const password = newSecretToken(18);
  const { username } = await setWebConnectorPassword(ctx, zenith.id, password);
  return startWebConnectorSimulator({
    url: `http://127.0.0.1:${ctx.config.port}/qbwc`,
    username,
    password,
    intervalMs: 5_000,
    stateDir: path.join(ctx.config.dataDir, "quickbooks-desktop"),
    seed: DEMO_COMPANY_SEED,
    log: (m: string) => ctx.log.debug(m),
  });
}
