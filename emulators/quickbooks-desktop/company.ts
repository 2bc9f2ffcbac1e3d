/**
 * A QuickBooks Desktop company file as qbXML sees it: customers and jobs (Parent:Job full names), vendors (they
 * share the name space), service items, income accounts, classes and estimates with EditSequence optimistic
 * locking. It answers qbXML request sets the way QuickBooks does through the SDK, with the statusCodes an export
 * meets: 0 OK, 1 / 500 nothing found, 3070 string too long, 3100 name in use, 3120 object not found, 3140 invalid
 * reference, 3150 missing element, 3200 EditSequence out of date, 3250 feature (estimates) turned off.
 *
 * State can be kept in a folder (`company.json`), written after every change, so a demo survives restarts.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import path from "node:path";
import { schemaProblem } from "./schema.js";
import { child, childrenNamed, el, escapeXml, parseXml, type RawXml, textOf, type XmlNode } from "./xml.js";

// ---- state --------------------------------------------------------------------------------------------------

export interface QbdCustomer {
  ListID: string;
  TimeCreated: string;
  TimeModified: string;
  EditSequence: string;
  Name: string;
  FullName: string;
  IsActive: boolean;
  ParentListID: string | null;
  Sublevel: number;
}

export type QbdItemType = "ItemService" | "ItemNonInventory" | "ItemOtherCharge" | "ItemInventory";

export interface QbdItem {
  ListID: string;
  TimeCreated: string;
  TimeModified: string;
  EditSequence: string;
  type: QbdItemType;
  Name: string;
  FullName: string;
  IsActive: boolean;
  Desc: string;
  Price: string;
  AccountListID: string | null;
}

export interface QbdAccount {
  ListID: string;
  Name: string;
  FullName: string;
  AccountType: string;
  IsActive: boolean;
}

export interface QbdNamed {
  ListID: string;
  Name: string;
  FullName: string;
  IsActive: boolean;
}

/** A vendor: the Name list entry with what a VendorAdd may carry. */
export interface QbdVendor extends QbdNamed {
  TimeCreated?: string;
  TimeModified?: string;
  EditSequence?: string;
  CompanyName?: string;
  Phone?: string;
  Email?: string;
  Contact?: string;
  Address?: { Addr1?: string; City?: string; State?: string; PostalCode?: string; Country?: string };
}

export interface QbdPurchaseOrderLine {
  TxnLineID: string;
  ItemListID: string;
  Desc: string;
  Quantity: string;
  Rate: string;
  /** Two decimals, e.g. "125000.00". */
  Amount: string;
  ClassListID: string | null;
  /** The customer:job the line's cost is charged to. */
  CustomerListID: string | null;
}

export interface QbdPurchaseOrder {
  TxnID: string;
  TimeCreated: string;
  TimeModified: string;
  EditSequence: string;
  TxnNumber: number;
  VendorListID: string;
  TxnDate: string;
  RefNumber: string;
  Memo: string;
  IsManuallyClosed: boolean;
  lines: QbdPurchaseOrderLine[];
}

export interface QbdEstimateLine {
  TxnLineID: string;
  ItemListID: string;
  Desc: string;
  Quantity: string;
  Rate: string;
  /** Two decimals, e.g. "125000.00". */
  Amount: string;
  ClassListID: string | null;
  SalesTaxCode: string;
}

export interface QbdEstimate {
  TxnID: string;
  TimeCreated: string;
  TimeModified: string;
  EditSequence: string;
  TxnNumber: number;
  CustomerListID: string;
  TxnDate: string;
  RefNumber: string;
  Memo: string;
  IsToBeEmailed: boolean;
  /** First line of the bill-to address, when a bookkeeper set one. */
  BillAddr1?: string;
  lines: QbdEstimateLine[];
}

export interface QbdState {
  companyName: string;
  estimatesEnabled: boolean;
  counter: number;
  lastStamp: number;
  txnNumber: number;
  customers: QbdCustomer[];
  vendors: QbdVendor[];
  items: QbdItem[];
  accounts: QbdAccount[];
  classes: QbdNamed[];
  estimates: QbdEstimate[];
  /** Purchase orders are turned on (Edit › Preferences › Items & Inventory). Absent in older files: on. */
  purchaseOrdersEnabled?: boolean;
  /** Absent in company files written before purchase orders were emulated. */
  purchaseOrders?: QbdPurchaseOrder[];
}

export interface QbdSeed {
  companyName: string;
  estimatesEnabled?: boolean;
  /** Full names; a parent is added before its jobs ("Parent:Job"). */
  customers?: string[];
  vendors?: string[];
  accounts?: { name: string; type: string }[];
  /** Service items, added with the first income account. */
  serviceItems?: { name: string; desc?: string }[];
  classes?: string[];
}

/** The company file the demo's Zenith Construction uses. */
export const DEMO_COMPANY_SEED: QbdSeed = {
  companyName: "Zenith Construction",
  estimatesEnabled: true,
  customers: ["Zenith Projects"],
  vendors: ["Prairie Concrete Supply", "Lakeshore Steel"],
  accounts: [
    { name: "Construction Income", type: "Income" },
    { name: "Reimbursed Expenses", type: "Income" },
    { name: "Job Materials", type: "CostOfGoodsSold" },
    { name: "Checking", type: "Bank" },
  ],
  serviceItems: [{ name: "02-200", desc: "Site Preparation" }],
  classes: ["Labor", "Material", "Equipment", "Subcontract", "Other"],
};

/** A fresh company with an income account and nothing else; what most tests start from. */
export const MINIMAL_COMPANY_SEED: QbdSeed = {
  companyName: "Sample Construction",
  estimatesEnabled: true,
  accounts: [{ name: "Construction Income", type: "Income" }],
};

export interface ProcessedRequest {
  type: string;
  requestID: string | null;
  statusCode: string;
  /** The request element as received. */
  xml: string;
}

export type QbdRunResult =
  | { ok: true; response: string }
  /** QuickBooks could not run the request set at all (the Web Connector passes hresult and message on). */
  | { ok: false; hresult: string; message: string };

export interface QbdCompanyOptions {
  /** Folder for `company.json`; loaded when present, else seeded and written. */
  stateDir?: string;
  seed?: QbdSeed;
  /** Epoch milliseconds. */
  now?: () => number;
}

const PARSE_ERROR_HRESULT = "0x80040400";
const MAX_CUSTOMER_NAME = 41;
const MAX_ITEM_NAME = 31;
const MAX_REF_NUMBER = 11;
const MAX_MEMO = 4095;
const MAX_FULL_NAME = 159;
const MAX_DESC = 4095;
/** Vendor fields (qbXML 13.0, QBD): Name 41, CompanyName 41, Phone 21, Email 1023, Contact 41, address lines. */
const VENDOR_LIMITS: Record<string, number> = {
  Name: 41,
  CompanyName: 41,
  Phone: 21,
  Email: 1023,
  Contact: 41,
  Addr1: 41,
  City: 31,
  State: 21,
  PostalCode: 13,
  Country: 31,
};

class StatusError extends Error {
  constructor(
    readonly statusCode: string,
    message: string,
    readonly severity: "Error" | "Warn" = "Error",
  ) {
    super(message);
  }
}

function lower(s: string): string {
  return s.trim().toLowerCase();
}

