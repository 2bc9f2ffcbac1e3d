/**
 * Writes one accepted commitment to QuickBooks Online as a PurchaseOrder: the vendor found (by its link, else by
 * name) or created, each line on the project's job with the cost code's item, and a change order re-sent as a
 * sparse update of the same purchase order — lines written before keep their QuickBooks line id, new lines are
 * added (docs/product.md §what-is-written-to-quickbooks-online). Safe to run again after any failure: writes carry
 * requestids derived from (company, submission, attempt, step), and before creating a purchase order the export
 * looks for the one an earlier attempt left (its private note names the commitment). The job, items, classes,
 * reference cache and fault handling are the estimate export's (run.ts).
 */
import type { PurchaseOrderExportRequest, PurchaseOrderOutcome } from "../connector.js";
import { qboQuote } from "./client.js";
import { QboApiError } from "./errors.js";
import { centsToDecimal, jobDisplayName, MAX_AMOUNT_CENTS, QboDecimal } from "./mapping.js";
import {
  buildPurchaseOrder,
  buildVendor,
  comparePurchaseOrder,
  type PurchaseOrderWrite,
  parseCommitmentMarker,
  purchaseOrderNumber,
  vendorDisplayName,
} from "./purchase-order-mapping.js";
import { refKey } from "./reference-cache.js";
import {
  forPurchaseOrder,
  isNotFound,
  type Job,
  MAX_STALE_RETRIES,
  outcomeOf,
  type QboExportDeps,
  QboRun,
  type RefKind,
  reject,
  sameName,
} from "./run.js";
import type { QboAccount, QboItem, QboPreferences, QboPurchaseOrder, QboVendor } from "./types.js";

export async function exportPurchaseOrder(
  req: PurchaseOrderExportRequest,
  deps: QboExportDeps,
): Promise<PurchaseOrderOutcome> {
  const run = new PurchaseOrderRun(req, deps);
  let outcome: PurchaseOrderOutcome;
  try {
    outcome = await run.run();
  } catch (err) {
    outcome = forPurchaseOrder(outcomeOf(err, run.subject, deps.throttleBackoffMs));
  }
  if (outcome.kind === "rejected") await run.forgetSetup();
  return outcome;
}

interface Vendor {
  id: string;
  created: boolean;
}

interface References {
  job: Job;
  vendor: Vendor;
  payablesAccount: string;
  itemRefs: Map<string, string>;
  classRefs: Map<string, string> | null;
}

/** Commitment numbers repeat across projects: QuickBooks is asked to accept a number another purchase order has. */
const INCLUDE_DUPLICATE_NUMBERS = { include: "allowduplicatedocnum" };

class PurchaseOrderRun extends QboRun<PurchaseOrderExportRequest> {
  protected readonly documentName = "purchase order";
  private expenseAccount: string | null = null;

  async run(): Promise<PurchaseOrderOutcome> {
    this.validate();
    await this.loadCache();
    await this.checkPreferences();
    let refs: References;
    let po: QboPurchaseOrder;
    try {
      refs = await this.resolveReferences();
      po = await this.writePurchaseOrder(refs);
    } catch (err) {
      if (!(await this.refreshStale(err))) throw err;
      this.pass = 1;
      if (this.refreshed.has("setup")) await this.checkPreferences();
      refs = await this.resolveReferences();
      po = await this.writePurchaseOrder(refs);
    }
    const itemRefs: Record<string, string> = {};
    for (const [code, id] of refs.itemRefs) itemRefs[code] = id;
    const written = (po.Line ?? []).filter((l) => l.DetailType === "ItemBasedExpenseLineDetail");
    return {
      kind: "done",
      erpRef: {
        purchaseOrderId: po.Id,
        version: po.SyncToken,
        vendorRef: refs.vendor.id,
        jobRef: refs.job.id,
        docNumber: po.DocNumber ?? "",
        // Our lines come first, in commitment order, in what QuickBooks returned.
        lines: this.req.lines.map((line, i) => ({
          lineKey: line.lineKey,
          lineId: String(written[i]?.Id ?? ""),
          amount: centsToDecimal(line.amount),
        })),
      },
      createdJob: refs.job.created,
      createdVendor: refs.vendor.created,
      createdItems: [...this.createdItems],
      itemRefs,
    };
  }

