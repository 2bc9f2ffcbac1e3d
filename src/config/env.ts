import { z } from "zod";

const onOff = z.enum(["on", "off"]);

const url = (what: string) =>
  z.string().refine((v) => {
    try {
      new URL(v);
      return true;
    } catch {
      return false;
    }
  }, `${what} must be a URL`);

const rawSchema = z
  .object({
    PORT: z.coerce.number().int().min(0).max(65535).default(3000),
    // Unset: the demo listens on this machine only; a production start (no demo) on every interface.
    HOST: z.string().min(1).optional(),
    DATA_DIR: z.string().min(1).default("./.data"),
    DATABASE_URL: url("DATABASE_URL")
      .refine((v) => /^postgres(ql)?:/.test(v), "DATABASE_URL must be a postgres:// URL")
      .optional(),
    DEMO: onOff.optional(),
    PUBLIC_URL: url("PUBLIC_URL").optional(),
    SMTP_URL: url("SMTP_URL")
      .refine((v) => /^smtps?:/.test(v), "SMTP_URL must be an smtp:// or smtps:// URL")
      .optional(),
    SMTP_FROM: z.string().min(3).default("Costbridge <no-reply@localhost>"),
    SMTP_REPLY_TO: z.string().min(3).optional(),
    SECRET_KEY: z.string().min(32, "SECRET_KEY must be at least 32 characters").optional(),
    OPERATOR_TOKEN: z.string().min(24, "OPERATOR_TOKEN must be at least 24 characters").optional(),
    QUICKBOOKS_CLIENT_ID: z.string().min(1).optional(),
    QUICKBOOKS_CLIENT_SECRET: z.string().min(1).optional(),
    QUICKBOOKS_ENVIRONMENT: z
      .string()
      .refine(
        (v) => v === "sandbox" || v === "production" || /^https?:\/\//.test(v),
        "QUICKBOOKS_ENVIRONMENT must be sandbox, production or a base URL",
      )
      .optional(),
    QUICKBOOKS_THROTTLE_BACKOFF_SECONDS: z.coerce.number().min(0).max(3600).default(60),
    QUICKBOOKS_WEBHOOK_VERIFIER_TOKEN: z
      .string()
      .min(16, "QUICKBOOKS_WEBHOOK_VERIFIER_TOKEN must be at least 16 characters")
      .optional(),
    DEMO_WEB_CONNECTOR: onOff.default("on"),
    NODE_ENV: z.string().optional(),
    LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
    WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(100).default(10),
    TRUST_PROXY: z
      .string()
      .regex(
        /^(\d{1,2}|[0-9A-Fa-f.:/]+(\s*,\s*[0-9A-Fa-f.:/]+)*)$/,
        "TRUST_PROXY must be a number of proxy hops or a comma-separated list of proxy addresses (CIDR allowed)",
      )
      .optional(),
    DATABASE_POOL_SIZE: z.coerce.number().int().min(2).max(500).optional(),
    WORKER_ID: z
      .string()
      .regex(/^[A-Za-z0-9._-]{1,48}$/, "WORKER_ID must be 1-48 letters, digits, dots, dashes or underscores")
      .optional(),
    WORKER_HEALTH_PORT: z.union([z.literal("off"), z.coerce.number().int().min(0).max(65535)]).default(3001),
    MIGRATE_ON_START: onOff.optional(),
  })
  .transform((env, ctx) => {
    const demo = (env.DEMO ?? (env.DATABASE_URL ? "off" : "on")) === "on";
    if (demo && env.NODE_ENV === "production") {
      ctx.addIssue({
        code: "custom",
        path: ["DEMO"],
        message: "demo mode refuses to start with NODE_ENV=production",
      });
    }
    if (!demo && !env.SECRET_KEY) {
      ctx.addIssue({
        code: "custom",
        path: ["SECRET_KEY"],
        message: "SECRET_KEY is required outside demo mode",
      });
    }
    if (!demo && !env.OPERATOR_TOKEN) {
      ctx.addIssue({
        code: "custom",
        path: ["OPERATOR_TOKEN"],
        message: "OPERATOR_TOKEN is required outside demo mode",
      });
    }
    if (Boolean(env.QUICKBOOKS_CLIENT_ID) !== Boolean(env.QUICKBOOKS_CLIENT_SECRET)) {
      ctx.addIssue({
        code: "custom",
        path: ["QUICKBOOKS_CLIENT_SECRET"],
        message: "QUICKBOOKS_CLIENT_ID and QUICKBOOKS_CLIENT_SECRET go together",
      });
    }
    const publicUrl = (env.PUBLIC_URL ?? `http://localhost:${env.PORT}`).replace(/\/+$/, "");
    return {
      port: env.PORT,
      host: env.HOST ?? (demo ? "127.0.0.1" : "0.0.0.0"),
      dataDir: env.DATA_DIR,
      databaseUrl: env.DATABASE_URL ?? null,
      demo,
      publicUrl,
      smtpUrl: env.SMTP_URL ?? null,
      smtpFrom: env.SMTP_FROM,
      smtpReplyTo: env.SMTP_REPLY_TO ?? null,
      secretKey: env.SECRET_KEY ?? null,
      operatorToken: env.OPERATOR_TOKEN ?? null,
      quickbooks: {
        clientId: env.QUICKBOOKS_CLIENT_ID ?? null,
        clientSecret: env.QUICKBOOKS_CLIENT_SECRET ?? null,
        environment: env.QUICKBOOKS_ENVIRONMENT ?? null,
        throttleBackoffSeconds: env.QUICKBOOKS_THROTTLE_BACKOFF_SECONDS,
        /** The app's webhook verifier token at Intuit; null: no webhooks (change data capture every minute). */
        webhookVerifierToken: env.QUICKBOOKS_WEBHOOK_VERIFIER_TOKEN ?? null,
      },
      demoWebConnector: env.DEMO_WEB_CONNECTOR === "on",
      production: env.NODE_ENV === "production",
      logLevel: env.LOG_LEVEL,
      workerConcurrency: env.WORKER_CONCURRENCY,
      // Whose X-Forwarded-For to believe for the client address (sign-in throttling counts per address).
      trustProxy: !env.TRUST_PROXY
        ? (false as const)
        : /^\d+$/.test(env.TRUST_PROXY)
          ? Number(env.TRUST_PROXY)
          : env.TRUST_PROXY.split(",").map((a) => a.trim()),
      /** Unset: 10 for `web` and `worker`, 20 for `start` (web and worker in one process). */
      databasePoolSize: env.DATABASE_POOL_SIZE ?? null,
      workerId: env.WORKER_ID ?? null,
      workerHealthPort: env.WORKER_HEALTH_PORT === "off" ? null : env.WORKER_HEALTH_PORT,
      // The embedded cluster is the product's own: it is kept up to date at start. An external database is the
      // operator's: `costbridge migrate` updates it, and a start finds it up to date or stops.
      migrateOnStart: (env.MIGRATE_ON_START ?? (env.DATABASE_URL ? "off" : "on")) === "on",
    };
  });

export type ParsedEnv = z.output<typeof rawSchema>;

/** Configuration after start-up: secrets are resolved (generated in demo mode), nothing is optional any more. */
export type Config = Readonly<
  Omit<ParsedEnv, "secretKey" | "operatorToken"> & { secretKey: string; operatorToken: string }
>;

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(
      `Costbridge cannot start; the configuration has problems:\n${problems.map((p) => `  - ${p}`).join("\n")}`,
    );
  }
}

/** Parses the environment once; throws ConfigError listing every problem. */
export function parseEnv(env: Record<string, string | undefined>): ParsedEnv {
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ""));
  const result = rawSchema.safeParse(cleaned);
  if (!result.success) {
    throw new ConfigError(
      result.error.issues.map((i) => `${i.path.length ? `${i.path.join(".")}: ` : ""}${i.message}`),
    );
  }
  return result.data;
}
