import { itemNameFor } from "../../erp/quickbooks-online/mapping.js";
import { qboConnectRoutes } from "../../http/routes/erp/quickbooks-online.js";
import { qboWebhookRoutes } from "../../http/routes/erp/quickbooks-online-webhooks.js";
import type { AppContext } from "../context.js";
import { changeNotificationsOf } from "./qbo-changes.js";
import { qboServiceFor } from "./qbo-service.js";
import type { ConnectionRow, ErpDefinition } from "./registry.js";

export const QUICKBOOKS_ONLINE_KIND = "quickbooks_online";

/** Refresh tokens closer than this to their end are reported as expiring soon. */
const REFRESH_EXPIRING_SOON_MS = 7 * 24 * 3600 * 1000;

function isoOrNull(value: unknown): string | null {
  return value instanceof Date ? value.toISOString() : null;
}

/** QuickBooks Online: REST over OAuth 2.0, one realm per company; its tokens live in the token vault. */
export const QUICKBOOKS_ONLINE: ErpDefinition = {
  kind: QUICKBOOKS_ONLINE_KIND,
  label: "QuickBooks Online",
  // A project becomes a customer DisplayName and a cost code a Service item Name, 100 characters each.
  limits: {
    jobNameMaxChars: 100,
    itemNameMaxChars: 100,
    vendorNameMaxChars: 500,
    purchaseOrderNumberMaxChars: 21,
  },
  connectionFlow: "oauth",
  usesTokenVault: true,
  routePrefixes: ["/oauth/quickbooks"],
  routes: () => [qboConnectRoutes, qboWebhookRoutes],
  connectRoute: {
    method: "POST",
    path: "/api/v1/companies/:companyId/erp/connection/quickbooks-online/connect",
  },
  connector: (ctx: AppContext) => qboServiceFor(ctx).connector,
  async connectionDetails(ctx: AppContext, row: ConnectionRow) {
    const now = ctx.now().getTime();
    const refreshExpires =
      row.refresh_token_expires_at instanceof Date ? row.refresh_token_expires_at.getTime() : null;
    const tokenHealth =
      row.status === "reconnect_needed"
        ? "reconnect_needed"
        : refreshExpires !== null && refreshExpires - now < REFRESH_EXPIRING_SOON_MS
          ? "refresh_expiring_soon"
          : "healthy";
    return {
      realmId: row.realm_id ?? null,
      companyName: row.company_name ?? null,
      connectedAt: isoOrNull(row.connected_at),
      tokenHealth,
      accessTokenExpiresAt: isoOrNull(row.access_token_expires_at),
      refreshTokenExpiresAt: isoOrNull(row.refresh_token_expires_at),
      changeNotifications: await changeNotificationsOf(
        ctx,
        typeof row.realm_id === "string" ? row.realm_id : null,
      ),
    };
  },
  async beforeDisconnect(ctx: AppContext, companyId: string) {
    const qbo = qboServiceFor(ctx);
    const tokens = await qbo.vault.read(companyId).catch(() => null);
    // Revoking at Intuit is best effort: the tokens are deleted whatever it answers.
    if (tokens) await qbo.oauth.revoke(tokens.refreshToken).catch(() => {});
  },
  itemName: itemNameFor,
};
