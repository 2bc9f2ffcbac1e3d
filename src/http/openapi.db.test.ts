import type { RouteOptions } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, type TestApp } from "../../test/support/app.js";
import { buildHttpApp } from "./app.js";
import { allRoutes } from "./routes/index.js";

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(async () => {
  await t?.close();
});

type Operation = { responses?: Record<string, { content?: Record<string, { schema?: unknown }> }> };

describe("the OpenAPI document", () => {
  it("describes the success and the error answers of every operation", async () => {
    const res = await t.app.inject({ url: "/api/v1/openapi.json" });
    expect(res.statusCode).toBe(200);
    const doc = res.json() as { paths: Record<string, Record<string, Operation>> };
    const operations = Object.entries(doc.paths).flatMap(([p, methods]) =>
      Object.entries(methods).map(([m, op]) => ({ name: `${m.toUpperCase()} ${p}`, op })),
    );
    expect(operations.length).toBeGreaterThan(70);
    const undescribed: string[] = [];
    for (const { name, op } of operations) {
      const codes = Object.keys(op.responses ?? {});
      const success = codes.find((c) => /^2\d\d$/.test(c));
      if (!success) {
        undescribed.push(`${name}: no success answer`);
        continue;
      }
      // JSON answers under application/json; a file route (CSV, .qwc) under the type it `produces`.
      const schemaOf = (code: string) =>
        Object.values(op.responses?.[code]?.content ?? {}).find((c) => c.schema)?.schema;
      if (success !== "204" && !schemaOf(success)) {
        undescribed.push(`${name}: ${success} without a schema`);
      }
      for (const errors of ["4XX", "5XX"]) {
        const schema = schemaOf(errors) as { properties?: { error?: { required?: string[] } } } | undefined;
        if (!schema?.properties?.error?.required?.includes("code")) undescribed.push(`${name}: no ${errors}`);
      }
    }
    expect(undescribed).toEqual([]);
  });

  it("every /api/v1 route declares its answer, hidden ones included", async () => {
    const routes: RouteOptions[] = [];
    const app = await buildHttpApp(t.ctx, {
      routes: [(a) => void a.addHook("onRoute", (r) => void routes.push(r)), ...allRoutes],
      webDist: null,
    });
    try {
      const api = routes.filter((r) => r.url.startsWith("/api/v1/"));
      expect(api.length).toBeGreaterThan(70);
      const without = api
        .filter((r) => !(r.schema as { response?: unknown } | undefined)?.response)
        .map((r) => `${r.method} ${r.url}`);
      expect(without).toEqual([]);
    } finally {
      await app.close();
    }
  });
});
