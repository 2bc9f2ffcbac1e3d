import { existsSync } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import path from "node:path";
import fastifyCookie from "@fastify/cookie";
import fastifyHelmet from "@fastify/helmet";
import fastifyStatic from "@fastify/static";
import fastifySwagger from "@fastify/swagger";
import fastifySwaggerUi from "@fastify/swagger-ui";
import Fastify, {
  type FastifyBaseLogger,
  type FastifyError,
  type FastifyInstance,
  type FastifyPluginAsync,
  type FastifyReply,
  LogController,
  type RawServerDefault,
} from "fastify";
import {
  hasZodFastifySchemaValidationErrors,
  jsonSchemaTransform,
  validatorCompiler,
  type ZodTypeProvider,
} from "fastify-type-provider-zod";
import { z } from "zod";
import type { AppContext } from "../app/context.js";
import { type ErrorCode, statusOf } from "../app/error-catalog.js";
import { AppError } from "../app/errors.js";
import { databaseReachable } from "../app/health/database-reachable.js";
import { packageRoot } from "../lib/package-root.js";
import { findUnstorableText } from "../lib/unstorable-text.js";
import { authenticate, checkCsrf, requireOperator, requireUser } from "./auth.js";
import {
  BODY_LIMITS,
  checkJsonShape,
  discardUnreadBody,
  HTTP_TIMEOUTS,
  type HttpTimeouts,
} from "./limits.js";
import { createMetrics } from "./metrics.js";
import { responseSerializer } from "./serialize.js";

export type App = FastifyInstance<
  RawServerDefault,
  IncomingMessage,
  ServerResponse,
  FastifyBaseLogger,
  ZodTypeProvider
>;
export type RouteModule = (app: App, ctx: AppContext) => void | Promise<void>;

export interface HttpOptions {
  routes: RouteModule[];
  /** Extra plugins mounted under a prefix (the QuickBooks Online emulator in demo mode). */
  mounts?: { prefix: string; plugin: FastifyPluginAsync }[];
  webDist?: string | null;
  /** Hold every answer to its route's response schema (on under the test suite). */
  checkResponses?: boolean;
  /** How long a client may take to send a request (defaults: HTTP_TIMEOUTS). */
  timeouts?: Partial<HttpTimeouts>;
}

export const WEB_DIST = path.join(packageRoot(), "web", "dist");

const DB_DOWN_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "57P01",
  "57P02",
  "57P03",
  "08000",
  "08003",
  "08006",
]);

function isDatabaseDown(err: unknown): boolean {
  const e = err as { code?: string; message?: string };
  if (e?.code && DB_DOWN_CODES.has(e.code)) return true;
  return /Connection terminated|timeout exceeded when trying to connect|connect ECONNREFUSED/i.test(
    e?.message ?? "",
  );
}

function errorBody(code: ErrorCode, message: string, field?: string, details?: Record<string, unknown>) {
  return { error: { code, message, ...(field ? { field } : {}), ...(details ? { details } : {}) } };
}

/** Answers with an error: its status is the code's, from the error catalog. */
function sendError(
  reply: FastifyReply,
  code: ErrorCode,
  message: string,
  field?: string,
  details?: Record<string, unknown>,
) {
  return reply.status(statusOf(code)).send(errorBody(code, message, field, details));
}

/** TRUST_PROXY as fastify takes it: a hop count trusts that many proxies in front, a list those addresses. */
function trustProxyOption(
  trust: number | string[] | false,
): boolean | string[] | ((a: string, hop: number) => boolean) {
  return typeof trust === "number" ? (_address: string, hop: number) => hop < trust : trust;
}

