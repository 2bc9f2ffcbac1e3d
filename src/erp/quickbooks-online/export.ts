/**
 * Writes one accepted budget to QuickBooks Online as an Estimate on the project's job, and confirms it by
 * reading it back. Safe to run again after any failure, crash or lost response: every write carries a requestid
 * derived from (company, submission, attempt, step), and before writing it looks for what an earlier run left.
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
import type { QboAccount, QboClass, QboCustomer, QboEstimate, QboItem, QboPreferences } from "./types.js";

export interface QboExportDeps {
  client: QboClient;
  /** Minimum wait after a 429 (QUICKBOOKS_THROTTLE_BACKOFF_SECONDS in ms). */
  throttleBackoffMs: number;
  /** Income account for items created here; by default the first active Income account of the company. */
  incomeAccountRef?: string | null;
  /** Told what the company's setup is each time it is read (to keep send prerequisites and previews current). */
  onCompanySetup?: (setup: QboCompanySetup) => Promise<void>;
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

function sameName(a: string | undefined, b: string): boolean {
  return (a ?? "").trim().toLowerCase() === b.trim().toLowerCase();
}

const MAX_STALE_RETRIES = 3;

export async function exportEstimate(
  req: EstimateExportRequest,
  deps: QboExportDeps,
): Promise<ExportOutcome> {
  const run = new ExportRun(req, deps);
  try {
    return await run.run();
  } catch (err) {
    return outcomeOf(err, run.subject, deps.throttleBackoffMs);
  }
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
  private setup: QboCompanySetup | null = null;
  private readonly onCompanySetup: QboExportDeps["onCompanySetup"];

  constructor(
    private readonly req: EstimateExportRequest,
    deps: QboExportDeps,
  ) {
    this.client = deps.client;
    this.incomeAccount = deps.incomeAccountRef ?? null;
    this.onCompanySetup = deps.onCompanySetup;
  }

  private key(step: string): string {
    return requestIdFor(this.req, step);
  }

  async run(): Promise<ExportOutcome> {
    this.validate();
    await this.checkPreferences();
    const job = await this.resolveJob();
    const { itemRefs, createdItems } = await this.resolveItems();
    const classRefs = this.req.useClasses ? await this.resolveClasses() : null;
    const estimate = await this.writeEstimate(job, itemRefs, classRefs);
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
      createdItems,
      itemRefs: byCostCode,
    };
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
    const prefs = await this.client.preferences();
    this.checkSalesPrefs(prefs);
    this.setup = await this.readSetup(prefs);
  }

  private async readSetup(prefs: QboPreferences): Promise<QboCompanySetup> {
    const currency = (this.req.currency ?? "USD").toUpperCase();
    const setup = await readCompanySetup(this.client, prefs, currency);
    await this.onCompanySetup?.(setup);
    const problem = currencyProblem(setup, currency);
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
    return matches.find((c) => c.Active !== false) ?? matches[0] ?? null;
  }

  private async readCustomer(id: string): Promise<QboCustomer> {
    return this.client.read<QboCustomer>("customer", id);
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
    const existing = await this.findCustomerByName(name);
    if (existing) return this.adoptJob(existing, parent, name);
    try {
      const body: Record<string, unknown> = {
        DisplayName: name,
        Job: true,
        BillWithParent: true,
        ParentRef: { value: parent.Id },
      };
      if (this.tax.currency) body.CurrencyRef = { value: this.tax.currency };
      const created = await this.client.create<QboCustomer>("customer", body, this.key("job"));
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
    const found = await this.findCustomerByName(name);
    if (found) {
      if (found.Active === false) this.rejectInactive();
      return found;
    }
    try {
      const body: Record<string, unknown> = { DisplayName: name };
      if (this.tax.currency) body.CurrencyRef = { value: this.tax.currency };
      return await this.client.create<QboCustomer>("customer", body, this.key("parent"));
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

  private async resolveItems(): Promise<{ itemRefs: Map<string, string>; createdItems: string[] }> {
    const itemRefs = new Map<string, string>();
    const createdItems: string[] = [];
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
      const item = checked.get(itemRef) ?? (await this.client.read<QboItem>("item", itemRef));
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
      if (found.created) createdItems.push(found.item.Name);
    }
    return { itemRefs, createdItems };
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
    const byName = await this.findItemByName(name);
    if (byName) {
      this.checkItemUsable(byName, costCode);
      return { item: byName, created: false };
    }
    // The cost code's description may have changed since its item was added: the code is kept as the SKU.
    const bySku = await this.findItemBySku(skuFor(costCode));
    if (bySku) {
      this.subject = { kind: "item", name: bySku.Name, costCode };
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
      return { item, created: true };
    } catch (err) {
      if (!(err instanceof QboApiError) || err.fault.code !== "6240") throw err;
      const again = await this.findItemByName(name);
      if (!again) throw err;
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
    return first.Id;
  }

  // ---- classes -----------------------------------------------------------------------------------------------

  private async resolveClasses(): Promise<Map<string, string>> {
    this.subject = { kind: "class" };
    const all = await this.client.queryAll<QboClass>("select * from Class");
    const refs = new Map<string, string>();
    for (const line of this.req.lines) {
      if (refs.has(line.category)) continue;
      const name = classNameFor(line.categoryName);
      this.subject = { kind: "class", name };
      let found = all.find((c) => sameName(c.Name, name) && c.Active !== false);
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
      return await this.client.read<QboEstimate>("estimate", id);
    } catch (err) {
      if (err instanceof QboApiError && err.fault.code === "610") return null;
      throw err;
    }
  }

  private isOurs(estimate: QboEstimate): boolean {
    return parseMarker(estimate.PrivateNote)?.submissionId === this.req.submissionId;
  }

  private async writeEstimate(
    job: Job,
    itemRefs: Map<string, string>,
    classRefs: Map<string, string> | null,
  ): Promise<QboEstimate> {
    const { previous, estimateMode, overwriteChangedInErp } = this.req;
    this.subject = { kind: "estimate" };
    const baseline = estimateMode === "update_in_place" ? previous : null;

    let current: QboEstimate | null = null;
    if (baseline) {
      current = await this.readEstimate(baseline.estimateId);
      if (!current) {
        // Deleted in QuickBooks since our last export: a change like any other, resolved by the approver.
        if (!overwriteChangedInErp) {
          reject(
            "changed_in_quickbooks",
            `The estimate ${baseline.docNumber} that Costbridge last wrote was deleted in QuickBooks.`,
            "Retry the export to add a new estimate for this budget, or Reject the budget to hand it back.",
          );
        }
        current = await this.findOurEstimate(job.id);
      }
    } else {
      current = await this.findOurEstimate(job.id);
    }

    let written: QboEstimate;
    if (!current) {
      const body = this.build(job, itemRefs, classRefs, null);
      written = await this.client.create<QboEstimate>("estimate", body, this.key("estimate:create"));
    } else {
      const sameAsBaseline = baseline?.estimateId === current.Id;
      written = await this.updateEstimate(
        current,
        sameAsBaseline ? { version: baseline.version, digest: baseline.ownedDigest ?? null } : null,
        {
          job,
          itemRefs,
          classRefs,
        },
      );
    }
    return this.verify(written.Id, this.build(job, itemRefs, classRefs, null));
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
   * project) and what we own was changed by someone else since, the approver decides (SPEC §3 rule 8).
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

  private async verify(id: string, expected: EstimateWrite): Promise<QboEstimate> {
    const actual = await this.client.read<QboEstimate>("estimate", id);
    const problems = compareEstimate(actual, expected);
    if (problems.length > 0) {
      reject(
        "verification_failed",
        `QuickBooks holds estimate ${actual.DocNumber ?? id} differently from the budget: ${problems.join("; ")}.`,
        "Open the estimate in QuickBooks: automatic discounts, sales tax or an edit made at the same moment can " +
          "change its lines. Correct it there or retry the export to write the budget again.",
      );
    }
    return actual;
  }
}
