import Fastify, { type FastifyPluginAsync } from "fastify";
import {
  type CoreOptions,
  DEFAULT_CLIENT_ID,
  DEFAULT_CLIENT_SECRET,
  EmulatorCore,
  type TokenResponse,
} from "./core.js";
import type { Obj } from "./faults.js";
import { createPlugin } from "./plugin.js";
import type { Limits } from "./state.js";
import type { WebhookSettings } from "./webhooks.js";

export { SEED_PARENT_CUSTOMER } from "./seed.js";
export { intuitSignature, type WebhookSettings } from "./webhooks.js";
export { DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, type TokenResponse };

export interface QboEmulatorOptions {
  clientId?: string;
  clientSecret?: string;
  /** When set, realms, tokens, authorization codes and the requestid replay cache survive restarts and crashes. */
  stateDir?: string;
  /** Per realm; defaults 500/min, 10/s, 10 concurrent, 40 batch requests/min. */
  limits?: Partial<Limits>;
  /** Epoch milliseconds; the control plane's clock advance is added on top. */
  now?: () => number;
  /** When set, `redirect_uri` must be one of these; otherwise any http(s) URI is accepted. */
  allowedRedirectUris?: string[];
  /** Webhook deliveries (endpoint, verifier token, batching, retries); off until a URL and a token are set. */
  webhooks?: Partial<WebhookSettings>;
}

export interface QboEmulatorState {
  realms: Record<string, Record<string, Obj[] | Obj>>;
}

export interface QboEmulator {
  /** Mount with `app.register(emulator.plugin, { prefix })`; every route and generated URL honours the prefix. */
  readonly plugin: FastifyPluginAsync;
  readonly defaultRealmId: string;
  readonly clientId: string;
  readonly clientSecret: string;
  /** A deep copy of every realm's objects, keyed by entity name. */
  state(): QboEmulatorState;
  /** Adds a company with the standard seed data and returns its realm id. */
  seedRealm(): string;
  /** Connects a realm without the browser consent step (demo seeding, tests). */
  issueTokens(realmId?: string): TokenResponse;
  /** Moves the emulator clock forward (token expiry, rate windows, timestamps). */
  advanceClock(seconds: number): void;
  setLimits(limits: Partial<Limits>): Limits;
  /** Changes the webhook settings (as `PUT /__emulator/webhooks`); returns them. */
  configureWebhooks(settings: Partial<WebhookSettings>): WebhookSettings;
  /** Writes pending state to `stateDir`. */
  close(): Promise<void>;
}

export function createQboEmulator(options: QboEmulatorOptions = {}): QboEmulator {
  const core = new EmulatorCore(options satisfies CoreOptions);
  const plugin = createPlugin(core);
  const flushAfter = <T>(result: T): T => {
    core.flush();
    return result;
  };
  return {
    plugin,
    get defaultRealmId() {
      return core.state.defaultRealmId;
    },
    clientId: core.clientId,
    clientSecret: core.clientSecret,
    state: () => core.snapshot(),
    seedRealm: () => flushAfter(core.createRealm()),
    issueTokens: (realmId) => flushAfter(core.issueTokens(realmId ?? core.state.defaultRealmId)),
    advanceClock: (seconds) => {
      core.advanceClock(seconds);
      core.flush();
    },
    setLimits: (limits) => flushAfter({ ...core.setLimits(limits) }),
    configureWebhooks: (settings) => ({ ...core.webhooks.configure(settings) }),
    close: async () => {
      await core.webhooks.close();
      core.markDirty();
      core.flush();
    },
  };
}

export interface StartedQboEmulator {
  /** Base URL without a trailing slash, e.g. `http://127.0.0.1:41234`. */
  url: string;
  emulator: QboEmulator;
  close(): Promise<void>;
}

export async function startQboEmulator(
  options: QboEmulatorOptions & { port: number; host?: string },
): Promise<StartedQboEmulator> {
  const { port, host = "127.0.0.1", ...rest } = options;
  const emulator = createQboEmulator(rest);
  // Shutting down drops open connections: a delayed (fault-injected) request must not hold the close.
  const app = Fastify({ logger: false, forceCloseConnections: true });
  await app.register(emulator.plugin);
  await app.listen({ port, host });
  const address = app.server.address();
  const boundPort = typeof address === "object" && address ? address.port : port;
  const shownHost = host.includes(":") ? `[${host}]` : host;
  return {
    url: `http://${shownHost}:${boundPort}`,
    emulator,
    close: async () => {
      await app.close();
      await emulator.close();
    },
  };
}
