/**
 * What every QuickBooks Online export shares, whatever document it writes (an estimate for a budget, a purchase
 * order for a commitment): the idempotency keys of its writes, the per-realm reference cache, the company setup,
 * the project's job (found or created), the cost codes' items and the categories' classes, and the sorting of
 * QuickBooks' faults into outcomes. A document's export extends `QboRun` with its own checks and its write.
 */
import { createHash } from "node:crypto";
import type { EstimateExportLine, EstimateExportRequest, UnfinishedOutcome } from "../connector.js";
import { type QboClient, qboQuote } from "./client.js";
import { currencyProblem, type QboCompanySetup, readCompanySetup } from "./company-setup.js";
import {
  classifyQboError,
  classifyTransportError,
  type FaultSubject,
  QboApiError,
  QboClientCredentialsError,
  QboReconnectNeededError,
  QboTransportError,
} from "./errors.js";
import { classNameFor, type EstimateTaxSetup, itemNameFor, jobDisplayName, skuFor } from "./mapping.js";
import {
  type CachedReference,
  NO_REFERENCE_CACHE,
  type QboReferenceCache,
  refKey,
} from "./reference-cache.js";
import type { QboAccount, QboClass, QboCustomer, QboItem, QboPreferences } from "./types.js";

export interface QboExportDeps {
  client: QboClient;
  /** Minimum wait after a 429 (QUICKBOOKS_THROTTLE_BACKOFF_SECONDS in ms). */
  throttleBackoffMs: number;
  /** Income account for items created here; by default the first active Income account of the company. */
  incomeAccountRef?: string | null;
  /** Told what the company's setup is each time it is read (to keep send prerequisites and previews current). */
  onCompanySetup?: (setup: QboCompanySetup) => Promise<void>;
  /** What earlier exports learned about this realm's records (shared by every process in the product). */
  referenceCache?: QboReferenceCache;
}

/** How long the company setup (preferences, country, currencies, tax code) is trusted without reading it again. */
export const SETUP_CACHE_MS = 60 * 60 * 1000;

/** The kinds of remembered records; a refused write refreshes one kind (or all it cannot tell apart). */
export type RefKind = "setup" | "job" | "items" | "classes" | "vendor";

export interface CachedSetup {
  prefs: Pick<QboPreferences, "SalesFormsPrefs" | "AccountingInfoPrefs">;
  setup: QboCompanySetup;
}

/** Which remembered records a 610/2500 on this element can be about. */
function kindsOfElement(element: string): RefKind[] | null {
  if (/ItemRef|IncomeAccountRef|ExpenseAccountRef/i.test(element)) return ["items"];
  if (/VendorRef|APAccountRef/i.test(element)) return ["vendor"];
  if (/CustomerRef|ParentRef/i.test(element)) return ["job"];
  if (/ClassRef/i.test(element)) return ["classes"];
  if (/TaxCode|CurrencyRef/i.test(element)) return ["setup"];
  return null;
}

/** A finished outcome raised from deep inside the run. */
export class Finished extends Error {
  constructor(readonly outcome: UnfinishedOutcome) {
    super(outcome.kind);
  }
}

export function reject(code: string, message: string, remedy: string): never {
  throw new Finished({ kind: "rejected", code, message, remedy });
}

/** "an estimate", "a purchase order". */
export function withArticle(noun: string): string {
  return `${/^[aeiou]/i.test(noun) ? "an" : "a"} ${noun}`;
}

/** Idempotency key of one write: stable across re-runs of the attempt, new for the next attempt. */
export function requestIdFor(
  req: Pick<EstimateExportRequest, "companyId" | "submissionId" | "attempt">,
  step: string,
) {
  const digest = createHash("sha256")
    .update(`${req.companyId}\u0000${req.submissionId}\u0000${req.attempt}\u0000${step}`)
    .digest("hex");
  return `cb-${digest.slice(0, 40)}`;
}

export function isNotFound(err: unknown): err is QboApiError {
  return err instanceof QboApiError && err.fault.code === "610";
}

export function sameName(a: string | undefined, b: string): boolean {
  return (a ?? "").trim().toLowerCase() === b.trim().toLowerCase();
}

export const MAX_STALE_RETRIES = 3;

