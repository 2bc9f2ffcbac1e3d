import { timingSafeEqual } from "node:crypto";
import type { FastifyReply, FastifyRequest } from "fastify";
import { findToken } from "../app/auth/find-token.js";
import type { AppContext } from "../app/context.js";
import { AppError } from "../app/errors.js";
import type { Actor, Membership } from "../app/membership.js";
import { findUnstorableText } from "../lib/unstorable-text.js";

export const SESSION_COOKIE = "cb_session";
/** Signed, httpOnly: the browser signed in to an account before (see signIn). */
export const DEVICE_COOKIE = "cb_device";

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

function bearerFrom(req: FastifyRequest): string | null {
  const header = req.headers.authorization;
  if (!header) return null;
  const m = /^Bearer\s+(\S+)$/i.exec(header);
  if (!m) throw new AppError("invalid_token", "The Authorization header must be `Bearer <token>`.");
  return m[1]!;
}

/** Resolves who is calling, from a bearer token or the session cookie (which needs the CSRF header to mutate). */
export async function authenticate(ctx: AppContext, req: FastifyRequest): Promise<UserAuth | null> {
  const bearer = bearerFrom(req);
  const cookie = bearer ? undefined : req.cookies?.[SESSION_COOKIE];
  const raw = bearer ?? cookie;
  if (!raw) return null;
  // On a company's routes the caller's membership of that company comes back with the token: one round trip less
  // for nearly every request. A path value that could not be stored is left for validation to refuse.
  const companyId = companyInPath(req);
  const found = await findToken(ctx, raw, companyId);
  if (!found || found.kind !== (bearer ? "bearer" : "session")) {
    if (bearer) throw new AppError("invalid_token", "The token is not valid, has expired or was revoked.");
    return null; // a stale cookie is simply "not signed in"
  }
  return {
    kind: "user",
    userId: found.userId,
    tokenId: found.tokenId,
    via: bearer ? "bearer" : "session",
    csrfToken: found.csrfToken,
    ...(found.known ? { known: found.known } : {}),
  };
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
