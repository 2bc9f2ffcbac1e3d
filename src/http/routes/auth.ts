import type { FastifyReply, FastifyRequest } from "fastify";
import { z } from "zod";
import { changePassword } from "../../app/auth/change-password.js";
import { currentUser } from "../../app/auth/current-user.js";
import { issueToken } from "../../app/auth/issue-token.js";
import { revokeToken } from "../../app/auth/revoke-token.js";
import { whoAmI } from "../../app/auth/who-am-i.js";
import { AppError } from "../../app/errors.js";
import { DEVICE_TTL_SECONDS, issueDeviceCookie, signIn } from "../../app/sign-in.js";
import type { RouteModule } from "../app.js";
import { DEVICE_COOKIE, requireUser, SESSION_COOKIE, setSessionCookie } from "../auth.js";
import * as S from "../schemas.js";

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
    {
      schema: {
        response: S.answers({ 200: S.tokenResponse }),
        tags: ["auth"],
        summary: "Sign in for a bearer token",
        body: credentials,
        security: [],
      },
    },
    async (req, reply) => {
      const user = await signIn(ctx, signInInput(req, req.body));
      const { token } = await issueToken(ctx, user.id, "bearer");
      setDeviceCookie(reply, user.id);
      return { token, user };
    },
  );
  app.delete(
    "/api/v1/auth/token",
    {
      schema: {
        response: S.answers({ 204: S.noContent }),
        tags: ["auth"],
        summary: "Revoke the token in use",
      },
    },
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
        response: S.answers({ 200: S.sessionResponse }),
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
  app.get(
    "/api/v1/auth/session",
    {
      schema: { response: S.answers({ 200: S.sessionResponse }), tags: ["auth"], summary: "The web session" },
    },
    async (req) => {
      const auth = requireUser(req);
      if (auth.via !== "session") throw new AppError("unauthenticated", "No web session.");
      return { user: await currentUser(ctx, auth.userId), csrfToken: auth.csrfToken };
    },
  );
  app.delete(
    "/api/v1/auth/session",
    { schema: { response: S.answers({ 204: S.noContent }), tags: ["auth"], summary: "Sign out" } },
    async (req, reply) => {
      if (req.auth) await revokeToken(ctx, req.auth.tokenId);
      reply.clearCookie(SESSION_COOKIE, { path: "/" });
      return reply.status(204).send();
    },
  );

  app.get(
    "/api/v1/public-config",
    { schema: { hide: true, response: S.answers({ 200: S.publicConfigResponse }) } },
    async () => ({
      demo: ctx.config.demo,
      demoUsers: ctx.config.demo ? DEMO_USERS : [],
    }),
  );

  app.get(
    "/api/v1/me",
    {
      schema: {
        response: S.answers({ 200: S.meResponse }),
        tags: ["auth"],
        summary: "Who am I, and my companies",
      },
    },
    async (req) => whoAmI(ctx, requireUser(req).userId),
  );

  app.post(
    "/api/v1/me/password",
    {
      schema: {
        response: S.answers({ 200: S.okResponse }),
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
      return changePassword(ctx, { userId: auth.userId, keepTokenId: auth.tokenId, ...req.body });
    },
  );
};