/** Turns what a run threw into an outcome; anything unrecognised is a bug and is rethrown. */
export function outcomeOf(
  err: unknown,
  subject: FaultSubject | undefined,
  throttleBackoffMs: number,
): UnfinishedOutcome {
  if (err instanceof Finished) return err.outcome;
  if (err instanceof QboReconnectNeededError) return { kind: "reconnect_needed", message: err.message };
  if (err instanceof QboTransportError) {
    const c = classifyTransportError(err);
    if (c.kind === "retryable") return c;
  }
  if (err instanceof QboClientCredentialsError) {
    return {
      kind: "rejected",
      code: "quickbooks_app_credentials",
      message: err.message,
      remedy:
        "Ask the Costbridge administrator to check the QuickBooks app credentials, then retry the export.",
    };
  }
  if (err instanceof QboApiError) {
    const c = classifyQboError(err.fault, subject ? { throttleBackoffMs, subject } : { throttleBackoffMs });
    if (c.kind === "auth") {
      // The client already refreshed once and QuickBooks still refused: let the job try again later.
      return { kind: "retryable", code: "quickbooks_unauthorized", message: err.message };
    }
    return c;
  }
  throw err;
}

/**
 * The fault remedies speak of the estimate and the budget; for a purchase order they name the purchase order and
 * the commitment instead. Only our own remedy is reworded, never what QuickBooks said.
 */
export function forPurchaseOrder(outcome: UnfinishedOutcome): UnfinishedOutcome {
  if (outcome.kind !== "rejected") return outcome;
  const remedy = outcome.remedy
    .replace(/\ban estimate\b/g, "a purchase order")
    .replace(/\bestimates\b/g, "purchase orders")
    .replace(/\bestimate\b/g, "purchase order")
    .replace(/\bbudgets\b/g, "commitments")
    .replace(/\bbudget\b/g, "commitment");
  return { ...outcome, remedy };
}

export interface Job {
  id: string;
  name: string;
  created: boolean;
}

/** What a run needs from its request: who and what is exported, and the lines' cost codes and categories. */
export interface QboRunRequest {
  companyId: string;
  submissionId: string;
  attempt: number;
  project: EstimateExportRequest["project"];
  lines: ReadonlyArray<
    Pick<EstimateExportLine, "costCode" | "costCodeDescription" | "category" | "categoryName" | "itemRef">
  >;
  createMissingItems: boolean;
  useClasses: boolean;
  currency?: string;
}

export abstract class QboRun<R extends QboRunRequest> {
  /** What the current step is about, so a fault's remedy names it. */
  subject: FaultSubject | undefined;
  protected readonly client: QboClient;
  protected incomeAccount: string | null = null;
  protected readonly chosenIncomeAccount: boolean;
  protected setup: QboCompanySetup | null = null;
  protected readonly onCompanySetup: QboExportDeps["onCompanySetup"];
  protected readonly cache: QboReferenceCache;
  protected readonly realmId: string;
  /** Entries of the cache this run may use, loaded once at the start. */
  protected known = new Map<string, CachedReference>();
  /** Keys this run took from the cache, by kind: what a refusal can be blamed on. */
  protected readonly served = new Map<RefKind, Set<string>>();
  /** Kinds looked up in QuickBooks again (the cache is bypassed for them). */
  protected readonly refreshed = new Set<RefKind>();
  /** 0 for the first pass, 1 for the one retry after refreshing a stale reference. */
  protected pass = 0;
  protected readonly createdItems = new Set<string>();
  /** How the document is named in messages: "estimate", "purchase order". */
  protected abstract readonly documentName: string;

  constructor(
    protected readonly req: R,
    deps: QboExportDeps,
  ) {
    this.client = deps.client;
    this.realmId = deps.client.realmId;
    this.incomeAccount = deps.incomeAccountRef ?? null;
    this.chosenIncomeAccount = this.incomeAccount !== null;
    this.onCompanySetup = deps.onCompanySetup;
    this.cache = deps.referenceCache ?? NO_REFERENCE_CACHE;
  }

  /** The requestid of a step: stable for the attempt; the retry after a refresh has its own, equally stable. */
  protected key(step: string): string {
    return requestIdFor(this.req, this.pass === 0 ? step : `${step}:again`);
  }

  // ---- the reference cache -----------------------------------------------------------------------------------

  /** Keys of the cache only this kind of document uses (its own earlier write, its vendor, …). */
  protected abstract documentCacheKeys(): string[];

