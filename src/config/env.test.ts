import { describe, expect, it } from "vitest";
import { ConfigError, parseEnv } from "./env.js";

function problems(env: Record<string, string>): string[] {
  try {
    parseEnv(env);
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
  return [];
}

describe("configuration", () => {
  it("starts in demo mode on its embedded defaults with nothing set", () => {
    const c = parseEnv({});
    expect(c.demo).toBe(true);
    expect(c.port).toBe(3000);
    expect(c.dataDir).toBe("./.data");
    expect(c.databaseUrl).toBeNull();
    expect(c.publicUrl).toBe("http://localhost:3000");
    expect(c.smtpFrom).toBe("Costbridge <no-reply@localhost>");
    expect(c.quickbooks.throttleBackoffSeconds).toBe(60);
    expect(c.demoWebConnector).toBe(true);
  });

  it("listens on this machine only in demo mode, on every interface in production, or where HOST says", () => {
    expect(parseEnv({}).host).toBe("127.0.0.1");
    const secrets = { SECRET_KEY: "k".repeat(32), OPERATOR_TOKEN: "t".repeat(24) };
    expect(parseEnv({ DATABASE_URL: "postgres://u:p@db:5432/cb", ...secrets }).host).toBe("0.0.0.0");
    expect(parseEnv({ HOST: "0.0.0.0" }).host).toBe("0.0.0.0");
    expect(parseEnv({ DATABASE_URL: "postgres://u:p@db:5432/cb", HOST: "10.0.0.5", ...secrets }).host).toBe(
      "10.0.0.5",
    );
  });

  it("turns the demo off when an external database is given, and then needs the secrets", () => {
    expect(problems({ DATABASE_URL: "postgres://u:p@db:5432/cb" })).toEqual([
      "SECRET_KEY: SECRET_KEY is required outside demo mode",
      "OPERATOR_TOKEN: OPERATOR_TOKEN is required outside demo mode",
    ]);
    const c = parseEnv({
      DATABASE_URL: "postgres://u:p@db:5432/cb",
      SECRET_KEY: "x".repeat(32),
      OPERATOR_TOKEN: "y".repeat(24),
      PUBLIC_URL: "https://budgets.example.com/",
    });
    expect(c.demo).toBe(false);
    expect(c.publicUrl).toBe("https://budgets.example.com");
  });

  it("refuses demo mode in production", () => {
    expect(problems({ NODE_ENV: "production" })).toContain(
      "DEMO: demo mode refuses to start with NODE_ENV=production",
    );
  });

  it("lists every bad value at once, by variable", () => {
    const list = problems({
      PORT: "eighty",
      DATABASE_URL: "mysql://x",
      QUICKBOOKS_ENVIRONMENT: "staging",
      QUICKBOOKS_CLIENT_ID: "abc",
      DEMO: "yes",
      SMTP_URL: "http://mail",
    });
    const vars = list.map((p) => p.split(":")[0]);
    expect(vars).toEqual(
      expect.arrayContaining(["PORT", "DATABASE_URL", "QUICKBOOKS_ENVIRONMENT", "DEMO", "SMTP_URL"]),
    );
    expect(new ConfigError(list).message).toMatch(
      /^Costbridge cannot start; the configuration has problems:\n {2}- /,
    );
  });

  it("accepts a QuickBooks base URL laid out like the emulator", () => {
    const c = parseEnv({
      QUICKBOOKS_ENVIRONMENT: "http://127.0.0.1:4010",
      QUICKBOOKS_CLIENT_ID: "a",
      QUICKBOOKS_CLIENT_SECRET: "b",
    });
    expect(c.quickbooks.environment).toBe("http://127.0.0.1:4010");
  });

  it("treats empty variables as unset", () => {
    expect(parseEnv({ DATABASE_URL: "", PORT: "" }).demo).toBe(true);
  });

  it("reads the operator's process settings, and lists every bad one", () => {
    const prod = {
      DATABASE_URL: "postgres://u:p@db:5432/cb",
      SECRET_KEY: "x".repeat(32),
      OPERATOR_TOKEN: "y".repeat(24),
    };
    const d = parseEnv(prod);
    expect(d.databasePoolSize).toBeNull();
    expect(d.workerId).toBeNull();
    expect(d.workerHealthPort).toBe(3001);
    // An external database is migrated by `costbridge migrate`, not silently by every start.
    expect(d.migrateOnStart).toBe(false);
    expect(parseEnv({}).migrateOnStart).toBe(true);
    const c = parseEnv({
      ...prod,
      DATABASE_POOL_SIZE: "6",
      WORKER_ID: "worker-a.1",
      WORKER_HEALTH_PORT: "off",
      MIGRATE_ON_START: "on",
    });
    expect(c).toMatchObject({
      databasePoolSize: 6,
      workerId: "worker-a.1",
      workerHealthPort: null,
      migrateOnStart: true,
    });
    const list = problems({
      ...prod,
      DATABASE_POOL_SIZE: "1",
      WORKER_ID: "a b",
      WORKER_HEALTH_PORT: "nope",
      MIGRATE_ON_START: "yes",
    });
    expect(list.map((p) => p.split(":")[0])).toEqual(
      expect.arrayContaining(["DATABASE_POOL_SIZE", "WORKER_ID", "WORKER_HEALTH_PORT", "MIGRATE_ON_START"]),
    );
  });
});
