import type { Config } from "../../config/env.js";
import type { Db } from "../../db/database.js";
import type { ErpConnector } from "../../erp/connector.js";
import { type QboEndpoints, resolveQboEndpoints } from "../../erp/quickbooks-online/endpoints.js";
import { createQboConnector, QboClient } from "../../erp/quickbooks-online/index.js";
import type { RateGate } from "../../erp/quickbooks-online/rate-gate.js";
import { QboOAuthClient, QboTokenManager } from "../../erp/quickbooks-online/tokens.js";
import { PgRateGate } from "./pg-rate-gate.js";
import { PgReferenceCache } from "./pg-reference-cache.js";
import { PgTokenVault } from "./pg-token-vault.js";
import { QUICKBOOKS_ONLINE_KIND } from "./qbo-definition.js";

export const EMULATOR_MOUNT = "/emulators/quickbooks-online";
export const DEMO_CLIENT_ID = "demo-client-id";
export const DEMO_CLIENT_SECRET = "demo-client-secret";

export interface QboService {
  endpoints: QboEndpoints;
  /** Where the browser is sent to consent (may differ from the server-side base in demo mode). */
  browserAuthorizeUrl: string;
  redirectUri: string;
  clientId: string;
  oauth: QboOAuthClient;
  vault: PgTokenVault;
  tokens: QboTokenManager;
  connector: ErpConnector;
  /** The pace shared by every process (PostgreSQL); every QuickBooks Online call of the product goes through it. */
  rateGate: RateGate;
  /**
   * The one way to get a QuickBooks Online client for a company outside an export: bound to the shared gate, so
   * it counts against the realm's limits with everything else and honours the realm's back-off.
   */
  clientFor(companyId: string, opts?: { timeoutMs?: number; maxPauseMs?: number }): Promise<QboClient>;
}

/** Whether QuickBooks Online is the built-in emulator of demo mode (no Intuit app configured). */
export function usesMountedEmulator(config: Config): boolean {
  return config.demo && !config.quickbooks.environment;
}

export function createQboService(
  config: Config,
  db: Db,
  opts: { rateGate?: RateGate; fetch?: typeof fetch } = {},
): QboService {
  let endpoints: QboEndpoints;
  let browserAuthorizeUrl: string;
  if (usesMountedEmulator(config)) {
    // Server-to-server calls go to our own listener on loopback; the browser goes through the public URL.
    endpoints = resolveQboEndpoints(`http://127.0.0.1:${config.port}${EMULATOR_MOUNT}`);
    browserAuthorizeUrl = `${config.publicUrl}${EMULATOR_MOUNT}/connect/oauth2`;
  } else {
    endpoints = resolveQboEndpoints(config.quickbooks.environment ?? "production");
    browserAuthorizeUrl = endpoints.authorizeUrl;
  }
  const clientId = config.quickbooks.clientId ?? DEMO_CLIENT_ID;
  const clientSecret = config.quickbooks.clientSecret ?? DEMO_CLIENT_SECRET;
  const oauth = new QboOAuthClient({
    endpoints,
    clientId,
    clientSecret,
    ...(opts.fetch ? { fetch: opts.fetch } : {}),
  });
  const vault = new PgTokenVault(db, config.secretKey, QUICKBOOKS_ONLINE_KIND);
  const tokens = new QboTokenManager({ vault, oauth });
  // Every process paces each realm through the shared database, so web and worker processes together stay
  // inside QuickBooks' limits.
  const rateGate = opts.rateGate ?? new PgRateGate(db);
  const connector = createQboConnector({
    endpoints,
    tokens,
    rateGate,
    throttleBackoffSeconds: config.quickbooks.throttleBackoffSeconds,
    // What QuickBooks answered about each realm's records, shared by every process: reads are metered.
    referenceCache: new PgReferenceCache(db),
    ...(opts.fetch ? { fetch: opts.fetch } : {}),
    // What the company holds is kept for the send prerequisites and the acceptance preview.
    onCompanySetup: async (companyId, setup) => {
      await db
        .updateTable("erp_connections")
        .set({ erp_currencies: setup.currencies, erp_custom_txn_numbers: setup.customTxnNumbers })
        .where("company_id", "=", companyId)
        .where("type", "=", QUICKBOOKS_ONLINE_KIND)
        .execute();
    },
  });
  return {
    endpoints,
    browserAuthorizeUrl,
    redirectUri: `${config.publicUrl}/oauth/quickbooks/callback`,
    clientId,
    oauth,
    vault,
    tokens,
    connector,
    rateGate,
    async clientFor(companyId, o = {}) {
      return new QboClient({
        endpoints,
        realmId: await tokens.realmOf(companyId),
        tokens: tokens.forConnection(companyId),
        rateGate,
        throttleBackoffMs: config.quickbooks.throttleBackoffSeconds * 1000,
        ...(o.timeoutMs === undefined ? {} : { timeoutMs: o.timeoutMs }),
        ...(o.maxPauseMs === undefined ? {} : { maxPauseMs: o.maxPauseMs }),
        ...(opts.fetch ? { fetch: opts.fetch } : {}),
      });
    },
  };
}

const services = new WeakMap<object, QboService>();

/** One QuickBooks Online service per running product (its token manager shares refreshes in-process). */
export function qboServiceFor(ctx: { config: Config; db: Db }): QboService {
  let s = services.get(ctx);
  if (!s) {
    s = createQboService(ctx.config, ctx.db);
    services.set(ctx, s);
  }
  return s;
}
