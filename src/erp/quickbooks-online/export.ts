/**
 * Writes one accepted budget to QuickBooks Online as an Estimate on the project's job; the write's own response
 * (the estimate as QuickBooks stored it) is the confirmation. Safe to run again after any failure, crash or lost
 * response: every write carries a requestid derived from (company, submission, attempt, step), and before writing
 * it looks for what an earlier run left. What QuickBooks answered about the job, items, classes, company setup and
 * the estimate is remembered per realm (reference-cache.ts); a write QuickBooks refuses because a remembered
 * record is gone, inactive or stale refreshes just that kind of record and is tried once more.
 */
import { createHash } from "node:crypto";
import type { EstimateExportRequest, ExportOutcome } from "../connector.js";
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
  REMEDY_CHANGED_IN_QUICKBOOKS,
} from "./errors.js";
import {
  buildEstimate,
  centsToDecimal,
  classNameFor,
  closedBy,
  compareEstimate,
  docNumberFor,
  type EstimateTaxSetup,
  type EstimateWrite,
  itemNameFor,
  jobDisplayName,
  MAX_AMOUNT_CENTS,
  ownedDigest,
  parseMarker,
  skuFor,
  sparseUpdateOf,
} from "./mapping.js";
import {
  type CachedReference,
  NO_REFERENCE_CACHE,
  type QboReferenceCache,
  refKey,
} from "./reference-cache.js";
import type { QboAccount, QboClass, QboCustomer, QboEstimate, QboItem, QboPreferences } from "./types.js";

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
type RefKind = "setup" | "job" | "items" | "classes";

interface CachedSetup {
  prefs: Pick<QboPreferences, "SalesFormsPrefs" | "AccountingInfoPrefs">;
  setup: QboCompanySetup;
}

/** Which remembered records a 610/2500 on this element can be about. */
function kindsOfElement(element: string): RefKind[] | null {
  if (/ItemRef|IncomeAccountRef/i.test(element)) return ["items"];
  if (/CustomerRef|ParentRef/i.test(element)) return ["job"];
  if (/ClassRef/i.test(element)) return ["classes"];
  if (/TaxCode|CurrencyRef/i.test(element)) return ["setup"];
  return null;
}

/** A finished outcome raised from deep inside the run. */
class Finished extends Error {
  constructor(readonly outcome: ExportOutcome) {
    super(outcome.kind);
  }
}

