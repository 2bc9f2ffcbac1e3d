/** Where QuickBooks Online and Intuit OAuth live for a given `QUICKBOOKS_ENVIRONMENT`. */

export interface QboEndpoints {
  /** Prefix of `/v3/company/{realmId}/…`. */
  apiBase: string;
  authorizeUrl: string;
  tokenUrl: string;
  revokeUrl: string;
}

const INTUIT_OAUTH = {
  authorizeUrl: "https://appcenter.intuit.com/connect/oauth2",
  tokenUrl: "https://oauth.platform.intuit.com/oauth2/v1/tokens/bearer",
  revokeUrl: "https://developer.api.intuit.com/v2/oauth2/tokens/revoke",
};

/**
 * `sandbox` and `production` differ only in the API host (Intuit picks the environment from the app's keys);
 * any other value is a base URL laid out like the emulator.
 */
export function resolveQboEndpoints(environment: string): QboEndpoints {
  if (environment === "sandbox")
    return { apiBase: "https://sandbox-quickbooks.api.intuit.com", ...INTUIT_OAUTH };
  if (environment === "production") return { apiBase: "https://quickbooks.api.intuit.com", ...INTUIT_OAUTH };
  let url: URL;
  try {
    url = new URL(environment);
  } catch {
    throw new Error(`QUICKBOOKS_ENVIRONMENT must be sandbox, production or a base URL, not "${environment}"`);
  }
  const base = url.toString().replace(/\/+$/, "");
  return {
    apiBase: base,
    authorizeUrl: `${base}/connect/oauth2`,
    tokenUrl: `${base}/oauth2/v1/tokens/bearer`,
    revokeUrl: `${base}/oauth2/v1/tokens/revoke`,
  };
}

export const QBO_ACCOUNTING_SCOPE = "com.intuit.quickbooks.accounting";
export const QBO_MINOR_VERSION = 75;
