import type { FastifyReply, FastifyRequest } from "fastify";
import { z } from "zod";
import { AppError } from "../../app/errors.js";
import { listMemberships, membershipFromRow, permissionsView } from "../../app/membership.js";
import { DEVICE_TTL_SECONDS, issueDeviceCookie, signIn } from "../../app/sign-in.js";
import { checkPasswordStrength, hashPassword, verifyPassword } from "../../lib/passwords.js";
import type { RouteModule } from "../app.js";
import {
  DEVICE_COOKIE,
  issueToken,
  requireUser,
  revokeToken,
  SESSION_COOKIE,
  setSessionCookie,
} from "../auth.js";

const credentials = z.strictObject({
  email: z.string().trim().min(1).max(320),
  password: z.string().min(1).max(1000),
});

export const DEMO_USERS = [
  { email: "pm@acme.test", role: "Project manager (Acme)" },
  { email: "approver@acme.test", role: "Accounting approver (Acme)" },
  { email: "viewer@acme.test", role: "ERP Standard, no privilege (Acme)" },
  { email: "admin@acme.test", role: "Company admin (Acme)" },
  { email: "approver@zenith.test", role: "Accounting approver (Zenith)" },
  { email: "admin@zenith.test", role: "Company admin (Zenith)" },
];

export const authRoutes: RouteModule = (app, ctx) => {
  const signInInput = (req: FastifyRequest, body: z.infer<typeof credentials>) => ({
    ...body,
    clientAddress: req.ip,
    deviceCookie: req.cookies?.[DEVICE_COOKIE],
  });
  // Earned by signing in: lets this browser keep signing in to the account while strangers are throttled.
  const setDeviceCookie = (reply: FastifyReply, userId: string) =>
    reply.setCookie(DEVICE_COOKIE, issueDeviceCookie(ctx, userId), {
      httpOnly: true,
      sameSite: "strict",
      secure: ctx.config.publicUrl.startsWith("https://"),
      path: "/api/v1/auth",
      maxAge: DEVICE_TTL_SECONDS,
    });
  app.post(
    "/api/v1/auth/token",
    { schema: { tags: ["auth"], summary: "Sign in for a bearer token", body: credentials, security: [] } },
    async (req, reply) => {
      const user = await signIn(ctx, signInInput(req, req.body));
      const { token } = await issueToken(ctx, user.id, "bearer");
      setDeviceCookie(reply, user.id);
      return { token, user };
    },
  );
  app.delete(
    "/api/v1/auth/token",
    { schema: { tags: ["auth"], summary: "Revoke the token in use" } },
    async (req, reply) => {
      const auth = requireUser(req);
      await revokeToken(ctx, auth.tokenId);
      return reply.status(204).send();
    },
  );

  app.post(
    "/api/v1/auth/session",
    {
      schema: {
        tags: ["auth"],
        summary: "Sign in the web UI (cookie session)",
        body: credentials,
        security: [],
      },
    },
    async (req, reply) => {
      const user = await signIn(ctx, signInInput(req, req.body));
      setDeviceCookie(reply, user.id);
      // A fresh session on every sign-in: a cookie planted before sign-in never becomes a signed-in session.
      if (req.auth?.via === "session") await revokeToken(ctx, req.auth.tokenId);
      const { token, csrfToken, maxAgeSeconds } = await issueToken(ctx, user.id, "session");
      setSessionCookie(ctx, reply, token, maxAgeSeconds);
      return { user, csrfToken };
    },
  );
  app.get("/api/v1/auth/session", { schema: { tags: ["auth"], summary: "The web session" } }, async (req) => {
    const auth = requireUser(req);
    if (auth.via !== "session") throw new AppError("unauthenticated", "No web session.");
    const user = await ctx.db
      .selectFrom("users")
      .select(["id", "email", "name"])
      .where("id", "=", auth.userId)
      .executeTakeFirstOrThrow();
    return { user, csrfToken: auth.csrfToken };
  });
  app.delete(
    "/api/v1/auth/session",
    { schema: { tags: ["auth"], summary: "Sign out" } },
    async (req, reply) => {
      if (req.auth) await revokeToken(ctx, req.auth.tokenId);
      reply.clearCookie(SESSION_COOKIE, { path: "/" });
      return reply.status(204).send();
    },
  );

  app.get("/api/v1/public-config", { schema: { hide: true } }, async () => ({
    demo: ctx.config.demo,
    demoUsers: ctx.config.demo ? DEMO_USERS : [],
  }));

  app.get(
    "/api/v1/me",
    { schema: { tags: ["auth"], summary: "Who am I, and my companies" } },
    async (req) => {
      const auth = requireUser(req);
      const user = await ctx.db
        .selectFrom("users")
        .select(["id", "email", "name"])
        .where("id", "=", auth.userId)
        .executeTakeFirstOrThrow();
      const rows = await listMemberships(ctx.db, auth.userId);
      return {
        user,
        companies: rows.map((r) => ({
          id: r.company_id,
          name: r.name,
          timeZone: r.time_zone,
          permissions: permissionsView(membershipFromRow(r)),
        })),
      };
    },
  );

  app.post(
    "/api/v1/me/password",
    {
      schema: {
        tags: ["auth"],
        summary: "Change my password",
        body: z.strictObject({
          currentPassword: z.string().min(1).max(1000),
          newPassword: z.string().max(1000),
        }),
      },
    },
    async (req) => {
      const auth = requireUser(req);
      const user = await ctx.db
        .selectFrom("users")
        .select(["id", "email", "password_hash"])
        .where("id", "=", auth.userId)
        .executeTakeFirstOrThrow();
      if (!(await verifyPassword(req.body.currentPassword, user.password_hash))) {
        throw new AppError("invalid_credentials", "The current password is not right.", {
          field: "currentPassword",
          status: 400,
        });
      }
      const weak = checkPasswordStrength(req.body.newPassword, user.email);
      if (weak) throw new AppError("weak_password", weak, { field: "newPassword" });
      const hash = await hashPassword(req.body.newPassword);
      await ctx.db.transaction().execute(async (tx) => {
        await tx.updateTable("users").set({ password_hash: hash }).where("id", "=", user.id).execute();
        // Other sessions and tokens end with the old password; the one in use stays.
        await tx
          .updateTable("auth_tokens")
          .set({ revoked_at: ctx.now() })
          .where("user_id", "=", user.id)
          .where("id", "<>", auth.tokenId)
          .where("revoked_at", "is", null)
          .execute();
      });
      return { ok: true };
    },
  );
};