function reject(code: string, message: string, remedy: string): never {
  throw new Finished({ kind: "rejected", code, message, remedy });
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

function isNotFound(err: unknown): err is QboApiError {
  return err instanceof QboApiError && err.fault.code === "610";
}

function sameName(a: string | undefined, b: string): boolean {
  return (a ?? "").trim().toLowerCase() === b.trim().toLowerCase();
}

const MAX_STALE_RETRIES = 3;

export async function exportEstimate(
  req: EstimateExportRequest,
  deps: QboExportDeps,
): Promise<ExportOutcome> {
  const run = new ExportRun(req, deps);
  let outcome: ExportOutcome;
  try {
    outcome = await run.run();
  } catch (err) {
    outcome = outcomeOf(err, run.subject, deps.throttleBackoffMs);
  }
  // A refusal may come from a company setup that changed since it was remembered: the next attempt reads it.
  if (outcome.kind === "rejected") await run.forgetSetup();
  return outcome;
}

/** Turns what a run threw into an outcome; anything unrecognised is a bug and is rethrown. */
export function outcomeOf(
  err: unknown,
  subject: FaultSubject | undefined,
  throttleBackoffMs: number,
): ExportOutcome {
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

interface Job {
  id: string;
  name: string;
  created: boolean;
}

class ExportRun {
  /** What the current step is about, so a fault's remedy names it. */
  subject: FaultSubject | undefined;
  private readonly client: QboClient;
  private incomeAccount: string | null = null;
  private readonly chosenIncomeAccount: boolean;
  private setup: QboCompanySetup | null = null;
  private readonly onCompanySetup: QboExportDeps["onCompanySetup"];
  private readonly cache: QboReferenceCache;
  private readonly realmId: string;
  /** Entries of the cache this run may use, loaded once at the start. */
  private known = new Map<string, CachedReference>();
  /** Keys this run took from the cache, by kind: what a refusal can be blamed on. */
  private readonly served = new Map<RefKind, Set<string>>();
  /** Kinds looked up in QuickBooks again (the cache is bypassed for them). */
  private readonly refreshed = new Set<RefKind>();
  /** 0 for the first pass, 1 for the one retry after refreshing a stale reference. */
  private pass = 0;
  private readonly createdItems = new Set<string>();

  constructor(
    private readonly req: EstimateExportRequest,
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
  private key(step: string): string {
    return requestIdFor(this.req, this.pass === 0 ? step : `${step}:again`);
  }

  async run(): Promise<ExportOutcome> {
    this.validate();
    await this.loadCache();
    await this.checkPreferences();
    let refs: Awaited<ReturnType<ExportRun["resolveReferences"]>>;
    let estimate: QboEstimate;
    try {
      refs = await this.resolveReferences();
      estimate = await this.writeEstimate(refs.job, refs.itemRefs, refs.classRefs);
    } catch (err) {
      if (!(await this.refreshStale(err))) throw err;
      this.pass = 1;
      if (this.refreshed.has("setup")) await this.checkPreferences();
      refs = await this.resolveReferences();
      estimate = await this.writeEstimate(refs.job, refs.itemRefs, refs.classRefs);
    }
    const { job, itemRefs } = refs;
    const byCostCode: Record<string, string> = {};
    for (const [code, id] of itemRefs) byCostCode[code] = id;
    return {
      kind: "done",
      erpRef: {
        estimateId: estimate.Id,
        version: estimate.SyncToken,
        jobRef: job.id,
        docNumber: estimate.DocNumber ?? "",
        ownedDigest: ownedDigest(estimate),
      },
      createdJob: job.created,
      createdItems: [...this.createdItems],
      itemRefs: byCostCode,
    };
  }

  private async resolveReferences(): Promise<{
    job: Job;
    itemRefs: Map<string, string>;
    classRefs: Map<string, string> | null;
  }> {
    const job = await this.resolveJob();
    const itemRefs = await this.resolveItems();
    const classRefs = this.req.useClasses ? await this.resolveClasses() : null;
    return { job, itemRefs, classRefs };
  }

  // ---- the reference cache -----------------------------------------------------------------------------------

  /** Every key this export could use, fetched in one round trip. */
  private async loadCache(): Promise<void> {
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
    if (this.req.previous?.estimateId) keys.push(refKey.estimate(this.req.previous.estimateId));
    try {
      this.known = await this.cache.load(this.realmId, [...new Set(keys)]);
    } catch {
      // The cache only saves calls: without it every reference is looked up in QuickBooks.
      this.known = new Map();
    }
  }

  /** A remembered record of `kind`, unless this run refreshed that kind. Inactive records are never trusted. */
  private cached<T extends { Active?: boolean }>(kind: RefKind, key: string): T | null {
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

  private async remember(
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

  private async forget(keys: string[]): Promise<void> {
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
  private async refreshStale(err: unknown): Promise<boolean> {
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
    await this.forget(keys);
    return true;
  }

  private get currency(): string {
    return (this.req.currency ?? "USD").toUpperCase();
  }

  private validate(): void {
    const { lines, project } = this.req;
    if (lines.length === 0) {
      reject(
        "no_lines",
        "The budget has no lines to export.",
        "Add budget lines, then send the budget again.",
      );
    }
    for (const line of lines) {
      if (line.revisedEstimate < 0n || line.revisedEstimate > MAX_AMOUNT_CENTS) {
        reject(
          "amount_out_of_range",
          `The revised estimate of ${line.costCode} ${line.categoryName} (${centsToDecimal(line.revisedEstimate)}) ` +
            "cannot be written to a QuickBooks estimate.",
          "Bring the line's revised estimate to between 0 and 9,999,999,999.99 with a budget change, then send again.",
        );
      }
    }
    if (!project.existingJobRef && jobDisplayName(project.name) === "") {
      reject(
        "job_name_invalid",
        `The project name "${project.name}" leaves nothing usable as a QuickBooks job name.`,
        "Rename the project (letters or digits), or link it to an existing QuickBooks job, then retry.",
      );
    }
  }

  private async checkPreferences(): Promise<void> {
    this.subject = { kind: "other" };
    const key = refKey.setup(this.currency);
    const stored = this.known.get(key);
    const fresh = stored && Date.now() - (stored.storedAtMs ?? 0) < SETUP_CACHE_MS;
    const cached = fresh ? this.cached<CachedSetup & { Active?: boolean }>("setup", key) : null;
    if (cached) {
      this.checkSalesPrefs(cached.prefs);
      this.setup = this.checkSetup(cached.setup);
      return;
    }
    const prefs = await this.client.preferences();
    this.checkSalesPrefs(prefs);
    this.setup = await this.readSetup(prefs);
    const entry: CachedSetup = {
      prefs: { SalesFormsPrefs: prefs.SalesFormsPrefs, AccountingInfoPrefs: prefs.AccountingInfoPrefs },
      setup: this.setup,
    };
    await this.remember([[key, "Preferences", entry]]);
  }

  private async readSetup(prefs: QboPreferences): Promise<QboCompanySetup> {
    const setup = await readCompanySetup(this.client, prefs, this.currency);
    await this.onCompanySetup?.(setup);
    return this.checkSetup(setup);
  }

  private checkSetup(setup: QboCompanySetup): QboCompanySetup {
    const problem = currencyProblem(setup, this.currency);
    if (problem) reject(problem.code, problem.message, problem.remedy);
    if (!setup.tax) {
      reject(
        "no_exempt_tax_code",
        `This QuickBooks company (${setup.country}) has no active tax code that adds no tax, which Costbridge ` +
          "puts on every estimate line so the estimate total equals the budget.",
        "In QuickBooks add or reactivate an exempt (or out-of-scope) tax code (Taxes › Sales tax settings), then " +
          "retry the export.",
      );
    }
    return setup;
  }

  private get tax(): EstimateTaxSetup {
    return this.setup?.tax ?? { lineTaxCode: "NON" };
  }

  private checkSalesPrefs(prefs: QboPreferences): void {
    if (prefs.SalesFormsPrefs?.AllowEstimates === false) {
      reject(
        "estimates_disabled",
        "Estimates are turned off in this QuickBooks company.",
        "In QuickBooks, turn on estimates (Settings › Account and settings › Sales › Estimates), then retry the export.",
      );
    }
    if (this.req.useClasses && prefs.AccountingInfoPrefs?.ClassTrackingPerTxnLine !== true) {
      reject(
        "class_tracking_off",
        "Costbridge is set to record budget categories as classes, but this QuickBooks company does not track " +
          "classes on each line.",
        "In QuickBooks turn on class tracking with one class per row (Settings › Account and settings › Advanced " +
          "› Categories), or turn off classes in the Costbridge ERP settings, then retry.",
      );
    }
  }

  // ---- customer and job ---------------------------------------------------------------------------------------

  private async findCustomerByName(name: string): Promise<QboCustomer | null> {
    const rows = await this.client.query<QboCustomer>(
      `select * from Customer where DisplayName = ${qboQuote(name)} and Active IN (true, false)`,
    );
    // Prefer an active match: an inactive customer can carry a " (deleted)" twin of the same name.
    const matches = rows.filter((c) => sameName(c.DisplayName, name));
    const found = matches.find((c) => c.Active !== false) ?? matches[0] ?? null;
    if (found) await this.rememberCustomer(found, name);
    return found;
  }

  private async readCustomer(id: string): Promise<QboCustomer> {
    const cached = this.cached<QboCustomer>("job", refKey.customerById(id));
    if (cached) return cached;
    const customer = await this.client.read<QboCustomer>("customer", id);
    await this.rememberCustomer(customer);
    return customer;
  }

  private async rememberCustomer(customer: QboCustomer, name?: string): Promise<void> {
    const entries: Array<[string, string, QboCustomer]> = [
      [refKey.customerById(customer.Id), "Customer", customer],
    ];
    const names = new Set([customer.DisplayName, ...(name ? [name] : [])].filter((n) => n));
    for (const n of names) entries.push([refKey.customerByName(n), "Customer", customer]);
    await this.remember(entries);
  }

  private async resolveJob(): Promise<Job> {
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
  private checkJobCurrency(job: QboCustomer): void {
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

  private adoptJob(found: QboCustomer, parent: QboCustomer, name: string): Job {
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

  private async resolveParent(): Promise<QboCustomer> {
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
  private rejectInactive(): never {
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

  private async resolveItems(): Promise<Map<string, string>> {
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
      itemRefs.set(code, item.Id);
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
      itemRefs.set(code, found.item.Id);
      if (found.created) this.createdItems.add(found.item.Name);
    }
    return itemRefs;
  }

  private async readItem(id: string): Promise<QboItem> {
    const cached = this.cached<QboItem>("items", refKey.itemById(id));
    if (cached) return cached;
    const item = await this.client.read<QboItem>("item", id);
    await this.rememberItem(item);
    return item;
  }

  private async rememberItem(item: QboItem, name?: string): Promise<void> {
    const entries: Array<[string, string, QboItem]> = [[refKey.itemById(item.Id), "Item", item]];
    const names = new Set([item.Name, ...(name ? [name] : [])].filter((n) => n));
    for (const n of names) entries.push([refKey.itemByName(n), "Item", item]);
    await this.remember(entries);
  }

  private checkItemUsable(item: QboItem, costCode: string): void {
    if (item.Active === false) this.rejectInactive();
    if (item.Type === "Category") {
      reject(
        "item_is_category",
        `QuickBooks "${item.Name}" (cost code ${costCode}) is a category, which cannot be used on an estimate.`,
        `Map cost code ${costCode} to a service item in Costbridge, then retry.`,
      );
    }
  }

  private async findOrCreateItem(
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

  private async findItemByName(name: string): Promise<QboItem | null> {
    const rows = await this.client.query<QboItem>(
      `select * from Item where Name = ${qboQuote(name)} and Active IN (true, false)`,
    );
    const matches = rows.filter((i) => sameName(i.Name, name));
    return matches.find((i) => i.Active !== false) ?? matches[0] ?? null;
  }

  private async findItemBySku(sku: string): Promise<QboItem | null> {
    try {
      const rows = await this.client.query<QboItem>(`select * from Item where Sku = ${qboQuote(sku)}`);
      return rows.find((i) => sameName(i.Sku, sku) && i.Type !== "Category") ?? null;
    } catch (err) {
      // Some companies (and older API versions) cannot filter on Sku; the name look-up already ran.
      if (err instanceof QboApiError && (err.fault.code === "4000" || err.fault.code === "4001")) return null;
      throw err;
    }
  }

  private async resolveIncomeAccount(): Promise<string> {
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

  private async resolveClasses(): Promise<Map<string, string>> {
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

  // ---- the estimate ------------------------------------------------------------------------------------------

  /**
   * What Costbridge writes: lines, the memo marker (kept among a bookkeeper's words), the job, tax and currency as
   * the company needs them, and the number only where the company lets us choose it.
   */
  private build(
    job: Job,
    itemRefs: Map<string, string>,
    classRefs: Map<string, string> | null,
    current: QboEstimate | null,
  ): EstimateWrite {
    return buildEstimate({
      jobRef: job.id,
      projectNumber: this.req.project.number,
      submissionId: this.req.submissionId,
      lines: this.req.lines,
      itemRefs,
      classRefs,
      docNumber: this.docNumberFor(current),
      tax: this.tax,
      currentNote: current?.PrivateNote ?? null,
    });
  }

  /**
   * Our number on a new estimate when the company uses custom transaction numbers; on an existing one only while
   * it still carries the number we gave it (a bookkeeper's renumbering is theirs). With custom numbers off,
   * QuickBooks numbers the estimate and Costbridge records what it assigned.
   */
  private docNumberFor(current: QboEstimate | null): string | null {
    if (!this.setup?.customTxnNumbers) return null;
    const ours = docNumberFor(this.req.project.number);
    if (!current) return ours;
    const previous = this.req.previous?.docNumber;
    const have = current.DocNumber ?? "";
    if (have === ours) return null;
    return have === "" || (previous !== undefined && have === previous && previous.startsWith("CB-"))
      ? ours
      : null;
  }

  /** The estimate an earlier run of this submission wrote on the job, recognised by the marker in its memo. */
  private async findOurEstimate(jobId: string): Promise<QboEstimate | null> {
    const rows = await this.client.queryAll<QboEstimate>(
      `select * from Estimate where CustomerRef = ${qboQuote(jobId)}`,
    );
    const ours = rows.filter((e) => parseMarker(e.PrivateNote)?.submissionId === this.req.submissionId);
    // Should several exist (they cannot, short of manual copies), keep updating the oldest.
    return ours.sort((a, b) => Number(a.Id) - Number(b.Id))[0] ?? null;
  }

  private async readEstimate(id: string): Promise<QboEstimate | null> {
    try {
      const estimate = await this.client.read<QboEstimate>("estimate", id);
      await this.rememberEstimate(estimate);
      return estimate;
    } catch (err) {
      if (err instanceof QboApiError && err.fault.code === "610") {
        await this.forget([refKey.estimate(id)]);
        return null;
      }
      throw err;
    }
  }

  private async rememberEstimate(estimate: QboEstimate): Promise<void> {
    await this.remember([[refKey.estimate(estimate.Id), "Estimate", estimate]]);
  }

  /**
   * Our last export of this project as its write returned it, when nothing has been written to it since as far
   * as we know (same SyncToken): a re-send then goes out as one sparse update with no read. Should someone have
   * saved it in QuickBooks since, the update is refused as stale (5010) and the estimate is read then.
   */
  private cachedEstimate(baseline: { estimateId: string; version: string }): QboEstimate | null {
    const hit = this.known.get(refKey.estimate(baseline.estimateId));
    const estimate = hit?.data as QboEstimate | undefined;
    if (!estimate || estimate.Id !== baseline.estimateId || estimate.SyncToken !== baseline.version)
      return null;
    return estimate;
  }

  /** The estimate of our last export was deleted in QuickBooks: the approver decides; never a duplicate. */
  private async estimateGone(baseline: { docNumber: string }, job: Job): Promise<QboEstimate | null> {
    if (!this.req.overwriteChangedInErp) {
      reject(
        "changed_in_quickbooks",
        `The estimate ${baseline.docNumber} that Costbridge last wrote was deleted in QuickBooks.`,
        "Retry the export to add a new estimate for this budget, or Reject the budget to hand it back.",
      );
    }
    return this.findOurEstimate(job.id);
  }

  private isOurs(estimate: QboEstimate): boolean {
    return parseMarker(estimate.PrivateNote)?.submissionId === this.req.submissionId;
  }

  private async writeEstimate(
    job: Job,
    itemRefs: Map<string, string>,
    classRefs: Map<string, string> | null,
  ): Promise<QboEstimate> {
    const { previous, estimateMode } = this.req;
    this.subject = { kind: "estimate" };
    const baseline = estimateMode === "update_in_place" ? previous : null;

    const refs = { job, itemRefs, classRefs };
    const baselineOf = (current: QboEstimate) =>
      baseline?.estimateId === current.Id
        ? { version: baseline.version, digest: baseline.ownedDigest ?? null }
        : null;

    let current: QboEstimate | null = null;
    let fromCache = false;
    if (baseline) {
      current = this.cachedEstimate(baseline);
      fromCache = current !== null;
      // Deleted in QuickBooks since our last export: a change like any other, resolved by the approver.
      current ??= (await this.readEstimate(baseline.estimateId)) ?? (await this.estimateGone(baseline, job));
    } else if (!job.created) {
      // A job this attempt created holds no estimate of an earlier attempt; the requestid covers this one's.
      current = await this.findOurEstimate(job.id);
    }

    let written: QboEstimate;
    if (!current) {
      written = await this.createEstimate(refs);
    } else {
      try {
        written = await this.updateEstimate(current, baselineOf(current), refs);
      } catch (err) {
        // A 610 without an element on the remembered estimate: deleted in QuickBooks, or a reference gone.
        if (!fromCache || !baseline || !isNotFound(err) || err.fault.element !== "") throw err;
        await this.forget([refKey.estimate(current.Id)]);
        if (await this.readEstimate(current.Id)) throw err;
        const other = await this.estimateGone(baseline, job);
        written = other
          ? await this.updateEstimate(other, baselineOf(other), refs)
          : await this.createEstimate(refs);
      }
    }
    await this.rememberEstimate(written);
    return this.confirm(written, this.build(job, itemRefs, classRefs, null));
  }

  private async createEstimate(refs: {
    job: Job;
    itemRefs: Map<string, string>;
    classRefs: Map<string, string> | null;
  }): Promise<QboEstimate> {
    const body = this.build(refs.job, refs.itemRefs, refs.classRefs, null);
    return this.client.create<QboEstimate>("estimate", body, this.key("estimate:create"));
  }

  /** An estimate QuickBooks has closed or turned into an invoice is never modified. */
  private refuseClosed(estimate: QboEstimate): void {
    const closed = closedBy(estimate);
    if (!closed) return;
    const name = estimate.DocNumber ? `estimate ${estimate.DocNumber}` : `estimate ${estimate.Id}`;
    const how =
      closed.kind === "invoiced"
        ? `QuickBooks has turned ${name} into an invoice (invoice ${closed.invoiceId})`
        : `QuickBooks has closed ${name}`;
    reject(
      closed.kind === "invoiced" ? "estimate_invoiced" : "estimate_closed",
      `${how}; Costbridge never changes an estimate in that state.`,
      "Costbridge leaves that estimate as it is. Reject the budget to hand it back, or — to record this budget " +
        "as a new estimate — set the estimate mode in ERP settings to a new estimate per submission, then Retry.",
    );
  }

  /** Whether someone other than Costbridge changed what Costbridge owns since our last export. */
  private ownedFieldsMoved(
    current: QboEstimate,
    baseline: { version: string; digest: string | null },
  ): boolean {
    if (current.SyncToken === baseline.version) return false;
    // Before fingerprints were recorded, any edit counted.
    if (baseline.digest === null) return true;
    return ownedDigest(current) !== baseline.digest;
  }

  /**
   * Sparse update with the current SyncToken: only our fields go out, so a bookkeeper's address, dates, customer
   * memo, status, custom fields and e-mail stay as they are. When `baseline` is given (our last export of this
   * project) and what we own was changed by someone else since, the approver decides
   * (docs/product.md §changed-in-quickbooks).
   */
  private async updateEstimate(
    first: QboEstimate,
    baseline: { version: string; digest: string | null } | null,
    refs: { job: Job; itemRefs: Map<string, string>; classRefs: Map<string, string> | null },
  ): Promise<QboEstimate> {
    let current = first;
    for (let round = 0; ; round++) {
      const body = this.build(refs.job, refs.itemRefs, refs.classRefs, current);
      const ours = this.isOurs(current);
      // An earlier run of this submission already wrote exactly this (its response was lost): nothing to do.
      if (ours && compareEstimate(current, body).length === 0 && body.DocNumber === undefined) {
        return current;
      }
      this.refuseClosed(current);
      const movedByOthers = baseline !== null && !ours && this.ownedFieldsMoved(current, baseline);
      if (movedByOthers && !this.req.overwriteChangedInErp) {
        reject(
          "changed_in_quickbooks",
          `The lines, amounts or job of estimate ${current.DocNumber ?? current.Id} were changed in QuickBooks ` +
            "after Costbridge last wrote it.",
          REMEDY_CHANGED_IN_QUICKBOOKS,
        );
      }
      try {
        return await this.client.update<QboEstimate>(
          "estimate",
          sparseUpdateOf(body, current),
          this.key(`estimate:update:${current.Id}:${current.SyncToken}`),
        );
      } catch (err) {
        if (!(err instanceof QboApiError) || err.fault.code !== "5010" || round >= MAX_STALE_RETRIES)
          throw err;
        // Edited between our read and our write: look again and decide again.
        const fresh = await this.readEstimate(current.Id);
        if (!fresh) throw err;
        current = fresh;
      }
    }
  }

  /** The write's response is the estimate as QuickBooks stored it: it must match what we sent, without a read. */
  private confirm(actual: QboEstimate, expected: EstimateWrite): QboEstimate {
    const problems = compareEstimate(actual, expected);
    if (problems.length > 0) {
      reject(
        "verification_failed",
        `QuickBooks holds estimate ${actual.DocNumber ?? actual.Id} differently from the budget: ${problems.join("; ")}.`,
        "Open the estimate in QuickBooks: automatic discounts, sales tax or an edit made at the same moment can " +
          "change its lines. Correct it there or retry the export to write the budget again.",
      );
    }
    return actual;
  }
}