  /** Told which kinds of remembered records are looked up again, to drop what the document derived from them. */
  protected onRefresh(_kinds: RefKind[]): void {}

  /** Every key this export could use, fetched in one round trip. */
  protected async loadCache(): Promise<void> {
    const { project, lines } = this.req;
    const keys = [refKey.setup(this.currency), refKey.incomeAccount()];
    if (project.existingJobRef) keys.push(refKey.customerById(project.existingJobRef));
    else keys.push(refKey.customerByName(jobDisplayName(project.name)));
    if (project.parentCustomerRef) keys.push(refKey.customerById(project.parentCustomerRef));
    else if (project.parentCustomerName?.trim())
      keys.push(refKey.customerByName(jobDisplayName(project.parentCustomerName.trim())));
    for (const line of lines) {
      if (line.itemRef) keys.push(refKey.itemById(line.itemRef));
      keys.push(refKey.itemByName(itemNameFor(line.costCode, line.costCodeDescription)));
      if (this.req.useClasses) keys.push(refKey.classByName(classNameFor(line.categoryName)));
    }
    keys.push(...this.documentCacheKeys());
    try {
      this.known = await this.cache.load(this.realmId, [...new Set(keys)]);
    } catch {
      // The cache only saves calls: without it every reference is looked up in QuickBooks.
      this.known = new Map();
    }
  }

  /** A remembered record of `kind`, unless this run refreshed that kind. Inactive records are never trusted. */
  protected cached<T extends { Active?: boolean }>(kind: RefKind, key: string): T | null {
    if (this.refreshed.has(kind)) return null;
    const hit = this.known.get(key);
    if (!hit) return null;
    const data = hit.data as T;
    if (data.Active === false) return null;
    const keys = this.served.get(kind) ?? new Set<string>();
    keys.add(key);
    this.served.set(kind, keys);
    return data;
  }

  protected async remember(
    entries: Array<[key: string, entityType: string, entity: { Id?: string; SyncToken?: string } | object]>,
  ): Promise<void> {
    const rows = entries.map(([key, entityType, entity]) => {
      const e = entity as { Id?: string; SyncToken?: string };
      const ref: CachedReference = {
        entityType,
        entityId: e.Id ?? null,
        syncToken: e.SyncToken ?? null,
        data: entity,
      };
      this.known.set(key, ref);
      return [key, ref] as const;
    });
    try {
      await this.cache.store(this.realmId, rows);
    } catch {
      // Not remembering only costs a look-up next time.
    }
  }

  protected async forget(keys: string[]): Promise<void> {
    for (const key of keys) this.known.delete(key);
    try {
      await this.cache.forget(this.realmId, keys);
    } catch {
      // A stale entry left behind is refused by QuickBooks next time and refreshed then.
    }
  }

  async forgetSetup(): Promise<void> {
    if (this.served.has("setup")) await this.forget([refKey.setup(this.currency)]);
  }

  /**
   * Whether `err` says a remembered record is gone, inactive or invalid (610, 2500) and there is something to
   * refresh: then the kinds it can be about are forgotten and looked up again. Only once per run.
   */
  protected async refreshStale(err: unknown): Promise<boolean> {
    // Only a write is refused over a reference; a look-up that fails was not answered from the cache.
    if (this.pass > 0 || !(err instanceof QboApiError) || err.request.method !== "POST") return false;
    if (err.fault.code !== "610" && err.fault.code !== "2500") return false;
    const kinds = (kindsOfElement(err.fault.element) ?? [...this.served.keys()]).filter((k) =>
      this.served.has(k),
    );
    if (kinds.length === 0) return false;
    const keys: string[] = [];
    for (const kind of kinds) {
      keys.push(...(this.served.get(kind) ?? []));
      this.refreshed.add(kind);
      this.served.delete(kind);
    }
    if (kinds.includes("items") && !this.chosenIncomeAccount) this.incomeAccount = null;
    this.onRefresh(kinds);
    await this.forget(keys);
    return true;
  }

  protected get currency(): string {
    return (this.req.currency ?? "USD").toUpperCase();
  }

