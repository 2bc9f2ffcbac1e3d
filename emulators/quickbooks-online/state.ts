import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Obj } from "./faults.js";

export const ENTITY_NAMES = [
  "Customer",
  "Item",
  "Class",
  "Account",
  "Estimate",
  "Vendor",
  "PurchaseOrder",
] as const;
export type EntityName = (typeof ENTITY_NAMES)[number];

export interface RealmState {
  realmId: string;
  companyInfo: Obj;
  preferences: Obj;
  entities: Record<EntityName, Record<string, Obj>>;
  /** Ids of deleted transactions, so a later read can say "Another user has deleted this transaction". */
  deletedIds: Record<EntityName, string[]>;
  nextId: Record<EntityName, number>;
  nextDocNumber: number;
  /** Employee names: they share the DisplayName namespace with customers and vendors. */
  reservedNames: string[];
  /** Read-only lists of the company's country edition (see countries.ts); absent in state saved before them. */
  taxCodes?: Obj[];
  taxRates?: Obj[];
  /** CompanyCurrency rows: the foreign currencies a multicurrency company holds. */
  currencies?: Obj[];
  /** Invoices made from estimates through the control plane (the emulator does not model Invoice itself). */
  invoiceSeq?: number;
  /** Every create, update and delete of the last 30 days, oldest first: what change data capture answers from. */
  changes?: ChangeRecord[];
}

export interface ChangeRecord {
  entity: EntityName;
  id: string;
  operation: "Create" | "Update" | "Delete";
  /** Epoch milliseconds (emulator clock). */
  at: number;
}

export interface AuthCodeRecord {
  code: string;
  clientId: string;
  redirectUri: string;
  realmId: string;
  issuedAt: number;
  used: boolean;
  familyId: string | null;
}

/** Everything issued from one consent: the refresh-token chain and the access tokens minted from it. */
export interface TokenFamilyRecord {
  id: string;
  realmId: string;
  clientId: string;
  createdAt: number;
  revoked: boolean;
}

export interface RefreshTokenRecord {
  familyId: string;
  issuedAt: number;
  expiresAt: number;
  superseded: boolean;
}

export interface AccessTokenRecord {
  familyId: string;
  realmId: string;
  expiresAt: number;
}

export interface ReplayRecord {
  status: number;
  contentType: string;
  body: string;
  fingerprint: string;
  storedAt: number;
  hits: number;
}

export interface Limits {
  perMinute: number;
  perSecond: number;
  concurrent: number;
  batchPerMinute: number;
}

export type RotationPolicy = "24h" | "always";

export interface Settings {
  rotation: RotationPolicy;
  consent: "allow" | "deny";
  consentRealmId: string | null;
  limits: Limits;
  requestIdMismatch: "replay" | "fault600";
  replayTtlSeconds: number;
  batchMaxItems: number;
}

export interface PersistedState {
  version: 1;
  defaultRealmId: string;
  realmSeq: number;
  realms: Record<string, RealmState>;
  codes: Record<string, AuthCodeRecord>;
  families: Record<string, TokenFamilyRecord>;
  refreshTokens: Record<string, RefreshTokenRecord>;
  accessTokens: Record<string, AccessTokenRecord>;
  /** Keyed by realm id and requestid joined with a NUL. */
  replay: Record<string, ReplayRecord>;
  clockOffsetMs: number;
  settings: Settings;
}

const STATE_FILE = "quickbooks-online-state.json";

export function loadState(stateDir: string): PersistedState | null {
  let text: string;
  try {
    text = readFileSync(join(stateDir, STATE_FILE), "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw error;
  }
  const parsed = JSON.parse(text) as PersistedState;
  if (parsed.version !== 1) throw new Error(`Unsupported emulator state version ${String(parsed.version)}`);
  // State saved before vendors and purchase orders were modelled gains their (empty) tables.
  for (const realm of Object.values(parsed.realms)) {
    for (const name of ENTITY_NAMES) {
      realm.entities[name] ??= {};
      realm.deletedIds[name] ??= [];
      realm.nextId[name] ??= 1;
    }
  }
  return parsed;
}

/** Temp file + fsync + rename, so a crash leaves either the previous or the new state, never a torn file. */
export function saveState(stateDir: string, state: PersistedState): void {
  mkdirSync(stateDir, { recursive: true });
  const target = join(stateDir, STATE_FILE);
  const temp = `${target}.${process.pid}.tmp`;
  writeFileSync(temp, JSON.stringify(state));
  const fd = openSync(temp, "r");
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(temp, target);
}
