import { newId, newSecretToken, sha256 } from "../../lib/ids.js";
import type { AppContext } from "../context.js";

const BEARER_TTL_MS = 30 * 24 * 3600 * 1000;
const SESSION_TTL_MS = 7 * 24 * 3600 * 1000;

/**
 * A new bearer token (for API clients) or session token (the web UI's cookie, with its CSRF token). Only the hash
 * of the token is stored; the token itself is shown once, here.
 */
export async function issueToken(ctx: AppContext, userId: string, kind: "bearer" | "session") {
  const token = newSecretToken();
  const csrfToken = kind === "session" ? newSecretToken(24) : null;
  const ttl = kind === "session" ? SESSION_TTL_MS : BEARER_TTL_MS;
  await ctx.db
    .insertInto("auth_tokens")
    .values({
      id: newId("tok"),
      user_id: userId,
      token_hash: sha256(token),
      kind,
      csrf_token: csrfToken,
      expires_at: new Date(ctx.now().getTime() + ttl),
    })
    .execute();
  return { token, csrfToken, maxAgeSeconds: Math.floor(ttl / 1000) };
}
