import { itemName } from "../../../erp/quickbooks-desktop/plan.js";
import { qbwcRoutes } from "../../../http/routes/erp/quickbooks-desktop.js";
import type { AppContext } from "../../context.js";
import type { ConnectionRow, ErpDefinition } from "../registry.js";
import { createQbdConnector } from "./connector.js";
import { countPendingSteps } from "./queue.js";

export const QUICKBOOKS_DESKTOP_KIND = "quickbooks_desktop";

/** QuickBooks Desktop: its Web Connector polls our SOAP endpoint with a password an admin creates here. */
export const QUICKBOOKS_DESKTOP: ErpDefinition = {
  kind: QUICKBOOKS_DESKTOP_KIND,
  label: "QuickBooks Desktop",
  // A job's and a customer's Name hold 41 characters, an item's Name 31.
  limits: {
    jobNameMaxChars: 41,
    itemNameMaxChars: 31,
    parentCustomerNameMaxChars: 41,
    vendorNameMaxChars: 41,
    purchaseOrderNumberMaxChars: 11,
  },
  connectionFlow: "agent_credentials",
  usesTokenVault: false,
  routePrefixes: ["/qbwc"],
  routes: () => [qbwcRoutes],
  connector: (ctx: AppContext) => createQbdConnector(ctx),
  async connectionDetails(ctx: AppContext, row: ConnectionRow) {
    return {
      username: row.qbwc_username ?? null,
      lastPollAt: row.qbwc_last_poll_at instanceof Date ? row.qbwc_last_poll_at.toISOString() : null,
      queuedRequests: await countPendingSteps(ctx.db, row.company_id),
    };
  },
  itemName: (code: string) => itemName(code),
};