  protected async checkPreferences(): Promise<void> {
    this.subject = { kind: "other" };
    const key = refKey.setup(this.currency);
    const stored = this.known.get(key);
    const fresh = stored && Date.now() - (stored.storedAtMs ?? 0) < SETUP_CACHE_MS;
    const cached = fresh ? this.cached<CachedSetup & { Active?: boolean }>("setup", key) : null;
    if (cached) {
      this.checkDocumentPrefs(cached.prefs);
      this.setup = this.checkSetup(cached.setup);
      return;
    }
    const prefs = await this.client.preferences();
    this.checkDocumentPrefs(prefs);
    this.setup = await this.readSetup(prefs);
    const entry: CachedSetup = {
      prefs: { SalesFormsPrefs: prefs.SalesFormsPrefs, AccountingInfoPrefs: prefs.AccountingInfoPrefs },
      setup: this.setup,
    };
    await this.remember([[key, "Preferences", entry]]);
  }

  protected async readSetup(prefs: QboPreferences): Promise<QboCompanySetup> {
    const setup = await readCompanySetup(this.client, prefs, this.currency);
    await this.onCompanySetup?.(setup);
    return this.checkSetup(setup);
  }

  protected checkSetup(setup: QboCompanySetup): QboCompanySetup {
    const problem = currencyProblem(setup, this.currency);
    if (problem) reject(problem.code, problem.message, problem.remedy);
    this.checkDocumentSetup(setup);
    return setup;
  }

  /** What the document needs of the company setup beyond its currency (refuse with `reject`). */
  protected checkDocumentSetup(_setup: QboCompanySetup): void {}

  /** What the document needs of the company's preferences (refuse with `reject`). */
  protected abstract checkDocumentPrefs(prefs: QboPreferences): void;

  /** Categories as classes need class tracking per line. */
  protected checkClassTracking(prefs: QboPreferences, what: string): void {
    if (this.req.useClasses && prefs.AccountingInfoPrefs?.ClassTrackingPerTxnLine !== true) {
      reject(
        "class_tracking_off",
        `Costbridge is set to record ${what} categories as classes, but this QuickBooks company does not track ` +
          "classes on each line.",
        "In QuickBooks turn on class tracking with one class per row (Settings › Account and settings › Advanced " +
          "› Categories), or turn off classes in the Costbridge ERP settings, then retry.",
      );
    }
  }

  protected get tax(): EstimateTaxSetup {
    return this.setup?.tax ?? { lineTaxCode: "NON" };
  }

  // ---- customer and job ---------------------------------------------------------------------------------------

  protected async findCustomerByName(name: string): Promise<QboCustomer | null> {
    const rows = await this.client.query<QboCustomer>(
      `select * from Customer where DisplayName = ${qboQuote(name)} and Active IN (true, false)`,
    );
    // Prefer an active match: an inactive customer can carry a " (deleted)" twin of the same name.
    const matches = rows.filter((c) => sameName(c.DisplayName, name));
    const found = matches.find((c) => c.Active !== false) ?? matches[0] ?? null;
    if (found) await this.rememberCustomer(found, name);
    return found;
  }

  protected async readCustomer(id: string): Promise<QboCustomer> {
    const cached = this.cached<QboCustomer>("job", refKey.customerById(id));
    if (cached) return cached;
    const customer = await this.client.read<QboCustomer>("customer", id);
    await this.rememberCustomer(customer);
    return customer;
  }

  protected async rememberCustomer(customer: QboCustomer, name?: string): Promise<void> {
    const entries: Array<[string, string, QboCustomer]> = [
      [refKey.customerById(customer.Id), "Customer", customer],
    ];
    const names = new Set([customer.DisplayName, ...(name ? [name] : [])].filter((n) => n));
    for (const n of names) entries.push([refKey.customerByName(n), "Customer", customer]);
    await this.remember(entries);
  }

  protected async resolveJob(): Promise<Job> {
    const { project } = this.req;
    if (project.existingJobRef) {
      this.subject = { kind: "job", name: project.name };
      const job = await this.readCustomer(project.existingJobRef);
      this.subject = { kind: "job", name: job.DisplayName };
      if (job.Active === false) this.rejectInactive();
      this.checkJobCurrency(job);
      return { id: job.Id, name: job.DisplayName, created: false };
    }
    const parent = await this.resolveParent();
    const name = jobDisplayName(project.name);
    this.subject = { kind: "job", name };
    const known = this.cached<QboCustomer>("job", refKey.customerByName(name));
    if (known) return this.adoptJob(known, parent, name);
    // No look-up first: QuickBooks refuses a name it already holds (6240), and only then is the holder looked up.
    try {
      const body: Record<string, unknown> = {
        DisplayName: name,
        Job: true,
        BillWithParent: true,
        ParentRef: { value: parent.Id },
      };
      if (this.tax.currency) body.CurrencyRef = { value: this.tax.currency };
      const created = await this.client.create<QboCustomer>("customer", body, this.key("job"));
      await this.rememberCustomer(created, name);
      return { id: created.Id, name: created.DisplayName, created: true };
    } catch (err) {
      // A duplicate name can be a job an earlier run created, or a name QuickBooks holds elsewhere.
      if (!(err instanceof QboApiError) || err.fault.code !== "6240") throw err;
      const again = await this.findCustomerByName(name);
      if (again) return this.adoptJob(again, parent, name);
      throw err;
    }
  }