  private async resolveReferences(): Promise<References> {
    const job = await this.resolveJob();
    const vendor = await this.resolveVendor();
    const payablesAccount = await this.resolvePayablesAccount();
    const itemRefs = await this.resolveItems();
    const classRefs = this.req.useClasses ? await this.resolveClasses() : null;
    return { job, vendor, payablesAccount, itemRefs, classRefs };
  }

  protected documentCacheKeys(): string[] {
    const { vendor, previous } = this.req;
    const keys = [refKey.expenseAccount(), refKey.payablesAccount()];
    if (vendor.existingVendorRef) keys.push(refKey.vendorById(vendor.existingVendorRef));
    else keys.push(refKey.vendorByName(vendorDisplayName(vendor.name)));
    if (previous?.purchaseOrderId) keys.push(refKey.purchaseOrder(previous.purchaseOrderId));
    return keys;
  }

  /** With multicurrency on, the vendor and the purchase order are in the company's currency. */
  private get transactionCurrency(): string | undefined {
    return this.setup?.multicurrency ? this.currency : undefined;
  }

  protected override onRefresh(kinds: RefKind[]): void {
    if (kinds.includes("items")) this.expenseAccount = null;
  }

  protected checkDocumentPrefs(prefs: QboPreferences): void {
    this.checkClassTracking(prefs, "commitment");
  }

  private validate(): void {
    const { lines, project, commitment, vendor } = this.req;
    if (lines.length === 0) {
      reject(
        "no_lines",
        "The commitment has no lines to export.",
        "Add lines to the commitment (or approve a change order that adds them), then send it again.",
      );
    }
    for (const line of lines) {
      if (line.amount < 0n || line.amount > MAX_AMOUNT_CENTS) {
        reject(
          "amount_out_of_range",
          `The amount of ${line.costCode} ${line.categoryName} (${centsToDecimal(line.amount)}) cannot be written ` +
            "to a QuickBooks purchase order.",
          "Bring the line to between 0 and 9,999,999,999.99 with a change order, then send again.",
        );
      }
    }
    if (purchaseOrderNumber(commitment.number) === "") {
      reject(
        "purchase_order_number_invalid",
        `The commitment number "${commitment.number}" leaves nothing to number the purchase order with.`,
        "Give the commitment a number, then send it again.",
      );
    }
    if (!vendor.existingVendorRef && vendorDisplayName(vendor.name) === "") {
      reject(
        "vendor_name_invalid",
        `The vendor name "${vendor.name}" leaves nothing usable as a QuickBooks vendor name.`,
        "Rename the vendor in Costbridge (letters or digits), or link it to a QuickBooks vendor, then retry.",
      );
    }
    if (!project.existingJobRef && jobDisplayName(project.name) === "") {
      reject(
        "job_name_invalid",
        `The project name "${project.name}" leaves nothing usable as a QuickBooks job name.`,
        "Rename the project (letters or digits), or link it to an existing QuickBooks job, then retry.",
      );
    }
  }

  // ---- vendor ------------------------------------------------------------------------------------------------

  private async rememberVendor(vendor: QboVendor, name?: string): Promise<void> {
    const entries: Array<[string, string, QboVendor]> = [[refKey.vendorById(vendor.Id), "Vendor", vendor]];
    const names = new Set([vendor.DisplayName, ...(name ? [name] : [])].filter((n) => n));
    for (const n of names) entries.push([refKey.vendorByName(n), "Vendor", vendor]);
    await this.remember(entries);
  }

  private rejectVendorInactive(vendor: QboVendor): never {
    this.subject = { kind: "vendor", name: vendor.DisplayName };
    this.rejectInactive();
  }

