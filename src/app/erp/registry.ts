/**
 * The ERP registry: every accounting system Costbridge can export to, each described once — its label, its
 * limits, how an admin connects it, its connector, the routes it answers on and whether its tokens live in the
 * token vault. Code outside an ERP's own adapter never names a kind or a product: it asks the registry.
 *
 * Adding an ERP: its adapter folder (`src/erp/<kind>/`, holding its definition) and one line in `BUILT_IN` below.
 * An ERP that answers on routes of its own names its route modules in `routes`; the HTTP layer mounts every
 * registered ERP's modules, so no list in `src/http` names them. A test can plug in an ERP of its own with
 * `registerErp`.
 */
import type { ErpLimits } from "../../domain/send-rules.js";
import type { ErpConnector } from "../../erp/connector.js";
import type { RouteModule } from "../../http/app.js";
import type { AppContext } from "../context.js";
import { QUICKBOOKS_DESKTOP } from "./qbd/definition.js";
import { QUICKBOOKS_ONLINE } from "./qbo-definition.js";

/** An ERP's identifier, as stored in erp_connections.type, exports.erp_type and erp_estimates.erp_type. */
export type ErpKind = string;

/**
 * How an admin connects the company: `oauth` signs in at the ERP's site and comes back with tokens;
 * `agent_credentials` creates a password for an agent on the customer's side that polls us (QuickBooks Desktop's
 * Web Connector); `preconfigured` is connected by whoever installs it (nothing to do on the connection page).
 */
export type ConnectionFlow = "oauth" | "agent_credentials" | "preconfigured";

/**
 * The request that starts connecting a company to an ERP (its answer holds the `authorizeUrl` an `oauth` ERP sends
 * the admin to). `path` is the route's pattern with `:companyId`; answers carry it filled in for their company.
 */
export interface ConnectRoute {
  readonly method: "POST";
  readonly path: string;
}

/** A row of erp_connections as the registry's hooks see it. */
export interface ConnectionRow {
  company_id: string;
  type: string;
  status: string;
  last_error: string | null;
  [column: string]: unknown;
}

export interface ErpDefinition {
  readonly kind: ErpKind;
  /** The product's name as users know it; messages and emails name the company's ERP with it. */
  readonly label: string;
  /** Name lengths the ERP accepts; the send rules check a budget against them before it is sent. */
  readonly limits: ErpLimits;
  readonly connectionFlow: ConnectionFlow;
  /** Whether the ERP's OAuth tokens are kept (encrypted) in erp_connections by the token vault. */
  readonly usesTokenVault: boolean;
  /** URL prefixes of the routes only this ERP serves (its OAuth callback, its agent's endpoint). */
  readonly routePrefixes: readonly string[];
  /**
   * The route modules of the routes only this ERP serves (its connect call, OAuth callback, agent endpoint,
   * webhooks), mounted by the HTTP layer when the app is built. A function, so that the definition and its route
   * modules can import each other in any order.
   */
  routes?(): readonly RouteModule[];
  /** How the web client starts connecting this ERP; absent when the connection page has nothing to start. */
  readonly connectRoute?: ConnectRoute;
  /** The connector the export job writes through; created once per running worker. */
  connector(ctx: AppContext): ErpConnector;
  /** The ERP-specific part of the connection page's `details` (the generic fields are added by the caller). */
  connectionDetails?(ctx: AppContext, row: ConnectionRow): Promise<Record<string, unknown>>;
  /** Called before a connection is marked disconnected (e.g. to revoke its tokens at the ERP); best effort. */
  beforeDisconnect?(ctx: AppContext, companyId: string): Promise<void>;
  /** The name an item created for a cost code gets in the ERP (shown in the acceptance preview). */
  itemName?(code: string, description: string): string;
}

const BUILT_IN: readonly (() => ErpDefinition)[] = [() => QUICKBOOKS_ONLINE, () => QUICKBOOKS_DESKTOP];

let store: Map<ErpKind, ErpDefinition> | null = null;

function definitions(): Map<ErpKind, ErpDefinition> {
  if (!store) {
    store = new Map();
    for (const make of BUILT_IN) {
      const def = make();
      store.set(def.kind, def);
    }
  }
  return store;
}

const KIND_FORMAT = /^[a-z][a-z0-9_]{1,62}$/;

/** Adds an ERP (a test's own, say); a kind is registered once. Returns a function that removes it again. */
export function registerErp(def: ErpDefinition): () => void {
  if (!KIND_FORMAT.test(def.kind)) throw new Error(`ERP kind "${def.kind}" is not lower_snake_case`);
  const all = definitions();
  if (all.has(def.kind)) throw new Error(`ERP kind "${def.kind}" is already registered`);
  all.set(def.kind, def);
  return () => {
    if (all.get(def.kind) === def) all.delete(def.kind);
  };
}

/** Every registered ERP, built-in ones first. */
export function erpDefinitions(): ErpDefinition[] {
  return [...definitions().values()];
}

export function findErp(kind: string | null | undefined): ErpDefinition | undefined {
  return kind ? definitions().get(kind) : undefined;
}

/** The label messages use for a company's ERP; "the ERP" when there is none or it is not known here. */
export function erpLabel(kind: string | null | undefined): string {
  return findErp(kind)?.label ?? "the ERP";
}

/** An ERP's connect route for one company, as answers carry it; undefined when it has none. */
export function connectRouteFor(def: ErpDefinition | undefined, companyId: string): ConnectRoute | undefined {
  if (!def?.connectRoute) return undefined;
  const { method, path } = def.connectRoute;
  return { method, path: path.replace(":companyId", encodeURIComponent(companyId)) };
}

export interface ErpChoice {
  kind: ErpKind;
  label: string;
  connectionFlow: ConnectionFlow;
  connect?: ConnectRoute;
}

/**
 * What the web shows in a company's ERP choices: every registered ERP by kind, label and connection flow, and how
 * to start connecting it when it has a connect route.
 */
export function erpChoices(companyId: string): ErpChoice[] {
  return erpDefinitions().map((d) => {
    const connect = connectRouteFor(d, companyId);
    return {
      kind: d.kind,
      label: d.label,
      connectionFlow: d.connectionFlow,
      ...(connect ? { connect } : {}),
    };
  });
}

/** Every registered ERP's own route modules, in registry order. */
export function registeredRouteModules(): RouteModule[] {
  return erpDefinitions().flatMap((d) => [...(d.routes?.() ?? [])]);
}

/** The export job's connectors: one per registered ERP. */
export function registeredConnectors(ctx: AppContext): Record<ErpKind, ErpConnector> {
  return Object.fromEntries(erpDefinitions().map((d) => [d.kind, d.connector(ctx)]));
}
