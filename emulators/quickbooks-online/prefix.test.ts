import formbody from "@fastify/formbody";
import Fastify, { type FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createQboEmulator, type QboEmulator } from "./index.js";
import { type AnyJson, authorize, json, REDIRECT_URI, tokenRequest } from "./test-support.js";

const PREFIX = "/emulators/quickbooks-online";
let app: FastifyInstance;
let emulator: QboEmulator;
let origin: string;
let base: string;

beforeAll(async () => {
  emulator = createQboEmulator();
  app = Fastify();
  // A host application with its own body parsers and routes, as the product has.
  await app.register(formbody);
  app.post("/host/echo", async (request) => ({ received: request.body }));
  await app.register(emulator.plugin, { prefix: PREFIX });
  await app.listen({ port: 0, host: "127.0.0.1" });
  const address = app.server.address();
  origin = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;
  base = `${origin}${PREFIX}`;
});

afterAll(async () => {
  await app.close();
  await emulator.close();
});

describe("mounted under a prefix", () => {
  it("runs the OAuth flow and the API under the prefix", async () => {
    const callback = await authorize(base);
    expect(callback.searchParams.get("realmId")).toBe(emulator.defaultRealmId);
    const tokens = await json(
      await tokenRequest(base, {
        grant_type: "authorization_code",
        code: callback.searchParams.get("code") as string,
        redirect_uri: REDIRECT_URI,
      }),
    );
    const response = await fetch(`${base}/v3/company/${emulator.defaultRealmId}/customer`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${tokens.access_token}`,
        accept: "application/json",
        "content-type": "application/json",
      },
      body: JSON.stringify({ DisplayName: "Mounted Job", ParentRef: { value: "1" } }),
    });
    expect(response.status).toBe(200);
    expect((await json(response)).Customer.FullyQualifiedName).toBe("Acme Builders Jobs:Mounted Job");
  });

  it("reports paths relative to the mount point and builds URLs that include it", async () => {
    const log = await json(await fetch(`${base}/__emulator/requests`));
    expect(log.items.map((entry: AnyJson) => entry.path)).toContain("/oauth2/v1/tokens/bearer");
    const discovery = await json(await fetch(`${base}/.well-known/openid_configuration`));
    expect(discovery.token_endpoint).toBe(`${base}/oauth2/v1/tokens/bearer`);
  });

  it("leaves the host application's body parsing alone", async () => {
    const jsonEcho = await fetch(`${origin}/host/echo`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ a: 1 }),
    });
    expect(await json(jsonEcho)).toEqual({ received: { a: 1 } });
    const formEcho = await fetch(`${origin}/host/echo`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: "b=2",
    });
    expect(await json(formEcho)).toEqual({ received: { b: "2" } });
  });
});