  /** With multicurrency, a customer or job deals in one currency, and the estimate must be in it. */
  protected checkJobCurrency(job: QboCustomer): void {
    const want = this.tax.currency;
    const has = job.CurrencyRef?.value;
    if (!want || !has || has === want) return;
    reject(
      "job_currency_mismatch",
      `The QuickBooks job "${job.DisplayName}" deals in ${has}, but this company's budgets are in ${want}.`,
      `Link the project to a QuickBooks job in ${want} (or choose a parent customer in ${want} for a new job), ` +
        "then retry the export.",
    );
  }

  protected adoptJob(found: QboCustomer, parent: QboCustomer, name: string): Job {
    if (found.Active === false) this.rejectInactive();
    this.checkJobCurrency(found);
    if (found.ParentRef?.value !== parent.Id) {
      reject(
        "job_name_taken",
        `QuickBooks already has a customer named "${found.DisplayName}" that is not a job of "${parent.DisplayName}".`,
        `Link the project to that customer in Costbridge if it is the project's job; otherwise rename one of them ` +
          `so the job "${name}" can be added under "${parent.DisplayName}", then retry.`,
      );
    }
    return { id: found.Id, name: found.DisplayName, created: false };
  }

  protected async resolveParent(): Promise<QboCustomer> {
    const { project } = this.req;
    if (project.parentCustomerRef) {
      this.subject = { kind: "parent_customer", name: project.parentCustomerName ?? undefined };
      const parent = await this.readCustomer(project.parentCustomerRef);
      this.subject = { kind: "parent_customer", name: parent.DisplayName };
      if (parent.Active === false) this.rejectInactive();
      return parent;
    }
    const rawName = project.parentCustomerName?.trim();
    if (!rawName) {
      reject(
        "no_job_for_project",
        `Project ${project.number} is not linked to a QuickBooks job and has no parent customer to add one under.`,
        "Link the project to its QuickBooks job, or choose a parent customer for it (or a company default), then retry.",
      );
    }
    const name = jobDisplayName(rawName);
    this.subject = { kind: "parent_customer", name };
    const found =
      this.cached<QboCustomer>("job", refKey.customerByName(name)) ?? (await this.findCustomerByName(name));
    if (found) {
      if (found.Active === false) this.rejectInactive();
      return found;
    }
    try {
      const body: Record<string, unknown> = { DisplayName: name };
      if (this.tax.currency) body.CurrencyRef = { value: this.tax.currency };
      const created = await this.client.create<QboCustomer>("customer", body, this.key("parent"));
      await this.rememberCustomer(created, name);
      return created;
    } catch (err) {
      if (!(err instanceof QboApiError) || err.fault.code !== "6240") throw err;
      const again = await this.findCustomerByName(name);
      if (!again) throw err;
      if (again.Active === false) this.rejectInactive();
      return again;
    }
  }

  /** Rejects with the remedy for an inactive record of the current subject. */
  protected rejectInactive(): never {
    const c = classifyQboError(
      {
        status: 400,
        code: "610",
        message: "Object Not Found",
        detail: `${this.subject?.name ?? "A record"} is inactive in QuickBooks`,
        element: "",
        type: "",
        intuitTid: null,
        retryAfterMs: null,
      },
      this.subject ? { throttleBackoffMs: 0, subject: this.subject } : { throttleBackoffMs: 0 },
    );
    if (c.kind !== "rejected") throw new Error("inactive records are always rejected");
    reject(
      c.code,
      `${this.subject?.name ? `"${this.subject.name}"` : "A record"} is inactive in QuickBooks.`,
      c.remedy,
    );
  }