  /** By the link an admin made (or an earlier export recorded), else by name, else created when allowed. */
  private async resolveVendor(): Promise<Vendor> {
    const { vendor } = this.req;
    if (vendor.existingVendorRef) {
      this.subject = { kind: "vendor", name: vendor.name };
      let found = this.cached<QboVendor>("vendor", refKey.vendorById(vendor.existingVendorRef));
      if (!found) {
        try {
          found = await this.client.read<QboVendor>("vendor", vendor.existingVendorRef);
        } catch (err) {
          if (!isNotFound(err)) throw err;
          reject(
            "vendor_missing",
            `QuickBooks has no vendor with the id ${vendor.existingVendorRef} that "${vendor.name}" is linked to.`,
            "Link the vendor to an existing QuickBooks vendor in ERP Integrations › Mappings › Vendors (or clear " +
              "the link so Costbridge finds it by name), then retry the export.",
          );
        }
        await this.rememberVendor(found);
      }
      if (found.Active === false) this.rejectVendorInactive(found);
      return { id: found.Id, created: false };
    }
    const name = vendorDisplayName(vendor.name);
    this.subject = { kind: "vendor", name };
    const known = this.cached<QboVendor>("vendor", refKey.vendorByName(name));
    if (known) return { id: known.Id, created: false };
    const rows = await this.client.query<QboVendor>(
      `select * from Vendor where DisplayName = ${qboQuote(name)} and Active IN (true, false)`,
    );
    const matches = rows.filter((v) => sameName(v.DisplayName, name));
    const found = matches.find((v) => v.Active !== false) ?? matches[0];
    if (found) {
      await this.rememberVendor(found, name);
      if (found.Active === false) this.rejectVendorInactive(found);
      return { id: found.Id, created: false };
    }
    if (!this.req.createMissingVendors) {
      reject(
        "vendor_missing",
        `QuickBooks has no vendor named "${name}", and creating missing vendors is turned off.`,
        `Add the vendor "${name}" in QuickBooks, or link the vendor to an existing QuickBooks vendor in ERP ` +
          'Integrations › Mappings › Vendors, or turn on "create missing vendors" in ERP settings, then retry.',
      );
    }
    try {
      const created = await this.client.create<QboVendor>(
        "vendor",
        buildVendor(vendor, this.transactionCurrency),
        this.key("vendor"),
      );
      await this.rememberVendor(created, name);
      return { id: created.Id, created: true };
    } catch (err) {
      if (!(err instanceof QboApiError) || err.fault.code !== "6240") throw err;
      // No vendor has the name (the look-up said so): a customer or an employee holds it.
      reject(
        "vendor_name_taken",
        `QuickBooks already has a customer or employee named "${name}", so a vendor of that name cannot be added.`,
        "Names are shared by customers, vendors and employees in QuickBooks. Link the vendor to an existing " +
          "QuickBooks vendor in ERP Integrations › Mappings › Vendors, or rename one of them, then retry.",
      );
    }
  }

  // ---- accounts ----------------------------------------------------------------------------------------------

  /** The company's first active A/P account (Intuit recommends naming it on every purchase order). */
  private async resolvePayablesAccount(): Promise<string> {
    const known = this.cached<QboAccount>("vendor", refKey.payablesAccount());
    if (known) return known.Id;
    this.subject = { kind: "account" };
    const accounts = await this.client.query<QboAccount>(
      "select * from Account where AccountType = 'Accounts Payable'",
    );
    const first = accounts.filter((a) => a.Active !== false).sort((a, b) => Number(a.Id) - Number(b.Id))[0];
    if (!first) {
      reject(
        "no_payables_account",
        "QuickBooks has no active accounts payable (A/P) account for the purchase order.",
        "Add an Accounts Payable account in QuickBooks (Chart of accounts), then retry the export.",
      );
    }
    await this.remember([[refKey.payablesAccount(), "Account", first]]);
    return first.Id;
  }

