import { timingSafeEqual } from "node:crypto";
import type { FastifyReply, FastifyRequest } from "fastify";
import type { AppContext } from "../app/context.js";
import { AppError } from "../app/errors.js";
import { type Actor, type EntryRow, type Membership, membershipFromRow } from "../app/membership.js";
import { runPrepared } from "../db/prepared.js";
import { newId, newSecretToken, sha256 } from "../lib/ids.js";
import { findUnstorableText } from "../lib/unstorable-text.js";

export const SESSION_COOKIE = "cb_session";
/** Signed, httpOnly: the browser signed in to an account before (see signIn). */
export const DEVICE_COOKIE = "cb_device";
const BEARER_TTL_MS = 30 * 24 * 3600 * 1000;
const SESSION_TTL_MS = 7 * 24 * 3600 * 1000;

export interface UserAuth {
  kind: "user";
  userId: string;
  tokenId: string;
  via: "bearer" | "session";
  csrfToken: string | null;
  /** The caller's membership of the company named in the path (`:companyId`), read with the token. */
  known?: { companyId: string; membership: Membership | null };
}

declare module "fastify" {
  interface FastifyRequest {
    auth: UserAuth | null;
  }
}

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

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

export async function revokeToken(ctx: AppContext, tokenId: string) {
  await ctx.db.updateTable("auth_tokens").set({ revoked_at: ctx.now() }).where("id", "=", tokenId).execute();
}

function bearerFrom(req: FastifyRequest): string | null {
  const header = req.headers.authorization;
  if (!header) return null;
  const m = /^Bearer\s+(\S+)$/i.exec(header);
  if (!m) throw new AppError("invalid_token", "The Authorization header must be `Bearer <token>`.");
  return m[1]!;
}

// Every authenticated request runs this, so it is one fixed, prepared statement. With a company in the path ($2)
// the caller's active entry in that company's directory comes back too (NULL columns when there is none).
const TOKEN_SQL = `
  select t.id, t.user_id, t.kind, t.csrf_token,
         d.company_id, d.erp_integrations, d.directory, d.budget, d.lock_budget, d.send_and_retrieve_budget,
         d.can_push_to_accounting, d.subscribe_erp_digest
  from auth_tokens t
  join users u on u.id = t.user_id
  left join directory_entries d on d.company_id = $2 and d.user_id = t.user_id and d.active
  where t.token_hash = $1 and t.revoked_at is null and t.expires_at > $3 and u.active`;

type TokenRow = { id: string; kind: string; csrf_token: string | null } & (
  | EntryRow
  | { [K in keyof EntryRow]: K extends "user_id" ? string : null }
);

/** Resolves who is calling, from a bearer token or the session cookie (which needs the CSRF header to mutate). */
export async function authenticate(ctx: AppContext, req: FastifyRequest): Promise<UserAuth | null> {
  const bearer = bearerFrom(req);
  const cookie = bearer ? undefined : req.cookies?.[SESSION_COOKIE];
  const raw = bearer ?? cookie;
  if (!raw) return null;
  // On a company's routes the caller's membership of that company comes back with the token: one round trip less
  // for nearly every request. A path value that could not be stored is left for validation to refuse.
  const companyId = companyInPath(req);
  const [row] = await runPrepared<TokenRow>(ctx.pool, {
    sql: TOKEN_SQL,
    parameters: [sha256(raw), companyId ?? "", ctx.now()],
  });
  if (!row || row.kind !== (bearer ? "bearer" : "session")) {
    if (bearer) throw new AppError("invalid_token", "The token is not valid, has expired or was revoked.");
    return null; // a stale cookie is simply "not signed in"
  }
  const auth: UserAuth = {
    kind: "user",
    userId: row.user_id,
    tokenId: row.id,
    via: bearer ? "bearer" : "session",
    csrfToken: row.csrf_token,
  };
  if (companyId) {
    // The entry's columns are all NOT NULL, so one of them being null means there is no active entry.
    auth.known = {
      companyId,
      membership: row.company_id === null ? null : membershipFromRow(row),
    };
  }
  return auth;
}

function companyInPath(req: FastifyRequest): string | null {
  const id = (req.params as { companyId?: unknown } | undefined)?.companyId;
  if (typeof id !== "string" || id.length === 0 || id.length > 100 || findUnstorableText(id) !== null) {
    return null;
  }
  return id;
}

export function checkCsrf(req: FastifyRequest, auth: UserAuth) {
  if (auth.via !== "session" || SAFE_METHODS.has(req.method)) return;
  const sent = req.headers["x-csrf-token"];
  if (typeof sent !== "string" || !auth.csrfToken || !safeEqual(sent, auth.csrfToken)) {
    throw new AppError(
      "csrf_failed",
      "This request is missing its CSRF token; reload the page and try again.",
    );
  }
}

export function safeEqual(a: string, b: string): boolean {
  const ab = Buffer.from(a);
  const bb = Buffer.from(b);
  return ab.length === bb.length && timingSafeEqual(ab, bb);
}

export function requireUser(req: FastifyRequest): UserAuth {
  if (!req.auth) throw new AppError("unauthenticated", "Sign in first.");
  return req.auth;
}

/** The signed-in caller as the application sees them, with what is already known of their membership. */
export function actorOf(req: FastifyRequest): Actor {
  const auth = requireUser(req);
  return auth.known ? { userId: auth.userId, known: auth.known } : { userId: auth.userId };
}

export function requireOperator(ctx: AppContext, req: FastifyRequest): void {
  const header = req.headers.authorization ?? "";
  const m = /^Bearer\s+(\S+)$/i.exec(header);
  if (!m) throw new AppError("unauthenticated", "Operator routes need the operator token.");
  if (!safeEqual(m[1]!, ctx.config.operatorToken)) {
    throw new AppError("invalid_token", "That is not the operator token.");
  }
}

export function setSessionCookie(ctx: AppContext, reply: FastifyReply, token: string, maxAge: number) {
  reply.setCookie(SESSION_COOKIE, token, {
    httpOnly: true,
    sameSite: "lax",
    secure: ctx.config.publicUrl.startsWith("https://"),
    path: "/",
    maxAge,
  });
}
