/**
 * Writes one accepted budget to QuickBooks Online as an Estimate on the project's job; the write's own response
 * (the estimate as QuickBooks stored it) is the confirmation. Safe to run again after any failure, crash or lost
 * response: every write carries a requestid derived from (company, submission, attempt, step), and before writing
 * it looks for what an earlier run left. What QuickBooks answered about the job, items, classes, company setup and
 * the estimate is remembered per realm (reference-cache.ts); a write QuickBooks refuses because a remembered
 * record is gone, inactive or stale refreshes just that kind of record and is tried once more. The parts every
 * document shares live in run.ts.
 */
import type { EstimateExportRequest, ExportOutcome } from "../connector.js";
import { qboQuote } from "./client.js";
import type { QboCompanySetup } from "./company-setup.js";
import { QboApiError, REMEDY_CHANGED_IN_QUICKBOOKS } from "./errors.js";
import {
  buildEstimate,
  centsToDecimal,
  closedBy,
  compareEstimate,
  docNumberFor,
  type EstimateWrite,
  jobDisplayName,
  MAX_AMOUNT_CENTS,
  ownedDigest,
  parseMarker,
  sparseUpdateOf,
} from "./mapping.js";
import { refKey } from "./reference-cache.js";
import {
  isNotFound,
  type Job,
  MAX_STALE_RETRIES,
  outcomeOf,
  type QboExportDeps,
  QboRun,
  reject,
} from "./run.js";
import type { QboEstimate, QboPreferences } from "./types.js";

export { outcomeOf, type QboExportDeps, requestIdFor, SETUP_CACHE_MS } from "./run.js";

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

class ExportRun extends QboRun<EstimateExportRequest> {
  protected readonly documentName = "estimate";

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

  protected async resolveReferences(): Promise<{
    job: Job;
    itemRefs: Map<string, string>;
    classRefs: Map<string, string> | null;
  }> {
    const job = await this.resolveJob();
    const itemRefs = await this.resolveItems();
    const classRefs = this.req.useClasses ? await this.resolveClasses() : null;
    return { job, itemRefs, classRefs };
  }

  protected validate(): void {
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

  protected documentCacheKeys(): string[] {
    return this.req.previous?.estimateId ? [refKey.estimate(this.req.previous.estimateId)] : [];
  }

  protected override checkDocumentSetup(setup: QboCompanySetup): void {
    if (!setup.tax) {
      reject(
        "no_exempt_tax_code",
        `This QuickBooks company (${setup.country}) has no active tax code that adds no tax, which Costbridge ` +
          "puts on every estimate line so the estimate total equals the budget.",
        "In QuickBooks add or reactivate an exempt (or out-of-scope) tax code (Taxes › Sales tax settings), then " +
          "retry the export.",
      );
    }
  }

  protected checkDocumentPrefs(prefs: QboPreferences): void {
    if (prefs.SalesFormsPrefs?.AllowEstimates === false) {
      reject(
        "estimates_disabled",
        "Estimates are turned off in this QuickBooks company.",
        "In QuickBooks, turn on estimates (Settings › Account and settings › Sales › Estimates), then retry the export.",
      );
    }
    this.checkClassTracking(prefs, "budget");
  }

  // ---- the estimate ------------------------------------------------------------------------------------------

  /**
   * What Costbridge writes: lines, the memo marker (kept among a bookkeeper's words), the job, tax and currency as
   * the company needs them, and the number only where the company lets us choose it.
   */
  protected build(
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
  protected docNumberFor(current: QboEstimate | null): string | null {
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
  protected async findOurEstimate(jobId: string): Promise<QboEstimate | null> {
    const rows = await this.client.queryAll<QboEstimate>(
      `select * from Estimate where CustomerRef = ${qboQuote(jobId)}`,
    );
    const ours = rows.filter((e) => parseMarker(e.PrivateNote)?.submissionId === this.req.submissionId);
    // Should several exist (they cannot, short of manual copies), keep updating the oldest.
    return ours.sort((a, b) => Number(a.Id) - Number(b.Id))[0] ?? null;
  }

  protected async readEstimate(id: string): Promise<QboEstimate | null> {
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

  protected async rememberEstimate(estimate: QboEstimate): Promise<void> {
    await this.remember([[refKey.estimate(estimate.Id), "Estimate", estimate]]);
  }

  /**
   * Our last export of this project as its write returned it, when nothing has been written to it since as far
   * as we know (same SyncToken): a re-send then goes out as one sparse update with no read. Should someone have
   * saved it in QuickBooks since, the update is refused as stale (5010) and the estimate is read then.
   */
  protected cachedEstimate(baseline: { estimateId: string; version: string }): QboEstimate | null {
    const hit = this.known.get(refKey.estimate(baseline.estimateId));
    const estimate = hit?.data as QboEstimate | undefined;
    if (!estimate || estimate.Id !== baseline.estimateId || estimate.SyncToken !== baseline.version)
      return null;
    return estimate;
  }

  /** The estimate of our last export was deleted in QuickBooks: the approver decides; never a duplicate. */
  protected async estimateGone(baseline: { docNumber: string }, job: Job): Promise<QboEstimate | null> {
    if (!this.req.overwriteChangedInErp) {
      reject(
        "changed_in_quickbooks",
        `The estimate ${baseline.docNumber} that Costbridge last wrote was deleted in QuickBooks.`,
        "Retry the export to add a new estimate for this budget, or Reject the budget to hand it back.",
      );
    }
    return this.findOurEstimate(job.id);
  }

  protected isOurs(estimate: QboEstimate): boolean {
    return parseMarker(estimate.PrivateNote)?.submissionId === this.req.submissionId;
  }

  protected async writeEstimate(
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

  protected async createEstimate(refs: {
    job: Job;
    itemRefs: Map<string, string>;
    classRefs: Map<string, string> | null;
  }): Promise<QboEstimate> {
    const body = this.build(refs.job, refs.itemRefs, refs.classRefs, null);
    return this.client.create<QboEstimate>("estimate", body, this.key("estimate:create"));
  }

  /** An estimate QuickBooks has closed or turned into an invoice is never modified. */
  protected refuseClosed(estimate: QboEstimate): void {
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
  protected ownedFieldsMoved(
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
  protected async updateEstimate(
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
  protected confirm(actual: QboEstimate, expected: EstimateWrite): QboEstimate {
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