export async function buildHttpApp(ctx: AppContext, opts: HttpOptions): Promise<App> {
  const timeouts = { ...HTTP_TIMEOUTS, ...opts.timeouts };
  const app = Fastify({
    loggerInstance: ctx.log as FastifyBaseLogger,
    // Routes that carry more say so (see BODY_LIMITS); a refused body is a 413 before any of it is parsed.
    bodyLimit: BODY_LIMITS.default,
    requestTimeout: timeouts.requestMs,
    connectionTimeout: timeouts.idleMs,
    http: { headersTimeout: timeouts.headersMs, connectionsCheckingInterval: timeouts.checkEveryMs },
    requestIdHeader: false,
    // Per-request lines would drown the useful ones; /metrics counts requests instead.
    logController: new LogController({ disableRequestLogging: true }),
    routerOptions: { ignoreTrailingSlash: true },
    trustProxy: trustProxyOption(ctx.config.trustProxy),
  }).withTypeProvider<ZodTypeProvider>() as App;
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(responseSerializer(opts.checkResponses ?? process.env.NODE_ENV === "test"));
  app.decorateRequest("auth", null);

  // Text bodies stay text; their size is the route's limit (or the small default), never the parser's own.
  app.addContentTypeParser(["text/csv", "text/plain"], { parseAs: "string" }, (_r, b, d) => d(null, b));
  app.addContentTypeParser(
    ["text/xml", "application/xml", "application/soap+xml"],
    { parseAs: "string" },
    (_r, b, d) => d(null, b),
  );
  // JSON nested deeper, or holding more items, than any schema takes is refused by a scan of the text, before
  // the parser builds anything.
  const parseJson = app.getDefaultJsonParser("error", "error");
  app.addContentTypeParser("application/json", { parseAs: "string" }, (req, body, done) => {
    try {
      checkJsonShape(body as string);
    } catch (e) {
      return done(e as Error, undefined);
    }
    return parseJson(req, body as string, done);
  });

  // Who is asking is settled before a body is read: a route that needs a signed-in user (or the operator) refuses
  // anyone else without parsing what they sent. Routes open to everyone say `security: []` in their schema.
  app.addHook("onRoute", (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    if (!methods.some((m) => m === "POST" || m === "PUT" || m === "PATCH")) return;
    if (!route.url.startsWith("/api/v1/")) return;
    const schema = route.schema as { security?: unknown[] } | undefined;
    if (Array.isArray(schema?.security) && schema.security.length === 0) return;
    const isOperator = route.url.startsWith("/api/v1/operator/");
    const who = async (req: Parameters<typeof requireUser>[0]) => {
      if (isOperator) requireOperator(ctx, req);
      else requireUser(req);
    };
    route.preParsing = [
      who,
      ...(route.preParsing ? [route.preParsing].flat() : []),
    ] as typeof route.preParsing;
  });

  await app.register(fastifyCookie);
  await app.register(fastifyHelmet, {
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", "data:"],
        frameSrc: ["'self'"],
        formAction: ["'self'", "*"],
        upgradeInsecureRequests: null,
      },
    },
    crossOriginEmbedderPolicy: false,
  });
  await app.register(fastifySwagger, {
    openapi: {
      openapi: "3.0.3",
      info: {
        title: "Costbridge API",
        version: "1.0.0",
        description:
          "Construction budgets from project managers to QuickBooks through accounting acceptance.",
      },
      components: {
        securitySchemes: {
          bearer: { type: "http", scheme: "bearer" },
          operator: {
            type: "http",
            scheme: "bearer",
            description: "OPERATOR_TOKEN, for /api/v1/operator routes",
          },
        },
      },
      security: [{ bearer: [] }],
    },
    transform: jsonSchemaTransform,
  });
  await app.register(fastifySwaggerUi, { routePrefix: "/docs" });

  const metrics = createMetrics();
  app.addHook("onResponse", async (req, reply) => {
    metrics.observeRequest(
      req.method,
      req.routeOptions.url ?? "unmatched",
      reply.statusCode,
      reply.elapsedTime,
    );
  });

  // Who is calling: every /api/v1 route except the operator's (which take only the operator token).
  app.addHook("onRequest", async (req) => {
    const url = req.url;
    if (!url.startsWith("/api/v1/") || url.startsWith("/api/v1/operator/")) return;
    const auth = await authenticate(ctx, req);
    // Signing in needs no CSRF token: it only ever creates a new session, never acts within one.
    const isSignIn = req.method === "POST" && /^\/api\/v1\/auth\/(session|token)\/?(\?|$)/.test(url);
    if (auth && !isSignIn) checkCsrf(req, auth);
    req.auth = auth;
  });

  app.addHook("preValidation", async (req) => {
    for (const [where, value] of [
      ["", req.body],
      ["query.", req.query],
      ["params.", req.params],
    ] as const) {
      const found = findUnstorableText(value);
      if (found !== null) {
        const field = `${where}${found}` || "body";
        throw new AppError(
          "invalid_input",
          `${field}: contains a character that cannot be stored (NUL or a broken UTF-16 pair).`,
          { field },
        );
      }
    }
  });

  app.setErrorHandler(async (err: FastifyError, req, reply) => {
    // Refused before the body was read (too large, or not the caller's to send): let the client finish sending.
    await discardUnreadBody(req.raw);
    if (err instanceof AppError) {
      const retryAfter = err.extra.details?.retryAfterSeconds;
      if (statusOf(err.code) === 429 && retryAfter) reply.header("Retry-After", String(retryAfter));
      return sendError(reply, err.code, err.message, err.extra.field, err.extra.details);
    }
    if (hasZodFastifySchemaValidationErrors(err)) {
      const first = err.validation[0];
      const params = (first?.params ?? {}) as { keys?: string[] };
      const basePath = (first?.instancePath ?? "").replace(/^\//, "").replace(/\//g, ".");
      const where = err.validationContext === "body" ? "" : `${err.validationContext}.`;
      if (first?.keyword === "unrecognized_keys") {
        const key = params.keys?.[0] ?? "";
        const field = `${where}${basePath ? `${basePath}.` : ""}${key}`;
        return sendError(reply, "unknown_field", `Unknown field \`${field}\`.`, field);
      }
      const field = `${where}${basePath}` || undefined;
      return sendError(
        reply,
        "invalid_input",
        `${field ? `${field}: ` : ""}${first?.message ?? "invalid input"}`,
        field,
      );
    }
    if (
      err.code === "FST_ERR_CTP_INVALID_JSON_BODY" ||
      (err instanceof SyntaxError && err.statusCode === 400)
    ) {
      return sendError(reply, "malformed_json", "The request body is not valid JSON.");
    }
    if (err.code === "FST_ERR_CTP_EMPTY_JSON_BODY") {
      return sendError(reply, "malformed_json", "The request body is empty; send a JSON object.");
    }
    if (err.code === "FST_ERR_CTP_BODY_TOO_LARGE" || err.statusCode === 413) {
      return sendError(reply, "body_too_large", "The request body is too large.");
    }
    if (err.code === "FST_ERR_CTP_INVALID_MEDIA_TYPE" || err.statusCode === 415) {
      return sendError(reply, "unsupported_media_type", "Send JSON (Content-Type: application/json).");
    }
    if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500) {
      return sendError(reply, "invalid_input", err.message);
    }
    if (isDatabaseDown(err)) {
      req.log.warn({ err: err.message }, "database unavailable");
      reply.header("Retry-After", "5");
      return sendError(reply, "database_unavailable", "The database is unavailable; try again shortly.");
    }
    req.log.error({ err }, "unhandled error");
    return sendError(reply, "internal_error", "Something went wrong on our side.");
  });

  app.get("/healthz", { schema: { hide: true } }, async (_req, reply) => {
    const ready = ctx.readiness.migrated && ctx.readiness.seeded && ctx.readiness.workerRunning();
    const dbOk = await databaseReachable(ctx);
    if (ready && dbOk) return { ok: true };
    return reply
      .status(503)
      .send({ ok: false, database: dbOk, ...ctx.readiness, worker: ctx.readiness.workerRunning() });
  });
  app.get("/metrics", { schema: { hide: true } }, async (_req, reply) => {
    reply.header("Content-Type", metrics.contentType);
    return metrics.render(ctx);
  });
  app.get(
    "/api/v1/openapi.json",
    { schema: { hide: true, response: { 200: z.record(z.string(), z.unknown()) } } },
    async () => app.swagger() as unknown as Record<string, unknown>,
  );

  for (const mount of opts.mounts ?? []) {
    await app.register(
      async (scope) => {
        scope.addHook("onRoute", (route) => {
          route.bodyLimit ??= BODY_LIMITS.emulator;
        });
        await scope.register(mount.plugin);
      },
      { prefix: mount.prefix },
    );
  }
  for (const route of opts.routes) await route(app, ctx);

  const webDist = opts.webDist === undefined ? WEB_DIST : opts.webDist;
  const hasWeb = webDist && existsSync(path.join(webDist, "index.html"));
  if (hasWeb) {
    await app.register(fastifyStatic, { root: webDist, prefix: "/", wildcard: false, index: false });
  }
  app.setNotFoundHandler((req, reply) => {
    const isPage =
      req.method === "GET" &&
      !req.url.startsWith("/api/") &&
      !req.url.startsWith("/emulators/") &&
      (req.headers.accept ?? "").includes("text/html");
    if (isPage && hasWeb) return reply.type("text/html").sendFile("index.html");
    return sendError(reply, "not_found", `No route ${req.method} ${req.url.split("?")[0]}.`);
  });
  return app;
}
