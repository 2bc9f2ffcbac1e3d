/**
 * QuickBooks Desktop, emulated: a company file that answers qbXML (`QbdCompany`) and the Web Connector that
 * carries requests between it and a web service (`WebConnector`, `startWebConnectorSimulator`). Imports nothing
 * from the product: it stands in for the Windows side.
 */
export {
  DEMO_COMPANY_SEED,
  MINIMAL_COMPANY_SEED,
  type ProcessedRequest,
  QbdCompany,
  type QbdCompanyOptions,
  type QbdEstimate,
  type QbdEstimateLine,
  type QbdPurchaseOrder,
  type QbdPurchaseOrderLine,
  type QbdRunResult,
  type QbdSeed,
  type QbdState,
  type QbdVendor,
} from "./company.js";
export {
  QBWC_NAMESPACE,
  type RunningWebConnector,
  type SessionFaults,
  type SessionReport,
  SoapFault,
  startWebConnectorSimulator,
  WebConnector,
  type WebConnectorOptions,
  type WebConnectorSimulatorOptions,
} from "./web-connector.js";

import { DEMO_COMPANY_SEED, QbdCompany } from "./company.js";

/**
 * The demo's company file, kept under `stateDir` (created and seeded on first use, reopened afterwards).
 */
export function openDemoCompanyFile(stateDir: string): QbdCompany {
  return new QbdCompany({ stateDir, seed: DEMO_COMPANY_SEED });
}