  // ---- items -------------------------------------------------------------------------------------------------

  protected async resolveItems(): Promise<Map<string, string>> {
    const itemRefs = new Map<string, string>();
    const byCode = new Map<string, { description: string; itemRef: string | null }>();
    for (const line of this.req.lines) {
      const known = byCode.get(line.costCode);
      if (!known || (!known.itemRef && line.itemRef)) {
        byCode.set(line.costCode, { description: line.costCodeDescription, itemRef: line.itemRef ?? null });
      }
    }

    const checked = new Map<string, QboItem>();
    for (const [code, { itemRef }] of byCode) {
      if (!itemRef) continue;
      this.subject = { kind: "item", costCode: code };
      const item = checked.get(itemRef) ?? (await this.readItem(itemRef));
      checked.set(itemRef, item);
      this.subject = { kind: "item", name: item.Name, costCode: code };
      this.checkItemUsable(item, code);
      const ready = await this.prepareItem(item, code);
      checked.set(itemRef, ready);
      itemRefs.set(code, ready.Id);
    }

    const unmapped = [...byCode].filter(([, v]) => !v.itemRef).map(([code, v]) => ({ code, ...v }));
    if (unmapped.length > 0 && !this.req.createMissingItems) {
      const codes = unmapped.map((u) => u.code).join(", ");
      reject(
        "cost_code_not_mapped",
        `Cost code${unmapped.length > 1 ? "s" : ""} ${codes} ${unmapped.length > 1 ? "are" : "is"} not mapped to a ` +
          "QuickBooks item, and creating missing items is turned off.",
        `Map ${codes} to QuickBooks items in ERP Integrations, or turn on "create missing items", then retry.`,
      );
    }
    for (const { code, description } of unmapped) {
      const found = await this.findOrCreateItem(code, description);
      const ready = found.created ? found.item : await this.prepareItem(found.item, code);
      itemRefs.set(code, ready.Id);
      if (found.created) this.createdItems.add(found.item.Name);
    }
    return itemRefs;
  }

  /** What an item about to be used needs for this document (the purchase side for a purchase order). */
  protected async prepareItem(item: QboItem, _costCode: string): Promise<QboItem> {
    return item;
  }

  /** Fields an item created for this document carries besides its name, SKU, type and income account. */
  protected async itemExtras(): Promise<Record<string, unknown>> {
    return {};
  }

  protected async readItem(id: string): Promise<QboItem> {
    const cached = this.cached<QboItem>("items", refKey.itemById(id));
    if (cached) return cached;
    const item = await this.client.read<QboItem>("item", id);
    await this.rememberItem(item);
    return item;
  }

  protected async rememberItem(item: QboItem, name?: string): Promise<void> {
    const entries: Array<[string, string, QboItem]> = [[refKey.itemById(item.Id), "Item", item]];
    const names = new Set([item.Name, ...(name ? [name] : [])].filter((n) => n));
    for (const n of names) entries.push([refKey.itemByName(n), "Item", item]);
    await this.remember(entries);
  }

  protected checkItemUsable(item: QboItem, costCode: string): void {
    if (item.Active === false) this.rejectInactive();
    if (item.Type === "Category") {
      reject(
        "item_is_category",
        `QuickBooks "${item.Name}" (cost code ${costCode}) is a category, which cannot be used on ${withArticle(this.documentName)}.`,
        `Map cost code ${costCode} to a service item in Costbridge, then retry.`,
      );
    }
  }