  /** Where the cost of buying an item goes: the first active cost-of-goods-sold account, else expense account. */
  private async resolveExpenseAccount(): Promise<string> {
    if (this.expenseAccount) return this.expenseAccount;
    const known = this.cached<QboAccount>("items", refKey.expenseAccount());
    if (known) {
      this.expenseAccount = known.Id;
      return known.Id;
    }
    const subject = this.subject;
    this.subject = { kind: "account" };
    const accounts = await this.client.query<QboAccount>(
      "select * from Account where AccountType IN ('Cost of Goods Sold', 'Expense')",
    );
    const rank = (a: QboAccount) => (a.AccountType === "Cost of Goods Sold" ? 0 : 1);
    const first = accounts
      .filter((a) => a.Active !== false)
      .sort((a, b) => rank(a) - rank(b) || Number(a.Id) - Number(b.Id))[0];
    if (!first) {
      reject(
        "no_expense_account",
        "QuickBooks has no active cost-of-goods-sold or expense account for the items on the purchase order.",
        "Add a Cost of Goods Sold (or Expense) account in QuickBooks (Chart of accounts), then retry the export.",
      );
    }
    this.subject = subject;
    this.expenseAccount = first.Id;
    await this.remember([[refKey.expenseAccount(), "Account", first]]);
    return first.Id;
  }

  // ---- items: the purchase side ------------------------------------------------------------------------------

  protected override async itemExtras(): Promise<Record<string, unknown>> {
    const subject = this.subject;
    const account = await this.resolveExpenseAccount();
    this.subject = subject;
    return { ExpenseAccountRef: { value: account }, PurchaseCost: QboDecimal.fromCents(0n) };
  }

  /**
   * QuickBooks refuses an item without an expense account on a purchase ("You must select an account for this
   * transaction."): a service item that lacks one gets it by a sparse update (its sales side stays as it is).
   */
  protected override async prepareItem(first: QboItem, costCode: string): Promise<QboItem> {
    let item = first;
    if (item.ExpenseAccountRef?.value || item.Type === "Inventory") return item;
    const account = await this.resolveExpenseAccount();
    this.subject = { kind: "item", name: item.Name, costCode };
    for (let round = 0; ; round++) {
      try {
        const updated = await this.client.update<QboItem>(
          "item",
          { Id: item.Id, SyncToken: item.SyncToken, sparse: true, ExpenseAccountRef: { value: account } },
          this.key(`item:purchase:${item.Id}:${item.SyncToken}`),
        );
        await this.rememberItem(updated);
        return updated;
      } catch (err) {
        if (!(err instanceof QboApiError) || err.fault.status !== 400) throw err;
        if (err.fault.code === "5010" && round < MAX_STALE_RETRIES) {
          // Saved by someone else since we saw it: look again; they may have added the account themselves.
          item = await this.client.read<QboItem>("item", item.Id);
          await this.rememberItem(item);
          if (item.ExpenseAccountRef?.value) return item;
          continue;
        }
        reject(
          "item_purchase_side_refused",
          `QuickBooks refused to add an expense account to the product/service "${item.Name}" (cost code ` +
            `${costCode}), which a purchase order line needs: ${err.fault.detail || err.fault.message}`,
          `In QuickBooks open Products and services, edit "${item.Name}", tick "I purchase this product/service ` +
            'from a vendor" and choose an expense account — or map the cost code to another item — then retry.',
        );
      }
    }
  }

  // ---- the purchase order ------------------------------------------------------------------------------------

  private isOurs(po: QboPurchaseOrder): boolean {
    return parseCommitmentMarker(po.PrivateNote) === this.req.commitment.id;
  }

  /** The purchase order an earlier attempt wrote for this commitment, found by its number and our marker. */
  private async findOurPurchaseOrder(): Promise<QboPurchaseOrder | null> {
    const number = purchaseOrderNumber(this.req.commitment.number);
    const rows = await this.client.queryAll<QboPurchaseOrder>(
      `select * from PurchaseOrder where DocNumber = ${qboQuote(number)}`,
    );
    return rows.filter((p) => this.isOurs(p)).sort((a, b) => Number(a.Id) - Number(b.Id))[0] ?? null;
  }

