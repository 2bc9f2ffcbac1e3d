import type {
  ErpConnector,
  EstimateExportRequest,
  ExportOutcome,
  PurchaseOrderExportRequest,
  PurchaseOrderOutcome,
} from "../connector.js";
import { QboClient, type QboRequestLog } from "./client.js";
import type { QboCompanySetup } from "./company-setup.js";
import type { QboEndpoints } from "./endpoints.js";
import { exportEstimate, outcomeOf, type QboExportDeps } from "./export.js";
import { exportPurchaseOrder } from "./purchase-order.js";
import type { RateGate } from "./rate-gate.js";
import type { QboReferenceCache } from "./reference-cache.js";
import type { QboTokenManager } from "./tokens.js";

export { type AccessTokenSource, QboClient, type QboClientOptions, qboQuote } from "./client.js";
export {
  currencyProblem,
  pickExemptTaxCode,
  type QboCompanySetup,
  readCompanySetup,
} from "./company-setup.js";
export { QBO_ACCOUNTING_SCOPE, type QboEndpoints, resolveQboEndpoints } from "./endpoints.js";
export * from "./errors.js";
export { exportEstimate, type QboExportDeps, requestIdFor } from "./export.js";
export * from "./mapping.js";
export { exportPurchaseOrder } from "./purchase-order.js";
export * from "./purchase-order-mapping.js";
export {
  type AcquireOptions,
  InProcessRateGate,
  type RateGate,
  RealmPausedError,
  type TokenBucketOptions,
} from "./rate-gate.js";
export {
  type CachedReference,
  InMemoryReferenceCache,
  NO_REFERENCE_CACHE,
  type QboReferenceCache,
  refKey,
} from "./reference-cache.js";
export * from "./tokens.js";

export interface QboConnectorOptions {
  endpoints: QboEndpoints;
  tokens: QboTokenManager;
  /** Shared by every client of this process (or backed by the database, shared by all processes). */
  rateGate: RateGate;
  throttleBackoffSeconds: number;
  timeoutMs?: number;
  /** Token vault key for a company; the company id by default. */
  connectionIdFor?: (companyId: string) => string;
  /** Income account for items the export adds, when the company chose one. */
  incomeAccountRefFor?: (companyId: string) => Promise<string | null>;
  fetch?: typeof fetch;
  onRequest?: (log: QboRequestLog) => void;
  /** Records a company's QuickBooks setup as an export reads it; a failure here never fails the export. */
  onCompanySetup?: (companyId: string, setup: QboCompanySetup) => Promise<void>;
  /** What exports learned about each realm's records; without it every reference is looked up each time. */
  referenceCache?: QboReferenceCache;
}

/** The QuickBooks Online connector the export job calls: estimates for budgets, purchase orders for commitments. */
export function createQboConnector(options: QboConnectorOptions): ErpConnector {
  const throttleBackoffMs = options.throttleBackoffSeconds * 1000;
  /** What one export of a company runs with: a client of its realm on the shared gate, the cache, the setup hook. */
  const depsFor = async (companyId: string): Promise<QboExportDeps> => {
    const connectionId = options.connectionIdFor?.(companyId) ?? companyId;
    const realmId = await options.tokens.realmOf(connectionId);
    const clientOptions: ConstructorParameters<typeof QboClient>[0] = {
      endpoints: options.endpoints,
      realmId,
      tokens: options.tokens.forConnection(connectionId),
      rateGate: options.rateGate,
      throttleBackoffMs,
    };
    if (options.timeoutMs !== undefined) clientOptions.timeoutMs = options.timeoutMs;
    if (options.fetch) clientOptions.fetch = options.fetch;
    if (options.onRequest) clientOptions.onRequest = options.onRequest;
    const incomeAccountRef = (await options.incomeAccountRefFor?.(companyId)) ?? null;
    const record = options.onCompanySetup;
    return {
      client: new QboClient(clientOptions),
      throttleBackoffMs,
      incomeAccountRef,
      ...(options.referenceCache ? { referenceCache: options.referenceCache } : {}),
      ...(record
        ? { onCompanySetup: (setup: QboCompanySetup) => record(companyId, setup).catch(() => {}) }
        : {}),
    };
  };
  return {
    kind: "quickbooks_online",
    async exportEstimate(req: EstimateExportRequest): Promise<ExportOutcome> {
      let deps: QboExportDeps;
      try {
        deps = await depsFor(req.companyId);
      } catch (err) {
        return outcomeOf(err, undefined, throttleBackoffMs);
      }
      return exportEstimate(req, deps);
    },
    async exportPurchaseOrder(req: PurchaseOrderExportRequest): Promise<PurchaseOrderOutcome> {
      let deps: QboExportDeps;
      try {
        deps = await depsFor(req.companyId);
      } catch (err) {
        return outcomeOf(err, undefined, throttleBackoffMs);
      }
      return exportPurchaseOrder(req, deps);
    },
  };
}