  protected async findOrCreateItem(
    costCode: string,
    description: string,
  ): Promise<{ item: QboItem; created: boolean }> {
    const name = itemNameFor(costCode, description);
    this.subject = { kind: "item", name, costCode };
    const known = this.cached<QboItem>("items", refKey.itemByName(name));
    if (known) {
      this.subject = { kind: "item", name: known.Name, costCode };
      this.checkItemUsable(known, costCode);
      return { item: known, created: false };
    }
    const byName = await this.findItemByName(name);
    if (byName) {
      await this.rememberItem(byName, name);
      this.checkItemUsable(byName, costCode);
      return { item: byName, created: false };
    }
    // The cost code's description may have changed since its item was added: the code is kept as the SKU.
    const bySku = await this.findItemBySku(skuFor(costCode));
    if (bySku) {
      this.subject = { kind: "item", name: bySku.Name, costCode };
      await this.rememberItem(bySku, name);
      this.checkItemUsable(bySku, costCode);
      return { item: bySku, created: false };
    }
    const incomeAccount = await this.resolveIncomeAccount();
    this.subject = { kind: "item", name, costCode };
    try {
      const item = await this.client.create<QboItem>(
        "item",
        {
          Name: name,
          Sku: skuFor(costCode),
          Type: "Service",
          Description: description,
          IncomeAccountRef: { value: incomeAccount },
          ...(await this.itemExtras()),
        },
        this.key(`item:${costCode}`),
      );
      await this.rememberItem(item, name);
      return { item, created: true };
    } catch (err) {
      if (!(err instanceof QboApiError) || err.fault.code !== "6240") throw err;
      const again = await this.findItemByName(name);
      if (!again) throw err;
      await this.rememberItem(again, name);
      this.checkItemUsable(again, costCode);
      return { item: again, created: false };
    }
  }

  protected async findItemByName(name: string): Promise<QboItem | null> {
    const rows = await this.client.query<QboItem>(
      `select * from Item where Name = ${qboQuote(name)} and Active IN (true, false)`,
    );
    const matches = rows.filter((i) => sameName(i.Name, name));
    return matches.find((i) => i.Active !== false) ?? matches[0] ?? null;
  }

  protected async findItemBySku(sku: string): Promise<QboItem | null> {
    try {
      const rows = await this.client.query<QboItem>(`select * from Item where Sku = ${qboQuote(sku)}`);
      return rows.find((i) => sameName(i.Sku, sku) && i.Type !== "Category") ?? null;
    } catch (err) {
      // Some companies (and older API versions) cannot filter on Sku; the name look-up already ran.
      if (err instanceof QboApiError && (err.fault.code === "4000" || err.fault.code === "4001")) return null;
      throw err;
    }
  }

  protected async resolveIncomeAccount(): Promise<string> {
    if (this.incomeAccount) return this.incomeAccount;
    const known = this.cached<QboAccount>("items", refKey.incomeAccount());
    if (known) {
      this.incomeAccount = known.Id;
      return known.Id;
    }
    this.subject = { kind: "account" };
    const accounts = await this.client.query<QboAccount>(
      "select * from Account where AccountType = 'Income'",
    );
    const first = accounts.filter((a) => a.Active !== false).sort((a, b) => Number(a.Id) - Number(b.Id))[0];
    if (!first) {
      reject(
        "no_income_account",
        "QuickBooks has no active income account for the items Costbridge needs to add.",
        "Add an income account in QuickBooks (Chart of accounts), or map every cost code to an existing item, then retry.",
      );
    }
    this.incomeAccount = first.Id;
    await this.remember([[refKey.incomeAccount(), "Account", first]]);
    return first.Id;
  }

  // ---- classes -----------------------------------------------------------------------------------------------

  protected async resolveClasses(): Promise<Map<string, string>> {
    this.subject = { kind: "class" };
    let listed: QboClass[] | null = null;
    const refs = new Map<string, string>();
    for (const line of this.req.lines) {
      if (refs.has(line.category)) continue;
      const name = classNameFor(line.categoryName);
      this.subject = { kind: "class", name };
      const known = this.cached<QboClass>("classes", refKey.classByName(name));
      if (known) {
        refs.set(line.category, known.Id);
        continue;
      }
      listed ??= await this.client.queryAll<QboClass>("select * from Class");
      const all = listed;
      let found = all.find((c) => sameName(c.Name, name) && c.Active !== false);
      if (found) await this.remember([[refKey.classByName(name), "Class", found]]);
      if (!found) {
        if (!this.req.createMissingItems) {
          reject(
            "class_missing",
            `QuickBooks has no active class named "${name}" for the budget category ${line.category}.`,
            `Add (or reactivate) the class "${name}" in QuickBooks, or turn on "create missing items", then retry.`,
          );
        }
        try {
          found = await this.client.create<QboClass>(
            "class",
            { Name: name },
            this.key(`class:${line.category}`),
          );
        } catch (err) {
          // 6240: an inactive class holds the name.
          if (err instanceof QboApiError && err.fault.code === "6240") this.rejectInactive();
          throw err;
        }
        all.push(found);
        await this.remember([[refKey.classByName(name), "Class", found]]);
      }
      refs.set(line.category, found.Id);
    }
    return refs;
  }
}