// ---- decimals (no floats anywhere near money) ---------------------------------------------------------------

const SCALE = 5;

function parseScaled(text: string, field: string): bigint {
  const m = /^\s*(-)?(\d+)(?:\.(\d+))?\s*$/.exec(text);
  if (!m || (m[3] ?? "").length > SCALE) {
    throw new StatusError(
      "3020",
      `There was an error when converting the number "${text}" in the field "${field}".`,
    );
  }
  const v = BigInt(m[2]!) * 10n ** BigInt(SCALE) + BigInt((m[3] ?? "").padEnd(SCALE, "0"));
  return m[1] ? -v : v;
}

function formatScaled(v: bigint, places: number): string {
  const negative = v < 0n;
  let abs = negative ? -v : v;
  // Round half up from SCALE places to `places`.
  const drop = 10n ** BigInt(SCALE - places);
  abs = (abs + drop / 2n) / drop;
  const unit = 10n ** BigInt(places);
  const whole = abs / unit;
  const frac = places > 0 ? `.${(abs % unit).toString().padStart(places, "0")}` : "";
  return `${negative ? "-" : ""}${whole}${frac}`;
}

function sumAmounts(lines: { Amount: string }[]): string {
  const total = lines.reduce((s, l) => s + parseScaled(l.Amount, "Amount"), 0n);
  return formatScaled(total, 2);
}

// ---- the company ---------------------------------------------------------------------------------------------

export class QbdCompany {
  state: QbdState;
  /** Every request QuickBooks ran (or refused), in order; for tests and the demo's log. */
  readonly log: ProcessedRequest[] = [];
  readonly now: () => number;
  private readonly file: string | null;

  constructor(options: QbdCompanyOptions = {}) {
    this.now = options.now ?? (() => Date.now());
    this.file = options.stateDir ? path.join(options.stateDir, "company.json") : null;
    const loaded = this.file ? readState(this.file) : null;
    if (loaded) {
      this.state = loaded;
    } else {
      this.state = {
        companyName: "",
        estimatesEnabled: true,
        counter: 0,
        lastStamp: 0,
        txnNumber: 0,
        customers: [],
        vendors: [],
        items: [],
        accounts: [],
        classes: [],
        estimates: [],
        purchaseOrdersEnabled: true,
        purchaseOrders: [],
      };
      this.applySeed(options.seed ?? MINIMAL_COMPANY_SEED);
      this.save();
    }
  }

  private applySeed(seed: QbdSeed) {
    this.state.companyName = seed.companyName;
    this.state.estimatesEnabled = seed.estimatesEnabled ?? true;
    for (const a of seed.accounts ?? []) this.addAccount(a.name, a.type);
    for (const full of seed.customers ?? []) {
      const parts = full.split(":");
      const name = parts.pop()!;
      this.addCustomer(name, parts.length ? parts.join(":") : undefined);
    }
    for (const v of seed.vendors ?? []) this.addVendor(v);
    for (const c of seed.classes ?? []) this.addClass(c);
    for (const i of seed.serviceItems ?? []) this.addServiceItem(i.name, i.desc);
  }

