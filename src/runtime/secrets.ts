import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { Config, ParsedEnv } from "../config/env.js";
import { newSecretToken } from "../lib/ids.js";

/**
 * In demo mode the secret key, the operator token and (with the mounted QuickBooks Online emulator) the webhook
 * verifier token are generated once and kept under DATA_DIR.
 */
export function resolveSecrets(env: ParsedEnv): Config {
  const keep = (name: string, given: string | null, make: () => string): string => {
    if (given) return given;
    mkdirSync(env.dataDir, { recursive: true });
    const file = path.join(env.dataDir, name);
    if (existsSync(file)) return readFileSync(file, "utf8").trim();
    const value = make();
    writeFileSync(file, `${value}\n`, { mode: 0o600 });
    return value;
  };
  const secretKey = keep("secret-key", env.secretKey, () => newSecretToken(48));
  const operatorToken = keep("operator-token", env.operatorToken, () => `op_${newSecretToken(24)}`);
  // The demo's mounted QuickBooks Online emulator delivers its webhooks to this product, signed with this token.
  const webhookVerifierToken =
    env.quickbooks.webhookVerifierToken ??
    (env.demo && !env.quickbooks.environment
      ? keep("quickbooks-webhook-verifier-token", null, () => newSecretToken(32))
      : null);
  return Object.freeze({
    ...env,
    secretKey,
    operatorToken,
    quickbooks: { ...env.quickbooks, webhookVerifierToken },
  });
}