  private async readPurchaseOrder(id: string): Promise<QboPurchaseOrder | null> {
    try {
      const po = await this.client.read<QboPurchaseOrder>("purchaseorder", id);
      await this.remember([[refKey.purchaseOrder(po.Id), "PurchaseOrder", po]]);
      return po;
    } catch (err) {
      if (!isNotFound(err)) throw err;
      await this.forget([refKey.purchaseOrder(id)]);
      return null;
    }
  }

  /** Our last write of this purchase order, when nothing has been saved to it since (same SyncToken): no read. */
  private cachedPurchaseOrder(): QboPurchaseOrder | null {
    const previous = this.req.previous;
    if (!previous) return null;
    const po = this.known.get(refKey.purchaseOrder(previous.purchaseOrderId))?.data as
      | QboPurchaseOrder
      | undefined;
    return po && po.Id === previous.purchaseOrderId && po.SyncToken === previous.version ? po : null;
  }

  /**
   * The purchase order we wrote last time was deleted in QuickBooks. Costbridge never adds a second one on its
   * own: the approver decides (Retry writes a new one, Reject hands the commitment back).
   */
  private async purchaseOrderGone(): Promise<QboPurchaseOrder | null> {
    const previous = this.req.previous;
    if (!this.req.overwriteChangedInErp) {
      this.subject = { kind: "purchase_order" };
      reject(
        "changed_in_quickbooks",
        `The purchase order ${previous?.docNumber || previous?.purchaseOrderId} that Costbridge wrote for this ` +
          "commitment was deleted in QuickBooks.",
        "Costbridge does not add a second purchase order on its own. Retry the export to write this commitment " +
          "as a new purchase order, or Reject the commitment to hand it back.",
      );
    }
    return this.findOurPurchaseOrder();
  }

  private build(refs: References, current: QboPurchaseOrder | null): PurchaseOrderWrite {
    const ids = new Map<string, string>();
    const foreign: Record<string, unknown>[] = [];
    if (current) {
      // Lines we wrote before (still there) keep their id; lines a bookkeeper added are sent back unchanged.
      const present = new Set((current.Line ?? []).map((l) => String(l.Id ?? "")));
      const ours = new Set<string>();
      for (const l of this.req.previous?.purchaseOrderId === current.Id ? this.req.previous.lines : []) {
        ours.add(l.lineId);
        if (present.has(l.lineId)) ids.set(l.lineKey, l.lineId);
      }
      for (const line of current.Line ?? []) {
        if (
          line.DetailType !== "ItemBasedExpenseLineDetail" &&
          line.DetailType !== "AccountBasedExpenseLineDetail"
        )
          continue;
        if (!ours.has(String(line.Id ?? ""))) foreign.push({ ...line });
      }
      // Without our earlier line ids (an earlier attempt's purchase order), our lines are all of its lines.
      if (ours.size === 0) foreign.length = 0;
    }
    return buildPurchaseOrder({
      req: this.req,
      vendorRef: refs.vendor.id,
      payablesAccountRef: refs.payablesAccount,
      jobRef: refs.job.id,
      itemRefs: refs.itemRefs,
      classRefs: refs.classRefs,
      lineIds: ids,
      foreignLines: foreign,
      current,
      // Outside the US a transaction states how tax applies; a commitment's amounts carry no tax.
      globalTaxCalculation: this.setup && this.setup.country !== "US" ? "NotApplicable" : undefined,
      currency: this.transactionCurrency,
    });
  }

  private expected(refs: References) {
    return {
      vendorRef: refs.vendor.id,
      jobRef: refs.job.id,
      lines: this.req.lines.map((l) => ({ amount: l.amount, itemRef: refs.itemRefs.get(l.costCode) ?? "" })),
    };
  }