  /** Writes the state to the folder, if the company has one; atomic (write, then rename). */
  save(): void {
    if (!this.file) return;
    mkdirSync(path.dirname(this.file), { recursive: true });
    const tmp = `${this.file}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(this.state, null, 1));
    renameSync(tmp, this.file);
  }

  // ---- ids and clocks ---------------------------------------------------------------------------------------

  /** Seconds since the epoch, strictly increasing per change: QuickBooks' EditSequence values look like this. */
  /** @internal */
  stamp(): number {
    const s = Math.max(Math.floor(this.now() / 1000), this.state.lastStamp + 1);
    this.state.lastStamp = s;
    return s;
  }

  /** @internal */
  isoTime(): string {
    return new Date(this.now()).toISOString().replace(/\.\d{3}Z$/, "+00:00");
  }

  private newListId(): { id: string; stamp: string } {
    this.state.counter += 1;
    const stamp = String(this.stamp());
    const id = `${(0x80000000 + this.state.counter).toString(16).toUpperCase()}-${stamp}`;
    return { id, stamp };
  }

  /** @internal */
  newTxnId(): { id: string; stamp: string } {
    this.state.counter += 1;
    const stamp = String(this.stamp());
    return { id: `${this.state.counter.toString(16).toUpperCase()}-${stamp}`, stamp };
  }

  // ---- control (what a person does in QuickBooks itself) ------------------------------------------------------

  setEstimatesEnabled(on: boolean): void {
    this.state.estimatesEnabled = on;
    this.save();
  }

  addAccount(name: string, type: string): string {
    const { id } = this.newListId();
    this.state.accounts.push({ ListID: id, Name: name, FullName: name, AccountType: type, IsActive: true });
    this.save();
    return id;
  }

  addCustomer(name: string, parentFullName?: string): string {
    const parent = parentFullName ? this.customerByFullName(parentFullName) : null;
    if (parentFullName && !parent) throw new Error(`no customer ${parentFullName}`);
    const { id, stamp } = this.newListId();
    const t = this.isoTime();
    this.state.customers.push({
      ListID: id,
      TimeCreated: t,
      TimeModified: t,
      EditSequence: stamp,
      Name: name,
      FullName: parent ? `${parent.FullName}:${name}` : name,
      IsActive: true,
      ParentListID: parent?.ListID ?? null,
      Sublevel: parent ? parent.Sublevel + 1 : 0,
    });
    this.save();
    return id;
  }

  addVendor(
    name: string,
    details: Omit<QbdVendor, "ListID" | "Name" | "FullName" | "IsActive"> = {},
  ): string {
    const { id, stamp } = this.newListId();
    const t = this.isoTime();
    this.state.vendors.push({
      ...details,
      ListID: id,
      TimeCreated: t,
      TimeModified: t,
      EditSequence: stamp,
      Name: name,
      FullName: name,
      IsActive: true,
    });
    this.save();
    return id;
  }

  setPurchaseOrdersEnabled(on: boolean): void {
    this.state.purchaseOrdersEnabled = on;
    this.save();
  }

  /** The company's purchase orders (a file written before they were emulated has none). */
  get purchaseOrders(): QbdPurchaseOrder[] {
    this.state.purchaseOrders ??= [];
    return this.state.purchaseOrders;
  }

  /**
   * A bookkeeper edits a purchase order in QuickBooks: line amounts (by index), the memo or the reference number;
   * the EditSequence moves.
   */
  editPurchaseOrder(
    txnId: string,
    edit: { amounts?: Record<number, string>; memo?: string; refNumber?: string },
  ): QbdPurchaseOrder {
    const po = this.purchaseOrder(txnId);
    if (!po) throw new Error(`no purchase order ${txnId}`);
    for (const [index, amount] of Object.entries(edit.amounts ?? {})) {
      const line = po.lines[Number(index)];
      if (!line) throw new Error(`no line ${index}`);
      line.Amount = formatScaled(parseScaled(amount, "Amount"), 2);
      line.Rate = line.Amount;
    }
    if (edit.memo !== undefined) po.Memo = edit.memo;
    if (edit.refNumber !== undefined) po.RefNumber = edit.refNumber;
    po.EditSequence = String(this.stamp());
    po.TimeModified = this.isoTime();
    this.save();
    return structuredClone(po);
  }

  deletePurchaseOrder(txnId: string): void {
    this.state.purchaseOrders = this.purchaseOrders.filter((p) => p.TxnID !== txnId);
    this.save();
  }

  addClass(name: string): string {
    const { id } = this.newListId();
    this.state.classes.push({ ListID: id, Name: name, FullName: name, IsActive: true });
    this.save();
    return id;
  }

  addServiceItem(name: string, desc = "", type: QbdItemType = "ItemService"): string {
    const { id, stamp } = this.newListId();
    const t = this.isoTime();
    const account = this.state.accounts.find((a) => a.AccountType === "Income" && a.IsActive);
    this.state.items.push({
      ListID: id,
      TimeCreated: t,
      TimeModified: t,
      EditSequence: stamp,
      type,
      Name: name,
      FullName: name,
      IsActive: true,
      Desc: desc,
      Price: "0.00",
      AccountListID: account?.ListID ?? null,
    });
    this.save();
    return id;
  }

  /** Makes a customer, job or item (in)active, as from its list's context menu. */
  setActive(listId: string, active: boolean): void {
    const rec =
      this.state.customers.find((c) => c.ListID === listId) ??
      this.state.vendors.find((v) => v.ListID === listId) ??
      this.state.items.find((i) => i.ListID === listId);
    if (!rec) throw new Error(`no list element ${listId}`);
    rec.IsActive = active;
    this.save();
  }

  /**
   * A bookkeeper edits an estimate in QuickBooks: line amounts (by index), the memo, reference number, e-mail flag,
   * date and/or bill-to address; the EditSequence moves.
   */
  editEstimate(
    txnId: string,
    edit: {
      amounts?: Record<number, string>;
      memo?: string;
      refNumber?: string;
      isToBeEmailed?: boolean;
      txnDate?: string;
      billAddr1?: string;
    },
  ): QbdEstimate {
    const e = this.estimate(txnId);
    if (!e) throw new Error(`no estimate ${txnId}`);
    for (const [index, amount] of Object.entries(edit.amounts ?? {})) {
      const line = e.lines[Number(index)];
      if (!line) throw new Error(`no line ${index}`);
      line.Amount = formatScaled(parseScaled(amount, "Amount"), 2);
      line.Rate = line.Amount;
    }
    if (edit.memo !== undefined) e.Memo = edit.memo;
    if (edit.refNumber !== undefined) e.RefNumber = edit.refNumber;
    if (edit.isToBeEmailed !== undefined) e.IsToBeEmailed = edit.isToBeEmailed;
    if (edit.txnDate !== undefined) e.TxnDate = edit.txnDate;
    if (edit.billAddr1 !== undefined) e.BillAddr1 = edit.billAddr1;
    e.EditSequence = String(this.stamp());
    e.TimeModified = this.isoTime();
    this.save();
    return structuredClone(e);
  }

  /**
   * A customer, job or item disappears from its list, as when a bookkeeper merges it into another one (QuickBooks
   * keeps the other's ListID) or deletes one nothing uses: references to its ListID are refused from then on.
   */
  deleteListElement(listId: string): void {
    const count = () => this.state.customers.length + this.state.items.length + this.state.vendors.length;
    const before = count();
    this.state.customers = this.state.customers.filter((c) => c.ListID !== listId);
    this.state.items = this.state.items.filter((i) => i.ListID !== listId);
    this.state.vendors = this.state.vendors.filter((v) => v.ListID !== listId);
    if (count() === before) throw new Error(`no list element ${listId}`);
    this.save();
  }

  deleteEstimate(txnId: string): void {
    this.state.estimates = this.state.estimates.filter((e) => e.TxnID !== txnId);
    this.save();
  }

  // ---- look-ups ------------------------------------------------------------------------------------------------

  customerByFullName(fullName: string): QbdCustomer | undefined {
    return this.state.customers.find((c) => lower(c.FullName) === lower(fullName));
  }

  vendorByName(name: string): QbdVendor | undefined {
    return this.state.vendors.find((v) => lower(v.FullName) === lower(name));
  }

  purchaseOrder(txnId: string): QbdPurchaseOrder | undefined {
    return this.purchaseOrders.find((p) => p.TxnID === txnId);
  }

  /** Copies of the purchase orders written to a vendor (by name). */
  purchaseOrdersFor(vendorName: string): QbdPurchaseOrder[] {
    const v = this.vendorByName(vendorName);
    return v
      ? this.purchaseOrders.filter((p) => p.VendorListID === v.ListID).map((p) => structuredClone(p))
      : [];
  }

  itemByFullName(fullName: string): QbdItem | undefined {
    return this.state.items.find((i) => lower(i.FullName) === lower(fullName));
  }

  estimate(txnId: string): QbdEstimate | undefined {
    return this.state.estimates.find((e) => e.TxnID === txnId);
  }

  estimatesFor(customerFullName: string): QbdEstimate[] {
    const c = this.customerByFullName(customerFullName);
    return c
      ? this.state.estimates.filter((e) => e.CustomerListID === c.ListID).map((e) => structuredClone(e))
      : [];
  }

  /** How many requests of a type QuickBooks ran successfully (statusCode 0). */
  countOk(type: string): number {
    return this.log.filter((r) => r.type === type && r.statusCode === "0").length;
  }

  // ---- what the Web Connector reads on its first sendRequestXML -------------------------------------------------

  /** The HostQuery/CompanyQuery/PreferencesQuery answer the Web Connector passes as strHCPResponse. */
  hcpResponse(): string {
    const body = el("QBXML", [
      el("QBXMLMsgsRs", [
        el(
          "HostQueryRs",
          el("HostRet", [
            el("ProductName", "QuickBooks Desktop Emulator"),
            el("MajorVersion", "34"),
            el("MinorVersion", "0"),
            el("Country", "US"),
            el(
              "SupportedQBXMLVersion",
              ["13.0", "14.0", "15.0", "16.0"].map((v) => el("v", v)),
            ),
          ]),
          status("0"),
        ),
        el(
          "CompanyQueryRs",
          el("CompanyRet", [el("IsSampleCompany", "false"), el("CompanyName", this.state.companyName)]),
          status("0"),
        ),
        el(
          "PreferencesQueryRs",
          el(
            "PreferencesRet",
            el("JobsAndEstimatesPreferences", el("IsUsingEstimates", String(this.state.estimatesEnabled))),
          ),
          status("0"),
        ),
      ]),
    ]);
    return `<?xml version="1.0" ?>${body.xml}`;
  }

  // ---- qbXML ---------------------------------------------------------------------------------------------------

  /** Runs one qbXML request set, as QuickBooks does for each request the Web Connector hands it. */
  run(qbxml: string): QbdRunResult {
    let root: XmlNode;
    try {
      root = parseXml(qbxml);
    } catch {
      return {
        ok: false,
        hresult: PARSE_ERROR_HRESULT,
        message: "QuickBooks found an error when parsing the provided XML text stream.",
      };
    }
    const msgs = child(root, "QBXMLMsgsRq");
    if (root.name !== "QBXML" || !msgs) {
      return {
        ok: false,
        hresult: PARSE_ERROR_HRESULT,
        message: "QuickBooks found an error when parsing the provided XML text stream.",
      };
    }
    const known = msgs.children.every((rq) => rq.name in HANDLERS && schemaProblem(rq) === null);
    if (!known) {
      return {
        ok: false,
        hresult: PARSE_ERROR_HRESULT,
        message: "QuickBooks found an error when parsing the provided XML text stream.",
      };
    }
    const stopOnError = (msgs.attrs.onError ?? "stopOnError") === "stopOnError";
    const out: RawXml[] = [];
    let stopped = false;
    for (const rq of msgs.children) {
      const type = rq.name.replace(/Rq$/, "");
      const requestID = rq.attrs.requestID ?? null;
      const idAttr: Record<string, string> = requestID !== null ? { requestID } : {};
      if (stopped) continue;
      const before = JSON.stringify(this.state);
      try {
        const rets = HANDLERS[rq.name]!(this, rq);
        const code = rets.length === 0 ? (rets.notFound ?? "1") : "0";
        const attrs = {
          ...idAttr,
          ...(code === "0"
            ? { statusCode: "0", statusSeverity: "Info", statusMessage: "Status OK" }
            : code === "1"
              ? {
                  statusCode: "1",
                  statusSeverity: "Info",
                  statusMessage: "A query request did not find a matching object in QuickBooks",
                }
              : {
                  statusCode: code,
                  statusSeverity: "Warn",
                  statusMessage: rets.message ?? "The query request has not been fully completed.",
                }),
        };
        out.push(el(`${type}Rs`, rets, attrs));
        this.log.push({ type, requestID, statusCode: attrs.statusCode, xml: outerXml(rq) });
      } catch (e) {
        if (!(e instanceof StatusError)) throw e;
        this.state = JSON.parse(before) as QbdState;
        out.push(
          el(`${type}Rs`, [], {
            ...idAttr,
            statusCode: e.statusCode,
            statusSeverity: e.severity,
            statusMessage: e.message,
          }),
        );
        this.log.push({ type, requestID, statusCode: e.statusCode, xml: outerXml(rq) });
        if (e.severity === "Error" && stopOnError) stopped = true;
      }
    }
    // Saved after every request set, whatever happened: a restored failure must not leave a half write on disk.
    this.save();
    return { ok: true, response: `<?xml version="1.0" ?>${el("QBXML", el("QBXMLMsgsRs", out)).xml}` };
  }

  // ---- request handlers ---------------------------------------------------------------------------------------

  resolveCustomer(ref: XmlNode | undefined, field: string, owner: string): QbdCustomer {
    const listId = textOf(ref, "ListID");
    const fullName = textOf(ref, "FullName");
    if (fullName !== undefined) this.checkLength(fullName, "FullName", MAX_FULL_NAME);
    const found = listId
      ? this.state.customers.find((c) => c.ListID === listId)
      : fullName !== undefined
        ? this.customerByFullName(fullName)
        : undefined;
    if (!found?.IsActive) {
      throw new StatusError(
        "3140",
        `There is an invalid reference to QuickBooks ${field} "${listId ?? fullName ?? ""}" in the ${owner}. QuickBooks error message: ${found ? "The specified record is inactive." : "Invalid argument. The specified record does not exist in the list."}`,
      );
    }
    return found;
  }

  resolveNamed<T extends { ListID: string; FullName: string; IsActive: boolean }>(
    list: T[],
    ref: XmlNode | undefined,
    field: string,
    owner: string,
  ): T {
    const listId = textOf(ref, "ListID");
    const fullName = textOf(ref, "FullName");
    if (fullName !== undefined) this.checkLength(fullName, "FullName", MAX_FULL_NAME);
    const found = listId
      ? list.find((x) => x.ListID === listId)
      : fullName !== undefined
        ? list.find((x) => lower(x.FullName) === lower(fullName))
        : undefined;
    if (!found?.IsActive) {
      throw new StatusError(
        "3140",
        `There is an invalid reference to QuickBooks ${field} "${listId ?? fullName ?? ""}" in the ${owner}. QuickBooks error message: ${found ? "The specified record is inactive." : "Invalid argument. The specified record does not exist in the list."}`,
      );
    }
    return found;
  }

  nameInUse(fullName: string): boolean {
    const n = lower(fullName);
    return (
      this.state.customers.some((c) => lower(c.FullName) === n) ||
      this.state.vendors.some((v) => lower(v.FullName) === n)
    );
  }

  checkLength(value: string, field: string, max: number) {
    if ([...value].length > max) {
      throw new StatusError("3070", `The string "${value}" in the field "${field}" is too long.`);
    }
  }

  requireEstimates() {
    if (!this.state.estimatesEnabled) {
      throw new StatusError(
        "3250",
        "This feature is not enabled or not available in this version of QuickBooks.",
      );
    }
  }

  customerRet(c: QbdCustomer): RawXml {
    const parent = c.ParentListID ? this.state.customers.find((p) => p.ListID === c.ParentListID) : undefined;
    return el("CustomerRet", [
      el("ListID", c.ListID),
      el("TimeCreated", c.TimeCreated),
      el("TimeModified", c.TimeModified),
      el("EditSequence", c.EditSequence),
      el("Name", c.Name),
      el("FullName", c.FullName),
      el("IsActive", String(c.IsActive)),
      parent ? el("ParentRef", [el("ListID", parent.ListID), el("FullName", parent.FullName)]) : null,
      el("Sublevel", String(c.Sublevel)),
      el("Balance", "0.00"),
      el("TotalBalance", "0.00"),
      el("JobStatus", "None"),
    ]);
  }

  itemRet(i: QbdItem): RawXml {
    const account = this.state.accounts.find((a) => a.ListID === i.AccountListID);
    return el(`${i.type}Ret`, [
      el("ListID", i.ListID),
      el("TimeCreated", i.TimeCreated),
      el("TimeModified", i.TimeModified),
      el("EditSequence", i.EditSequence),
      el("Name", i.Name),
      el("FullName", i.FullName),
      el("IsActive", String(i.IsActive)),
      el("Sublevel", "0"),
      el("SalesOrPurchase", [
        el("Desc", i.Desc),
        el("Price", i.Price),
        account ? el("AccountRef", [el("ListID", account.ListID), el("FullName", account.FullName)]) : null,
      ]),
    ]);
  }

  estimateRet(e: QbdEstimate, withLines: boolean): RawXml {
    const c = this.state.customers.find((x) => x.ListID === e.CustomerListID);
    const total = sumAmounts(e.lines);
    return el("EstimateRet", [
      el("TxnID", e.TxnID),
      el("TimeCreated", e.TimeCreated),
      el("TimeModified", e.TimeModified),
      el("EditSequence", e.EditSequence),
      el("TxnNumber", String(e.TxnNumber)),
      el("CustomerRef", [el("ListID", e.CustomerListID), el("FullName", c?.FullName ?? "")]),
      el("TxnDate", e.TxnDate),
      el("RefNumber", e.RefNumber),
      e.BillAddr1 !== undefined ? el("BillAddress", el("Addr1", e.BillAddr1)) : null,
      el("IsActive", "true"),
      el("Subtotal", total),
      el("SalesTaxPercentage", "0.00"),
      el("SalesTaxTotal", "0.00"),
      el("TotalAmount", total),
      el("Memo", e.Memo),
      el("IsToBeEmailed", String(e.IsToBeEmailed)),
      ...(withLines ? e.lines.map((l) => this.lineRet(l)) : []),
    ]);
  }

  lineRet(l: QbdEstimateLine): RawXml {
    const item = this.state.items.find((i) => i.ListID === l.ItemListID);
    const cls = l.ClassListID ? this.state.classes.find((c) => c.ListID === l.ClassListID) : undefined;
    return el("EstimateLineRet", [
      el("TxnLineID", l.TxnLineID),
      el("ItemRef", [el("ListID", l.ItemListID), el("FullName", item?.FullName ?? "")]),
      el("Desc", l.Desc),
      el("Quantity", l.Quantity),
      el("Rate", l.Rate),
      cls ? el("ClassRef", [el("ListID", cls.ListID), el("FullName", cls.FullName)]) : null,
      el("Amount", l.Amount),
      el("SalesTaxCodeRef", el("FullName", l.SalesTaxCode)),
    ]);
  }

  vendorRet(v: QbdVendor): RawXml {
    const a = v.Address;
    return el("VendorRet", [
      el("ListID", v.ListID),
      el("TimeCreated", v.TimeCreated ?? this.isoTime()),
      el("TimeModified", v.TimeModified ?? this.isoTime()),
      el("EditSequence", v.EditSequence ?? "1"),
      el("Name", v.Name),
      el("IsActive", String(v.IsActive)),
      v.CompanyName !== undefined ? el("CompanyName", v.CompanyName) : null,
      a
        ? el("VendorAddress", [
            a.Addr1 !== undefined ? el("Addr1", a.Addr1) : null,
            a.City !== undefined ? el("City", a.City) : null,
            a.State !== undefined ? el("State", a.State) : null,
            a.PostalCode !== undefined ? el("PostalCode", a.PostalCode) : null,
            a.Country !== undefined ? el("Country", a.Country) : null,
          ])
        : null,
      v.Phone !== undefined ? el("Phone", v.Phone) : null,
      v.Email !== undefined ? el("Email", v.Email) : null,
      v.Contact !== undefined ? el("Contact", v.Contact) : null,
      el("Balance", "0.00"),
    ]);
  }

  purchaseOrderRet(p: QbdPurchaseOrder, withLines: boolean): RawXml {
    const v = this.state.vendors.find((x) => x.ListID === p.VendorListID);
    const total = sumAmounts(p.lines);
    return el("PurchaseOrderRet", [
      el("TxnID", p.TxnID),
      el("TimeCreated", p.TimeCreated),
      el("TimeModified", p.TimeModified),
      el("EditSequence", p.EditSequence),
      el("TxnNumber", String(p.TxnNumber)),
      el("VendorRef", [el("ListID", p.VendorListID), el("FullName", v?.FullName ?? "")]),
      el("TxnDate", p.TxnDate),
      el("RefNumber", p.RefNumber),
      el("TotalAmount", total),
      el("IsManuallyClosed", String(p.IsManuallyClosed)),
      el("IsFullyReceived", "false"),
      el("Memo", p.Memo),
      el("IsToBePrinted", "false"),
      el("IsToBeEmailed", "false"),
      ...(withLines ? p.lines.map((l) => this.purchaseOrderLineRet(l)) : []),
    ]);
  }

  purchaseOrderLineRet(l: QbdPurchaseOrderLine): RawXml {
    const item = this.state.items.find((i) => i.ListID === l.ItemListID);
    const cls = l.ClassListID ? this.state.classes.find((c) => c.ListID === l.ClassListID) : undefined;
    const customer = l.CustomerListID
      ? this.state.customers.find((c) => c.ListID === l.CustomerListID)
      : undefined;
    return el("PurchaseOrderLineRet", [
      el("TxnLineID", l.TxnLineID),
      el("ItemRef", [el("ListID", l.ItemListID), el("FullName", item?.FullName ?? "")]),
      el("Desc", l.Desc),
      el("Quantity", l.Quantity),
      el("Rate", l.Rate),
      cls ? el("ClassRef", [el("ListID", cls.ListID), el("FullName", cls.FullName)]) : null,
      el("Amount", l.Amount),
      customer ? el("CustomerRef", [el("ListID", customer.ListID), el("FullName", customer.FullName)]) : null,
      el("ReceivedQuantity", "0"),
      el("IsBilled", "false"),
      el("IsManuallyClosed", "false"),
    ]);
  }

  /** A line from PurchaseOrderLineAdd or a new PurchaseOrderLineMod (TxnLineID -1), or an existing line changed. */
  buildPurchaseOrderLine(node: XmlNode, base: QbdPurchaseOrderLine | null): QbdPurchaseOrderLine {
    const owner = "Purchase Order";
    const itemRef = child(node, "ItemRef");
    const item = itemRef ? this.resolveNamed(this.state.items, itemRef, "Item", owner) : null;
    if (!item && !base)
      throw new StatusError("3150", `There is a missing element: "ItemRef" in the ${owner} line.`);
    const classRef = child(node, "ClassRef");
    const cls = classRef ? this.resolveNamed(this.state.classes, classRef, "Class", owner) : null;
    const customerRef = child(node, "CustomerRef");
    const customer = customerRef ? this.resolveCustomer(customerRef, "Customer", owner) : null;
    const desc = textOf(node, "Desc") ?? base?.Desc ?? item?.Desc ?? "";
    this.checkLength(desc, "Desc", MAX_DESC);
    const { qty, rate, amount } = lineAmounts(
      node,
      base ? { Quantity: base.Quantity, Rate: base.Rate, Amount: base.Amount } : null,
      item?.Price,
    );
    return {
      TxnLineID: base?.TxnLineID ?? this.newTxnId().id,
      ItemListID: item?.ListID ?? base!.ItemListID,
      Desc: desc,
      Quantity: formatScaled(qty, SCALE).replace(/\.?0+$/, ""),
      Rate: formatScaled(rate, 2),
      Amount: formatScaled(amount, 2),
      ClassListID: cls?.ListID ?? (classRef ? null : (base?.ClassListID ?? null)),
      CustomerListID: customer?.ListID ?? (customerRef ? null : (base?.CustomerListID ?? null)),
    };
  }

  requirePurchaseOrders() {
    if (this.state.purchaseOrdersEnabled === false) {
      throw new StatusError(
        "3250",
        "This feature is not enabled or not available in this version of QuickBooks.",
      );
    }
  }

  /** A line from EstimateLineAdd or a new EstimateLineMod (TxnLineID -1), or an existing line with changes. */
  buildLine(node: XmlNode, base: QbdEstimateLine | null, owner: string): QbdEstimateLine {
    const itemRef = child(node, "ItemRef");
    const item = itemRef ? this.resolveNamed(this.state.items, itemRef, "Item", owner) : null;
    if (!item && !base)
      throw new StatusError("3150", `There is a missing element: "ItemRef" in the ${owner}.`);
    const classRef = child(node, "ClassRef");
    const cls = classRef ? this.resolveNamed(this.state.classes, classRef, "Class", owner) : null;
    const taxName = textOf(child(node, "SalesTaxCodeRef"), "FullName");
    if (taxName !== undefined && !["tax", "non"].includes(lower(taxName))) {
      throw new StatusError(
        "3140",
        `There is an invalid reference to QuickBooks Sales Tax Code "${taxName}" in the ${owner}.`,
      );
    }
    const desc = textOf(node, "Desc") ?? base?.Desc ?? item?.Desc ?? "";
    this.checkLength(desc, "Desc", MAX_DESC);
    const { qty, rate, amount } = lineAmounts(node, base, item?.Price);
    return {
      TxnLineID: base?.TxnLineID ?? this.newTxnId().id,
      ItemListID: item?.ListID ?? base!.ItemListID,
      Desc: desc,
      Quantity: formatScaled(qty, SCALE).replace(/\.?0+$/, ""),
      Rate: formatScaled(rate, 2),
      Amount: formatScaled(amount, 2),
      ClassListID: cls?.ListID ?? (classRef ? null : (base?.ClassListID ?? null)),
      SalesTaxCode: taxName ?? base?.SalesTaxCode ?? "Non",
    };
  }
}

/**
 * Quantity, rate and amount of a line as QuickBooks works them out: Amount defaults to Quantity × Rate, Rate to
 * Amount ÷ Quantity; a changed line keeps what it does not name; a new line without either takes the item's price.
 */
function lineAmounts(
  node: XmlNode,
  base: { Quantity: string; Rate: string; Amount: string } | null,
  itemPrice: string | undefined,
): { qty: bigint; rate: bigint; amount: bigint } {
  const qtyText = textOf(node, "Quantity");
  const rateText = textOf(node, "Rate");
  const amountText = textOf(node, "Amount");
  if (base && qtyText === undefined && rateText === undefined && amountText === undefined) {
    // A line named by its TxnLineID alone stays as it is.
    return {
      qty: parseScaled(base.Quantity, "Quantity"),
      rate: parseScaled(base.Rate, "Rate"),
      amount: parseScaled(base.Amount, "Amount"),
    };
  }
  const qty = parseScaled(qtyText ?? base?.Quantity ?? "1", "Quantity");
  const one = 10n ** BigInt(SCALE);
  let rate: bigint;
  let amount: bigint;
  if (rateText !== undefined) {
    rate = parseScaled(rateText, "Rate");
    amount = amountText !== undefined ? parseScaled(amountText, "Amount") : (qty * rate) / one;
  } else if (amountText !== undefined) {
    amount = parseScaled(amountText, "Amount");
    rate = qty === 0n ? amount : (amount * one) / qty;
  } else if (base) {
    rate = parseScaled(base.Rate, "Rate");
    amount = (qty * rate) / one;
  } else {
    rate = parseScaled(itemPrice ?? "0", "Rate");
    amount = (qty * rate) / one;
  }
  return { qty, rate, amount };
}

/** The statusCode an empty answer carries, and its message. */
type Rets = RawXml[] & { notFound?: string; message?: string };

function rets(list: RawXml[], notFound?: { code: string; message: string }): Rets {
  const r = list as Rets;
  if (notFound) {
    r.notFound = notFound.code;
    r.message = notFound.message;
  }
  return r;
}

function status(code: string): Record<string, string> {
  return { statusCode: code, statusSeverity: "Info", statusMessage: "Status OK" };
}

function outerXml(node: XmlNode): string {
  const attrs = Object.entries(node.attrs)
    .map(([k, v]) => ` ${k}="${v}"`)
    .join("");
  const inner = node.children.length ? node.children.map(outerXml).join("") : escapeXml(node.text);
  return `<${node.name}${attrs}>${inner}</${node.name}>`;
}

/** Not found for an explicit ListID/FullName/TxnID filter is statusCode 500 (a warning), as QuickBooks answers. */
function missing(value: string): { code: string; message: string } {
  return {
    code: "500",
    message: `The query request has not been fully completed. There was a required element ("${value}") that could not be found in QuickBooks.`,
  };
}

function activeFilter(rq: XmlNode): (active: boolean) => boolean {
  const s = textOf(rq, "ActiveStatus") ?? "ActiveOnly";
  return (active) => s === "All" || (s === "ActiveOnly" ? active : !active);
}

function listQuery<T extends { ListID: string; FullName: string; IsActive: boolean }>(
  rq: XmlNode,
  list: T[],
  toRet: (x: T) => RawXml,
): Rets {
  const ids = childrenNamed(rq, "ListID").map((n) => n.text.trim());
  const names = childrenNamed(rq, "FullName").map((n) => n.text.trim());
  if (ids.length) {
    const found = ids.map((id) => list.find((x) => x.ListID === id));
    const firstMissing = ids.find((_, i) => !found[i]);
    return rets(
      found.filter((x): x is T => Boolean(x)).map(toRet),
      firstMissing ? missing(firstMissing) : undefined,
    );
  }
  if (names.length) {
    const found = names.map((n) => list.find((x) => lower(x.FullName) === lower(n)));
    const firstMissing = names.find((_, i) => !found[i]);
    return rets(
      found.filter((x): x is T => Boolean(x)).map(toRet),
      firstMissing ? missing(firstMissing) : undefined,
    );
  }
  const keep = activeFilter(rq);
  return rets(list.filter((x) => keep(x.IsActive)).map(toRet));
}

/** A transaction query naming TxnIDs answers those in the order asked, with a warning for the first one missing. */
function txnsById<T extends { TxnID: string }>(
  rq: XmlNode,
  list: T[],
  toRet: (x: T) => RawXml,
): Rets | undefined {
  const ids = childrenNamed(rq, "TxnID").map((n) => n.text.trim());
  if (!ids.length) return undefined;
  const found = ids.map((id) => list.find((x) => x.TxnID === id));
  const firstMissing = ids.find((_, i) => !found[i]);
  return rets(
    found.filter((x): x is T => Boolean(x)).map(toRet),
    firstMissing ? missing(firstMissing) : undefined,
  );
}

/**
 * The entity an EntityFilter names by ListID or FullName: null when the query has no EntityFilter, the value
 * asked for when nothing matches it.
 */
function filterEntity<E extends { ListID: string }>(
  rq: XmlNode,
  entities: E[],
  byName: (fullName: string) => E | undefined,
): E | { notFound: string } | null {
  const entity = child(rq, "EntityFilter");
  if (!entity) return null;
  const listId = textOf(entity, "ListID");
  const fullName = textOf(entity, "FullName");
  const found = listId
    ? entities.find((x) => x.ListID === listId)
    : fullName !== undefined
      ? byName(fullName)
      : undefined;
  return found ?? { notFound: listId ?? fullName ?? "" };
}

/** RefNumber and Memo of a transaction add, checked against QuickBooks' lengths. */
function refAndMemoOfAdd(co: QbdCompany, add: XmlNode | undefined): { RefNumber: string; Memo: string } {
  const refNumber = textOf(add, "RefNumber") ?? "";
  co.checkLength(refNumber, "RefNumber", MAX_REF_NUMBER);
  const memo = textOf(add, "Memo") ?? "";
  co.checkLength(memo, "Memo", MAX_MEMO);
  return { RefNumber: refNumber, Memo: memo };
}

/** The ids, numbers and dates QuickBooks gives a transaction it adds. */
function newTxnFields(
  co: QbdCompany,
  add: XmlNode | undefined,
): {
  TxnID: string;
  TimeCreated: string;
  TimeModified: string;
  EditSequence: string;
  TxnNumber: number;
  TxnDate: string;
} {
  const { id, stamp } = co.newTxnId();
  const now = new Date(co.now());
  const t = co.isoTime();
  co.state.txnNumber += 1;
  return {
    TxnID: id,
    TimeCreated: t,
    TimeModified: t,
    EditSequence: stamp,
    TxnNumber: co.state.txnNumber,
    TxnDate: textOf(add, "TxnDate") ?? now.toISOString().slice(0, 10),
  };
}

/** The transaction a mod names by TxnID, once its EditSequence is the current one. */
function txnToMod<T extends { TxnID: string; EditSequence: string }>(list: T[], mod: XmlNode | undefined): T {
  const txnId = textOf(mod, "TxnID") ?? "";
  const txn = list.find((x) => x.TxnID === txnId);
  if (!txn) throw new StatusError("3120", `Object "${txnId}" specified in the request cannot be found.`);
  const editSequence = textOf(mod, "EditSequence") ?? "";
  if (editSequence !== txn.EditSequence) {
    throw new StatusError("3200", `The provided edit sequence "${editSequence}" is out-of-date.`);
  }
  return txn;
}

/** A mod's RefNumber and Memo, each changed only when the mod carries it. */
function modRefAndMemo(
  co: QbdCompany,
  mod: XmlNode | undefined,
  txn: { RefNumber: string; Memo: string },
): void {
  const refNumber = textOf(mod, "RefNumber");
  if (refNumber !== undefined) {
    co.checkLength(refNumber, "RefNumber", MAX_REF_NUMBER);
    txn.RefNumber = refNumber;
  }
  const memo = textOf(mod, "Memo");
  if (memo !== undefined) {
    co.checkLength(memo, "Memo", MAX_MEMO);
    txn.Memo = memo;
  }
}

/**
 * The lines after a mod that carries line mods: as for every transaction, lines the mod does not name by TxnLineID
 * are deleted; TxnLineID -1 adds one.
 */
function modLines<L extends { TxnLineID: string }>(
  lineMods: XmlNode[],
  lines: L[],
  build: (node: XmlNode, base: L | null) => L,
): L[] {
  const next: L[] = [];
  for (const n of lineMods) {
    const lineId = textOf(n, "TxnLineID") ?? "";
    if (lineId === "-1") {
      next.push(build(n, null));
      continue;
    }
    const base = lines.find((l) => l.TxnLineID === lineId);
    if (!base || next.some((l) => l.TxnLineID === lineId)) {
      throw new StatusError("3000", `The given object ID "${lineId}" in the field "TxnLineID" is invalid.`);
    }
    next.push(build(n, base));
  }
  return next;
}

/** A modified transaction's new EditSequence and TimeModified. */
function touchTxn(co: QbdCompany, txn: { EditSequence: string; TimeModified: string }): void {
  txn.EditSequence = String(co.stamp());
  txn.TimeModified = co.isoTime();
}

const HANDLERS: Record<string, (co: QbdCompany, rq: XmlNode) => Rets> = {
  CustomerQueryRq(co, rq) {
    return listQuery(rq, co.state.customers, (c) => co.customerRet(c));
  },

  CustomerAddRq(co, rq) {
    const add = child(rq, "CustomerAdd");
    const name = textOf(add, "Name");
    if (!name) throw new StatusError("3150", 'There is a missing element: "Name" in the Customer.');
    co.checkLength(name, "Name", MAX_CUSTOMER_NAME);
    const parentRef = child(add, "ParentRef");
    const parent = parentRef ? co.resolveCustomer(parentRef, "Customer", "Customer") : null;
    if (parent && parent.Sublevel >= 4) {
      throw new StatusError(
        "3140",
        "There is an invalid reference to QuickBooks Customer in the Customer: too many sublevels.",
      );
    }
    const fullName = parent ? `${parent.FullName}:${name}` : name;
    if (co.nameInUse(fullName)) {
      throw new StatusError("3100", `The name "${name}" of the list element is already in use.`);
    }
    const id = co.addCustomer(name, parent?.FullName);
    return rets([co.customerRet(co.state.customers.find((c) => c.ListID === id)!)]);
  },

  ItemQueryRq(co, rq) {
    return listQuery(rq, co.state.items, (i) => co.itemRet(i));
  },

  ItemServiceQueryRq(co, rq) {
    return listQuery(
      rq,
      co.state.items.filter((i) => i.type === "ItemService"),
      (i) => co.itemRet(i),
    );
  },

  ItemServiceAddRq(co, rq) {
    const add = child(rq, "ItemServiceAdd");
    const name = textOf(add, "Name");
    if (!name) throw new StatusError("3150", 'There is a missing element: "Name" in the Service item.');
    co.checkLength(name, "Name", MAX_ITEM_NAME);
    if (co.state.items.some((i) => lower(i.FullName) === lower(name))) {
      throw new StatusError("3100", `The name "${name}" of the list element is already in use.`);
    }
    const sp = child(add, "SalesOrPurchase");
    if (!sp)
      throw new StatusError("3150", 'There is a missing element: "SalesOrPurchase" in the Service item.');
    const accountRef = child(sp, "AccountRef");
    if (!accountRef)
      throw new StatusError("3150", 'There is a missing element: "AccountRef" in the Service item.');
    const account = co.resolveNamed(co.state.accounts, accountRef, "Account", "Service item");
    const desc = textOf(sp, "Desc") ?? "";
    co.checkLength(desc, "Desc", MAX_DESC);
    const price = textOf(sp, "Price") ?? "0.00";
    const id = co.addServiceItem(name, desc);
    const item = co.state.items.find((i) => i.ListID === id)!;
    item.AccountListID = account.ListID;
    item.Price = formatScaled(parseScaled(price, "Price"), 2);
    return rets([co.itemRet(item)]);
  },

  AccountQueryRq(co, rq) {
    const type = textOf(rq, "AccountType");
    const list = type ? co.state.accounts.filter((a) => a.AccountType === type) : co.state.accounts;
    return listQuery(rq, list, (a) =>
      el("AccountRet", [
        el("ListID", a.ListID),
        el("Name", a.Name),
        el("FullName", a.FullName),
        el("IsActive", String(a.IsActive)),
        el("AccountType", a.AccountType),
      ]),
    );
  },

  ClassQueryRq(co, rq) {
    return listQuery(rq, co.state.classes, (c) =>
      el("ClassRet", [
        el("ListID", c.ListID),
        el("Name", c.Name),
        el("FullName", c.FullName),
        el("IsActive", String(c.IsActive)),
      ]),
    );
  },

  VendorQueryRq(co, rq) {
    const nameFilter = child(rq, "NameFilter");
    if (nameFilter) {
      const how = textOf(nameFilter, "MatchCriterion") ?? "";
      const want = lower(textOf(nameFilter, "Name") ?? "");
      const keep = activeFilter(rq);
      const match = (n: string) =>
        how === "StartsWith" ? n.startsWith(want) : how === "EndsWith" ? n.endsWith(want) : n.includes(want);
      return rets(
        co.state.vendors.filter((v) => keep(v.IsActive) && match(lower(v.Name))).map((v) => co.vendorRet(v)),
      );
    }
    return listQuery(rq, co.state.vendors, (v) => co.vendorRet(v));
  },

  VendorAddRq(co, rq) {
    const add = child(rq, "VendorAdd");
    const name = textOf(add, "Name");
    if (!name) throw new StatusError("3150", 'There is a missing element: "Name" in the Vendor.');
    const fields: Record<string, string | undefined> = {
      Name: name,
      CompanyName: textOf(add, "CompanyName"),
      Phone: textOf(add, "Phone"),
      Email: textOf(add, "Email"),
      Contact: textOf(add, "Contact"),
    };
    const address = child(add, "VendorAddress");
    const addr = address
      ? {
          Addr1: textOf(address, "Addr1"),
          City: textOf(address, "City"),
          State: textOf(address, "State"),
          PostalCode: textOf(address, "PostalCode"),
          Country: textOf(address, "Country"),
        }
      : undefined;
    for (const [field, value] of Object.entries({ ...fields, ...(addr ?? {}) })) {
      if (value !== undefined && VENDOR_LIMITS[field] !== undefined)
        co.checkLength(value, field, VENDOR_LIMITS[field]);
    }
    // Vendors share one name space with customers, employees and other names.
    if (co.nameInUse(name)) {
      throw new StatusError("3100", `The name "${name}" of the list element is already in use.`);
    }
    const defined = <T extends Record<string, string | undefined>>(o: T) =>
      Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<
        Record<keyof T, string>
      >;
    const { Name: _name, ...details } = defined(fields);
    const id = co.addVendor(name, { ...details, ...(addr ? { Address: defined(addr) } : {}) });
    return rets([co.vendorRet(co.state.vendors.find((v) => v.ListID === id)!)]);
  },

  PurchaseOrderQueryRq(co, rq) {
    co.requirePurchaseOrders();
    const withLines = textOf(rq, "IncludeLineItems") === "true";
    const all = co.purchaseOrders;
    const byId = txnsById(rq, all, (p) => co.purchaseOrderRet(p, withLines));
    if (byId) return byId;
    let list = all;
    // RefNumber matches without regard to case; RefNumberCaseSensitive exactly.
    const refs = childrenNamed(rq, "RefNumber").map((n) => lower(n.text));
    if (refs.length) list = list.filter((p) => refs.includes(lower(p.RefNumber)));
    const exact = childrenNamed(rq, "RefNumberCaseSensitive").map((n) => n.text.trim());
    if (exact.length) list = list.filter((p) => exact.includes(p.RefNumber));
    const vendor = filterEntity(rq, co.state.vendors, (name) => co.vendorByName(name));
    if (vendor && "notFound" in vendor) return rets([], missing(vendor.notFound));
    if (vendor) list = list.filter((p) => p.VendorListID === vendor.ListID);
    return rets(list.map((p) => co.purchaseOrderRet(p, withLines)));
  },

  PurchaseOrderAddRq(co, rq) {
    co.requirePurchaseOrders();
    const add = child(rq, "PurchaseOrderAdd");
    const vendorRef = child(add, "VendorRef");
    if (!vendorRef)
      throw new StatusError("3150", 'There is a missing element: "VendorRef" in the Purchase Order.');
    const vendor = co.resolveNamed(co.state.vendors, vendorRef, "Vendor", "Purchase Order");
    const refAndMemo = refAndMemoOfAdd(co, add);
    const lines = childrenNamed(add, "PurchaseOrderLineAdd").map((n) => co.buildPurchaseOrderLine(n, null));
    const po: QbdPurchaseOrder = {
      ...newTxnFields(co, add),
      VendorListID: vendor.ListID,
      ...refAndMemo,
      IsManuallyClosed: false,
      lines,
    };
    co.purchaseOrders.push(po);
    return rets([co.purchaseOrderRet(po, true)]);
  },

  PurchaseOrderModRq(co, rq) {
    co.requirePurchaseOrders();
    const mod = child(rq, "PurchaseOrderMod");
    const po = txnToMod(co.purchaseOrders, mod);
    const vendorRef = child(mod, "VendorRef");
    if (vendorRef)
      po.VendorListID = co.resolveNamed(co.state.vendors, vendorRef, "Vendor", "Purchase Order").ListID;
    modRefAndMemo(co, mod, po);
    const closed = textOf(mod, "IsManuallyClosed");
    if (closed !== undefined) po.IsManuallyClosed = closed === "true";
    const lineMods = childrenNamed(mod, "PurchaseOrderLineMod");
    if (lineMods.length)
      po.lines = modLines(lineMods, po.lines, (n, base) => co.buildPurchaseOrderLine(n, base));
    touchTxn(co, po);
    return rets([co.purchaseOrderRet(po, true)]);
  },

  EstimateQueryRq(co, rq) {
    co.requireEstimates();
    const withLines = textOf(rq, "IncludeLineItems") === "true";
    const byId = txnsById(rq, co.state.estimates, (e) => co.estimateRet(e, withLines));
    if (byId) return byId;
    let list = co.state.estimates;
    const refs = childrenNamed(rq, "RefNumber").map((n) => n.text.trim());
    if (refs.length) list = list.filter((e) => refs.includes(e.RefNumber));
    const customer = filterEntity(rq, co.state.customers, (name) => co.customerByFullName(name));
    if (customer && "notFound" in customer) return rets([], missing(customer.notFound));
    if (customer) list = list.filter((e) => e.CustomerListID === customer.ListID);
    return rets(list.map((e) => co.estimateRet(e, withLines)));
  },

  EstimateAddRq(co, rq) {
    co.requireEstimates();
    const add = child(rq, "EstimateAdd");
    const customerRef = child(add, "CustomerRef");
    if (!customerRef)
      throw new StatusError("3150", 'There is a missing element: "CustomerRef" in the Estimate.');
    const customer = co.resolveCustomer(customerRef, "Customer", "Estimate");
    const refAndMemo = refAndMemoOfAdd(co, add);
    const lines = childrenNamed(add, "EstimateLineAdd").map((n) => co.buildLine(n, null, "Estimate"));
    const e: QbdEstimate = {
      ...newTxnFields(co, add),
      CustomerListID: customer.ListID,
      ...refAndMemo,
      IsToBeEmailed: textOf(add, "IsToBeEmailed") === "true",
      lines,
    };
    co.state.estimates.push(e);
    return rets([co.estimateRet(e, true)]);
  },

  EstimateModRq(co, rq) {
    co.requireEstimates();
    const mod = child(rq, "EstimateMod");
    const e = txnToMod(co.state.estimates, mod);
    const customerRef = child(mod, "CustomerRef");
    if (customerRef) e.CustomerListID = co.resolveCustomer(customerRef, "Customer", "Estimate").ListID;
    modRefAndMemo(co, mod, e);
    const toBeEmailed = textOf(mod, "IsToBeEmailed");
    if (toBeEmailed !== undefined) e.IsToBeEmailed = toBeEmailed === "true";
    const lineMods = childrenNamed(mod, "EstimateLineMod");
    if (lineMods.length)
      e.lines = modLines(lineMods, e.lines, (n, base) => co.buildLine(n, base, "Estimate"));
    touchTxn(co, e);
    return rets([co.estimateRet(e, true)]);
  },
};

function readState(file: string): QbdState | null {
  try {
    return JSON.parse(readFileSync(file, "utf8")) as QbdState;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw e;
  }
}