  private async writePurchaseOrder(refs: References): Promise<QboPurchaseOrder> {
    this.subject = { kind: "purchase_order" };
    const previous = this.req.previous;
    let current: QboPurchaseOrder | null = null;
    let fromCache = false;
    if (previous) {
      current = this.cachedPurchaseOrder();
      fromCache = current !== null;
      current ??=
        (await this.readPurchaseOrder(previous.purchaseOrderId)) ?? (await this.purchaseOrderGone());
    } else if (!refs.vendor.created) {
      // A vendor this attempt created has no purchase order yet; the requestid covers this attempt's own create.
      current = await this.findOurPurchaseOrder();
    }
    let written: QboPurchaseOrder;
    if (!current) {
      written = await this.createPurchaseOrder(refs);
    } else {
      try {
        written = await this.updatePurchaseOrder(current, refs, fromCache);
      } catch (err) {
        // The remembered purchase order was deleted since: confirm with a read, then as above.
        if (!fromCache || !isNotFound(err) || err.fault.element !== "") throw err;
        await this.forget([refKey.purchaseOrder(current.Id)]);
        if (await this.readPurchaseOrder(current.Id)) throw err;
        const other = await this.purchaseOrderGone();
        written = other
          ? await this.updatePurchaseOrder(other, refs, false)
          : await this.createPurchaseOrder(refs);
      }
    }
    await this.remember([[refKey.purchaseOrder(written.Id), "PurchaseOrder", written]]);
    const problems = comparePurchaseOrder(written, this.expected(refs));
    if (problems.length > 0) {
      reject(
        "verification_failed",
        `QuickBooks holds purchase order ${written.DocNumber ?? written.Id} differently from the commitment: ` +
          `${problems.join("; ")}.`,
        "Open the purchase order in QuickBooks: an edit made at the same moment can change its lines. Correct it " +
          "there or retry the export to write the commitment again.",
      );
    }
    return written;
  }

  private async createPurchaseOrder(refs: References): Promise<QboPurchaseOrder> {
    // Commitment numbers are unique per project, not per company: two projects may each have an "SC-001".
    return this.client.create<QboPurchaseOrder>(
      "purchaseorder",
      this.build(refs, null),
      this.key("purchaseorder:create"),
      INCLUDE_DUPLICATE_NUMBERS,
    );
  }

  /** Sparse update with the current SyncToken; a stale one (5010) means one read and another try. */
  private async updatePurchaseOrder(
    first: QboPurchaseOrder,
    refs: References,
    fromCache: boolean,
  ): Promise<QboPurchaseOrder> {
    let current = first;
    let remembered = fromCache;
    for (let round = 0; ; round++) {
      if (current.POStatus === "Closed") {
        reject(
          "purchase_order_closed",
          `QuickBooks has closed purchase order ${current.DocNumber ?? current.Id}; Costbridge never changes a ` +
            "closed purchase order.",
          "Reopen the purchase order in QuickBooks (set it back to Open) and Retry the export, or Reject the " +
            "commitment to hand it back.",
        );
      }
      const body = this.build(refs, current);
      // An earlier run of this submission already wrote exactly this (its answer was lost): nothing to do. Only
      // for what QuickBooks just answered: a remembered copy may describe a purchase order deleted since.
      if (
        !remembered &&
        this.isOurs(current) &&
        current.VendorRef?.value === refs.vendor.id &&
        (current.Line ?? []).length === body.Line.length &&
        comparePurchaseOrder(current, this.expected(refs)).length === 0
      ) {
        return current;
      }
      try {
        return await this.client.update<QboPurchaseOrder>(
          "purchaseorder",
          { Id: current.Id, SyncToken: current.SyncToken, sparse: true, ...body },
          this.key(`purchaseorder:update:${current.Id}:${current.SyncToken}`),
        );
      } catch (err) {
        if (!(err instanceof QboApiError) || err.fault.code !== "5010") throw err;
        if (round >= MAX_STALE_RETRIES) {
          reject(
            "changed_in_quickbooks",
            `Purchase order ${current.DocNumber ?? current.Id} kept being saved in QuickBooks while Costbridge ` +
              "was writing it.",
            "Wait until nobody is editing the purchase order in QuickBooks, then Retry the export.",
          );
        }
        const fresh = await this.readPurchaseOrder(current.Id);
        if (!fresh) throw err;
        current = fresh;
        remembered = false;
      }
    }
  }
}
