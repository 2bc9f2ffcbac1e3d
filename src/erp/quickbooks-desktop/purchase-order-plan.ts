/**
 * An accepted commitment as a plan of QuickBooks Desktop steps, as pure functions beside the estimate's plan
 * (docs/product.md §qbd-purchase-orders):
 *
 *   parent customer → customer:job → one step per cost code's service item → the vendor → the purchase order
 *
 * The job and item steps are the estimate's own. The vendor is looked up by the link an admin or an earlier export
 * made, else by name, and added only when the company allows it. The purchase order is looked up before it is
 * written: by the TxnID of our last export, else by its reference number (the commitment's number) with the marker
 * `Costbridge commitment <id>` in its memo, so a lost answer or a re-run finds what was written instead of adding a
 * second purchase order. A change order re-sent is a PurchaseOrderMod with the current EditSequence that names every
 * line to keep by its TxnLineID (QuickBooks deletes the lines a mod leaves out) and adds new lines with -1.
 */
import type { ErpPurchaseOrderRef, PurchaseOrderExportRequest, PurchaseOrderOutcome } from "../connector.js";
import { amountToCents, centsToDecimal } from "../quickbooks-online/mapping.js";
import {
  chars,
  checkJobAndItems,
  fromStatus,
  inactive,
  isListStep,
  isRefusal,
  type ListRef,
  listStepAnswer,
  listStepRequest,
  MAX_AMOUNT_CENTS,
  next,
  oldestOfOurs,
  type PlanCommon,
  type PlanContext,
  QbxmlRuleError,
  qbdName,
  type Rejection,
  rejected,
  requeryWhenStale,
  type Step,
  type StepResult,
  type StepState,
  violationRejection,
} from "./plan.js";
import {
  type PurchaseOrderLineModWrite,
  type PurchaseOrderLineWrite,
  type PurchaseOrderModWrite,
  type PurchaseOrderRet,
  type PurchaseOrderWrite,
  purchaseOrderAdd,
  purchaseOrderMod,
  purchaseOrderQueryByRefNumber,
  purchaseOrderQueryByTxnId,
  type QbxmlResponse,
  qbxmlDocument,
  readListRet,
  readPurchaseOrderRet,
  type VendorWrite,
  vendorAdd,
  vendorQuery,
} from "./qbxml.js";
import { checkQbxmlRequest, QBD_LIMITS } from "./rules.js";
import { classifyStatus, type StatusSubject } from "./status.js";
import { type RawXml, stripForbiddenXmlChars } from "./xml.js";

/** The export request of a commitment as the plan stores it (JSON: amounts as cent strings). */
export interface PurchaseOrderPlanRequest extends PlanCommon {
  document: "purchase_order";
  commitment: PurchaseOrderExportRequest["commitment"];
  vendor: {
    name: string;
    existingVendorRef: string | null;
    contactName: string | null;
    email: string | null;
    phone: string | null;
    address: {
      line1: string | null;
      city: string | null;
      region: string | null;
      postalCode: string | null;
      country: string | null;
    } | null;
  };
  lines: (PlanCommon["lines"][number] & { lineKey: string; description: string; amount: string })[];
  createMissingVendors: boolean;
  previous: ErpPurchaseOrderRef | null;
}

export function toPurchaseOrderPlanRequest(req: PurchaseOrderExportRequest): PurchaseOrderPlanRequest {
  const a = req.vendor.address;
  return {
    document: "purchase_order",
    submissionId: req.submissionId,
    attempt: req.attempt,
    project: {
      number: req.project.number,
      name: req.project.name,
      existingJobRef: req.project.existingJobRef ?? null,
      parentCustomerName: req.project.parentCustomerName ?? null,
      parentCustomerRef: req.project.parentCustomerRef ?? null,
    },
    commitment: req.commitment,
    vendor: {
      name: req.vendor.name,
      existingVendorRef: req.vendor.existingVendorRef ?? null,
      contactName: req.vendor.contactName ?? null,
      email: req.vendor.email ?? null,
      phone: req.vendor.phone ?? null,
      address: a
        ? {
            line1: a.line1 ?? null,
            city: a.city ?? null,
            region: a.region ?? null,
            postalCode: a.postalCode ?? null,
            country: a.country ?? null,
          }
        : null,
    },
    lines: req.lines.map((l) => ({
      lineKey: l.lineKey,
      costCode: l.costCode,
      costCodeDescription: l.costCodeDescription,
      category: l.category,
      categoryName: l.categoryName,
      description: l.description,
      amount: l.amount.toString(),
      itemRef: l.itemRef ?? null,
    })),
    createMissingItems: req.createMissingItems,
    createMissingVendors: req.createMissingVendors,
    previous: req.previous,
    useClasses: req.useClasses,
  };
}

// ---- names and what is written ---------------------------------------------------------------------------------

const MARKER = "Costbridge commitment";
const MARKER_IN_MEMO = /Costbridge commitment (\S+)/;

/** The marker in a purchase order's memo that names the commitment it was written for. */
export function commitmentMarker(commitmentId: string): string {
  return `${MARKER} ${commitmentId}`;
}

/** The commitment a memo names, or null when it carries no marker. */
export function commitmentIdInMemo(memo: string): string | null {
  return MARKER_IN_MEMO.exec(memo)?.[1] ?? null;
}

function cut(text: string, max: number): string {
  return Array.from(text).slice(0, max).join("").trimEnd();
}

/** The vendor's name in QuickBooks: the Costbridge vendor's name, cleaned as customer and job names are. */
export function vendorName(req: PurchaseOrderPlanRequest): string {
  return qbdName(req.vendor.name);
}

/** The purchase order's reference number: the commitment's number (checked against QuickBooks' 11 before). */
export function poRefNumber(req: PurchaseOrderPlanRequest): string {
  return stripForbiddenXmlChars(req.commitment.number).trim();
}

function kindLabel(kind: PurchaseOrderPlanRequest["commitment"]["kind"]): string {
  return kind === "subcontract" ? "Subcontract" : "Purchase order";
}

/** The memo of a new purchase order: what the commitment is, then the marker. */
export function poMemo(req: PurchaseOrderPlanRequest): string {
  const marker = commitmentMarker(req.commitment.id);
  const head = stripForbiddenXmlChars(
    `${kindLabel(req.commitment.kind)} ${req.commitment.number} ${req.commitment.title}`,
  )
    .replace(/\s+/g, " ")
    .trim();
  return `${cut(head, QBD_LIMITS.memo - chars(marker) - 3)} · ${marker}`;
}

/** A memo found on a purchase order with our marker in it: as it is when it has one, else with it added. */
export function memoWithCommitmentMarker(memo: string, req: PurchaseOrderPlanRequest): string {
  if (commitmentIdInMemo(memo) === req.commitment.id) return memo;
  const marker = commitmentMarker(req.commitment.id);
  const theirs = memo.trimEnd();
  if (theirs === "") return poMemo(req);
  return `${cut(theirs, QBD_LIMITS.memo - chars(marker) - 1)} ${marker}`;
}

/** A line's description: its own words, else "code description"; the category added when classes are off. */
export function poLineDescription(
  line: PurchaseOrderPlanRequest["lines"][number],
  useClasses: boolean,
): string {
  const own = line.description.replace(/\s+/g, " ").trim();
  const base = own !== "" ? own : `${line.costCode} ${line.costCodeDescription}`.trim();
  const text = useClasses ? base : `${base} · ${line.categoryName}`;
  return cut(stripForbiddenXmlChars(text), QBD_LIMITS.desc);
}

/** A vendor field written only when it fits QuickBooks' field (a value cut short would be wrong). */
function fits(value: string | null | undefined, max: number): string | undefined {
  const v = stripForbiddenXmlChars(value ?? "").trim();
  return v !== "" && chars(v) <= max ? v : undefined;
}

/** The VendorAdd for the commitment's vendor: the name, and the directory's details that fit. */
export function vendorWrite(req: PurchaseOrderPlanRequest): VendorWrite {
  const v = req.vendor;
  const a = v.address;
  return {
    name: vendorName(req),
    companyName: fits(v.name, QBD_LIMITS.vendorCompanyName),
    address: a
      ? {
          addr1: fits(a.line1, QBD_LIMITS.addr),
          city: fits(a.city, QBD_LIMITS.city),
          state: fits(a.region, QBD_LIMITS.state),
          postalCode: fits(a.postalCode, QBD_LIMITS.postalCode),
          country: fits(a.country, QBD_LIMITS.country),
        }
      : undefined,
    phone: fits(v.phone, QBD_LIMITS.vendorPhone),
    email: fits(v.email, QBD_LIMITS.vendorEmail),
    contact: fits(v.contactName, QBD_LIMITS.vendorCompanyName),
  };
}

/** Each commitment line as the purchase-order line it becomes, by line key, in the commitment's order. */
export function poLines(
  req: PurchaseOrderPlanRequest,
  ctx: PlanContext,
): { lineKey: string; write: PurchaseOrderLineWrite }[] {
  if (!ctx.job) throw new Error("the purchase order needs the job first");
  const job = ctx.job;
  return req.lines.map((l) => {
    const item = ctx.items?.[l.costCode];
    if (!item) throw new Error(`the purchase order needs the item of ${l.costCode} first`);
    return {
      lineKey: l.lineKey,
      write: {
        item: { listId: item.listId },
        description: poLineDescription(l, req.useClasses),
        amount: centsToDecimal(BigInt(l.amount)),
        customer: { listId: job.listId },
        className: req.useClasses ? qbdName(l.categoryName) : undefined,
      },
    };
  });
}

export function purchaseOrderWrite(req: PurchaseOrderPlanRequest, ctx: PlanContext): PurchaseOrderWrite {
  if (!ctx.vendor) throw new Error("the purchase order needs the vendor first");
  return {
    vendor: { listId: ctx.vendor.listId },
    refNumber: poRefNumber(req),
    memo: poMemo(req),
    lines: poLines(req, ctx).map((l) => l.write),
  };
}

type PoTarget = NonNullable<StepState["poTarget"]>;

/** The PurchaseOrderMod for a purchase order as found: every line named, and only the head fields that change. */
export function purchaseOrderModWrite(
  req: PurchaseOrderPlanRequest,
  ctx: PlanContext,
  target: PoTarget,
): PurchaseOrderModWrite {
  if (!ctx.vendor) throw new Error("the purchase order needs the vendor first");
  const byKey = new Map(poLines(req, ctx).map((l) => [l.lineKey, l.write]));
  const refNumber = poRefNumber(req);
  const memo = memoWithCommitmentMarker(target.memo, req);
  return {
    vendor: target.vendorListId === ctx.vendor.listId ? undefined : { listId: ctx.vendor.listId },
    refNumber: target.refNumber === refNumber ? undefined : refNumber,
    memo: memo === target.memo ? undefined : memo,
    lines: target.lines.map((l): PurchaseOrderLineModWrite => {
      if (l.lineKey === null) return { txnLineId: l.txnLineId, keep: true };
      const line = byKey.get(l.lineKey);
      if (!line) throw new Error(`no line ${l.lineKey} in the commitment`);
      return { txnLineId: l.txnLineId, line };
    }),
  };
}

// ---- before anything is queued -----------------------------------------------------------------------------

/** The checks that need no QuickBooks: QuickBooks Desktop's limits on what the purchase order carries. */
export function checkPurchaseOrderPlan(req: PurchaseOrderPlanRequest): Rejection | null {
  if (req.lines.length === 0) {
    return {
      code: "no_lines",
      message: "The commitment has no lines to export.",
      remedy: "Add lines to the commitment, then send it again.",
    };
  }
  for (const l of req.lines) {
    const cents = BigInt(l.amount);
    if (cents < 0n || cents > MAX_AMOUNT_CENTS) {
      return {
        code: "amount_out_of_range",
        message: `The amount of ${l.costCode} ${l.categoryName} (${centsToDecimal(cents)}) cannot be written to a QuickBooks Desktop purchase order.`,
        remedy:
          "Bring the line's amount to zero or above (and within QuickBooks' limits) with a change order, then send again.",
      };
    }
  }
  const ref = poRefNumber(req);
  if (ref === "" || chars(ref) > QBD_LIMITS.refNumber) {
    return {
      code: "po_number_too_long",
      message: `The commitment's number "${req.commitment.number}" cannot be a QuickBooks Desktop purchase order number, which holds 1 to ${QBD_LIMITS.refNumber} characters.`,
      remedy: `Give the commitment a number of at most ${QBD_LIMITS.refNumber} characters, then send it again.`,
    };
  }
  if (!req.vendor.existingVendorRef) {
    const name = vendorName(req);
    if (name === "") {
      return {
        code: "vendor_name_invalid",
        message: `The vendor name "${req.vendor.name}" leaves nothing usable as a QuickBooks vendor name.`,
        remedy: "Rename the vendor in Costbridge, or link it to an existing QuickBooks vendor, then retry.",
      };
    }
    if (chars(name) > QBD_LIMITS.vendorName) {
      return {
        code: "name_too_long",
        message: `The vendor name "${name}" has ${chars(name)} characters; QuickBooks Desktop allows ${QBD_LIMITS.vendorName} for a vendor name.`,
        remedy: `Shorten the vendor's name to ${QBD_LIMITS.vendorName} characters, or link the vendor to an existing QuickBooks vendor, then retry.`,
      };
    }
  }
  return checkJobAndItems(req);
}

// ---- the plan -------------------------------------------------------------------------------------------------

export function planPurchaseOrderSteps(req: PurchaseOrderPlanRequest): { step: string; phase: string }[] {
  const steps: { step: string; phase: string }[] = [];
  if (req.project.existingJobRef) steps.push({ step: "job", phase: "query_ref" });
  else steps.push({ step: "parent", phase: "query" }, { step: "job", phase: "query" });
  const seen = new Set<string>();
  for (const l of req.lines) {
    if (seen.has(l.costCode)) continue;
    seen.add(l.costCode);
    const mapped = req.lines.some((x) => x.costCode === l.costCode && x.itemRef);
    steps.push({ step: `item:${l.costCode}`, phase: mapped ? "query_ref" : "query" });
  }
  steps.push({ step: "vendor", phase: req.vendor.existingVendorRef ? "query_ref" : "query" });
  steps.push({ step: "purchase_order", phase: req.previous ? "query_previous" : "query_ref" });
  return steps;
}

function subjectOf(req: PurchaseOrderPlanRequest, step: Step): StatusSubject {
  if (step.step === "vendor") return { kind: "vendor", name: vendorName(req) };
  return { kind: "purchase_order", refNumber: poRefNumber(req) };
}

/**
 * The qbXML document for a step's current phase, checked against the qbXML 13.0 rules first: a request QuickBooks
 * Desktop would refuse is never handed out (QbxmlRuleError).
 */
export function buildPurchaseOrderStepRequest(
  req: PurchaseOrderPlanRequest,
  ctx: PlanContext,
  step: Step,
  requestId: string,
): string {
  const xml = qbxmlDocument(stepRequest(req, ctx, step, requestId));
  const violations = checkQbxmlRequest(xml);
  if (violations.length > 0) {
    throw new QbxmlRuleError(violations, violationRejection(req, step, violations[0]!));
  }
  return xml;
}

function stepRequest(req: PurchaseOrderPlanRequest, ctx: PlanContext, step: Step, id: string): RawXml {
  if (isListStep(step.step)) return listStepRequest(req, ctx, step, id);
  if (step.step === "vendor") {
    if (step.phase === "query_ref") return vendorQuery(id, { listId: req.vendor.existingVendorRef ?? "" });
    if (step.phase === "add") return vendorAdd(id, vendorWrite(req));
    return vendorQuery(id, { fullName: vendorName(req) });
  }
  if (step.step === "purchase_order") {
    switch (step.phase) {
      case "query_previous":
        return purchaseOrderQueryByTxnId(id, req.previous?.purchaseOrderId ?? "");
      case "query_txn":
        return purchaseOrderQueryByTxnId(id, step.state.poTarget?.txnId ?? "");
      case "query_ref":
        return purchaseOrderQueryByRefNumber(id, poRefNumber(req));
      case "add":
        return purchaseOrderAdd(id, purchaseOrderWrite(req, ctx));
      case "mod": {
        const target = step.state.poTarget;
        if (!target) throw new Error("a mod needs its target");
        return purchaseOrderMod(id, target, purchaseOrderModWrite(req, ctx, target));
      }
    }
  }
  throw new Error(`unknown step ${step.step}/${step.phase}`);
}

// ---- answers ------------------------------------------------------------------------------------------------

/** Moves a step along with QuickBooks' answer to its current request. */
export function applyPurchaseOrderResponse(
  req: PurchaseOrderPlanRequest,
  ctx: PlanContext,
  step: Step,
  r: QbxmlResponse,
): StepResult {
  if (isListStep(step.step)) {
    if (isRefusal(step, r)) return fromStatus(req, ctx, step, r);
    return listStepAnswer(req, ctx, step, r);
  }
  if (isRefusal(step, r)) return classifyStatus(r.statusCode, r.statusMessage, subjectOf(req, step));
  if (step.step === "vendor") return vendorAnswer(req, ctx, step, r);
  return purchaseOrderAnswer(req, ctx, step, r);
}

function vendorAnswer(
  req: PurchaseOrderPlanRequest,
  ctx: PlanContext,
  step: Step,
  r: QbxmlResponse,
): StepResult {
  if (step.phase === "add" && r.statusCode === "3100")
    return next("query", { ...step.state, addRefused: true }, ctx);
  const found = r.rets[0] ? readListRet(r.rets[0]) : null;
  if (!found) {
    if (step.phase === "query_ref") {
      return rejected(
        "vendor_missing",
        `The QuickBooks vendor linked to ${req.vendor.name} no longer exists in QuickBooks Desktop.`,
        "Link the vendor to its current QuickBooks vendor in ERP Integrations › Mappings (or clear the link so Costbridge finds or adds it by name), then retry.",
      );
    }
    if (step.state.addRefused) {
      return classifyStatus(
        "3100",
        `The name "${vendorName(req)}" of the list element is already in use.`,
        subjectOf(req, step),
      );
    }
    if (!req.createMissingVendors) {
      return rejected(
        "vendor_missing",
        `QuickBooks Desktop has no vendor "${vendorName(req)}", and creating missing vendors is turned off.`,
        `Add the vendor in QuickBooks, or link ${req.vendor.name} to a QuickBooks vendor in ERP Integrations › Mappings, or turn on "create missing vendors", then retry.`,
      );
    }
    return next("add", step.state, ctx);
  }
  return vendorFound(ctx, step, found);
}

/** The vendor as QuickBooks answered it. */
export function vendorFound(ctx: PlanContext, step: Step, found: ReturnType<typeof readListRet>): StepResult {
  if (!found.isActive) {
    return inactive(
      `The vendor "${found.fullName}"`,
      `Make the vendor "${found.fullName}" active in QuickBooks (Vendor Center › Include inactive), then retry.`,
    );
  }
  const vendor: ListRef & { created: boolean } = {
    listId: found.listId,
    fullName: found.fullName,
    created: step.phase === "add",
  };
  return { kind: "done", context: { ...ctx, vendor } };
}

function isOurs(req: PurchaseOrderPlanRequest, po: PurchaseOrderRet): boolean {
  return commitmentIdInMemo(po.memo) === req.commitment.id;
}

type Desired = { lineKey: string; write: PurchaseOrderLineWrite };

function refId(r: { listId: string } | { fullName: string }): string {
  return "listId" in r ? r.listId : "";
}

function sameLine(got: PurchaseOrderRet["lines"][number], want: PurchaseOrderLineWrite): boolean {
  return (
    got.itemListId === refId(want.item) &&
    got.customerListId === refId(want.customer) &&
    got.description === want.description.trim() &&
    amountToCents(got.amount) === amountToCents(want.amount) &&
    (!want.className || (got.className ?? "").toLowerCase() === want.className.toLowerCase())
  );
}

/**
 * Which line of the purchase order as found is which commitment line: first by the TxnLineIDs our last export
 * recorded, then by item and description, then by item alone. Lines left over are not Costbridge's and are kept.
 */
export function matchLines(
  req: PurchaseOrderPlanRequest,
  po: PurchaseOrderRet,
  desired: Desired[],
): Map<string, string> {
  const claimed = new Map<string, string>();
  const taken = new Set<string>();
  const known = req.previous?.purchaseOrderId === po.txnId ? req.previous.lines : [];
  const onPo = new Set(po.lines.map((l) => l.txnLineId));
  for (const d of desired) {
    const id = known.find((k) => k.lineKey === d.lineKey)?.lineId;
    if (id && onPo.has(id) && !taken.has(id)) {
      claimed.set(d.lineKey, id);
      taken.add(id);
    }
  }
  const passes: ((l: PurchaseOrderRet["lines"][number], w: PurchaseOrderLineWrite) => boolean)[] = [
    (l, w) => l.itemListId === refId(w.item) && l.description === w.description.trim(),
    (l, w) => l.itemListId === refId(w.item),
  ];
  for (const pass of passes) {
    for (const d of desired) {
      if (claimed.has(d.lineKey)) continue;
      const line = po.lines.find((l) => !taken.has(l.txnLineId) && pass(l, d.write));
      if (line) {
        claimed.set(d.lineKey, line.txnLineId);
        taken.add(line.txnLineId);
      }
    }
  }
  return claimed;
}

function poDone(
  ctx: PlanContext,
  po: PurchaseOrderRet,
  lines: Desired[],
  ids: Map<string, string>,
): StepResult {
  const byId = new Map(po.lines.map((l) => [l.txnLineId, l]));
  return {
    kind: "done",
    context: {
      ...ctx,
      purchaseOrder: {
        txnId: po.txnId,
        editSequence: po.editSequence,
        refNumber: po.refNumber,
        lines: lines.map((d) => {
          const id = ids.get(d.lineKey) ?? "";
          return { lineKey: d.lineKey, txnLineId: id, amount: byId.get(id)?.amount ?? d.write.amount };
        }),
      },
    },
  };
}

/** What to do with our purchase order found in QuickBooks: nothing (already as the commitment), or rewrite it. */
export function decideOnFoundPo(
  req: PurchaseOrderPlanRequest,
  ctx: PlanContext,
  step: Step,
  po: PurchaseOrderRet,
): StepResult {
  if (!ctx.vendor) throw new Error("the purchase order needs the vendor first");
  const desired = poLines(req, ctx);
  const ids = matchLines(req, po, desired);
  const byId = new Map(po.lines.map((l) => [l.txnLineId, l]));
  const linesDone = desired.every((d) => {
    const got = ids.get(d.lineKey);
    return got !== undefined && sameLine(byId.get(got)!, d.write);
  });
  const headDone =
    po.vendorListId === ctx.vendor.listId && po.refNumber === poRefNumber(req) && isOurs(req, po);
  if (linesDone && headDone) return poDone(ctx, po, desired, ids);
  const keyOf = new Map([...ids].map(([key, id]) => [id, key]));
  const lines: PoTarget["lines"] = [
    ...po.lines.map((l) => ({ txnLineId: l.txnLineId, lineKey: keyOf.get(l.txnLineId) ?? null })),
    ...desired.filter((d) => !ids.has(d.lineKey)).map((d) => ({ txnLineId: "-1", lineKey: d.lineKey })),
  ];
  return next(
    "mod",
    {
      ...step.state,
      poTarget: {
        txnId: po.txnId,
        editSequence: po.editSequence,
        vendorListId: po.vendorListId,
        refNumber: po.refNumber,
        memo: po.memo,
        lines,
      },
    },
    ctx,
  );
}

/** The purchase order QuickBooks returned to our add or mod, checked line by line against what was sent. */
function verifyWritten(
  req: PurchaseOrderPlanRequest,
  ctx: PlanContext,
  sent: (string | null)[],
  r: QbxmlResponse,
): StepResult {
  const ret = r.rets[0];
  if (!ret) {
    return rejected(
      "verification_failed",
      "QuickBooks Desktop answered the purchase order without returning it.",
      "Retry the export.",
    );
  }
  const po = readPurchaseOrderRet(ret);
  const desired = poLines(req, ctx);
  const byKey = new Map(desired.map((d) => [d.lineKey, d.write]));
  const problems: string[] = [];
  if (po.lines.length !== sent.length) {
    problems.push(`QuickBooks has ${po.lines.length} lines, Costbridge sent ${sent.length}`);
  }
  const ids = new Map<string, string>();
  po.lines.forEach((l, i) => {
    const key = sent[i];
    if (key === null || key === undefined) return;
    const want = byKey.get(key)!;
    ids.set(key, l.txnLineId);
    if (!sameLine(l, want)) {
      problems.push(
        `line ${i + 1} is ${l.itemFullName || l.itemListId} ${l.amount}, expected ${want.amount}`,
      );
    }
  });
  if (problems.length > 0) {
    return rejected(
      "verification_failed",
      `QuickBooks Desktop holds purchase order ${po.refNumber || po.txnId} differently from the commitment: ${problems.join("; ")}.`,
      "Open the purchase order in QuickBooks: an edit made at the same moment can change its lines. Correct it there or retry the export to write the commitment again.",
    );
  }
  return poDone(ctx, po, desired, ids);
}

function purchaseOrderAnswer(
  req: PurchaseOrderPlanRequest,
  ctx: PlanContext,
  step: Step,
  r: QbxmlResponse,
): StepResult {
  switch (step.phase) {
    case "query_previous":
    case "query_txn": {
      const po = r.rets[0] ? readPurchaseOrderRet(r.rets[0]) : null;
      if (po) return decideOnFoundPo(req, ctx, step, po);
      // Gone from QuickBooks (deleted there): look for ours by its number, else write it anew.
      return next("query_ref", { ...step.state, poTarget: undefined }, ctx);
    }
    case "query_ref": {
      const ours = oldestOfOurs(r.rets.map(readPurchaseOrderRet), (po) => isOurs(req, po));
      if (ours) return decideOnFoundPo(req, ctx, step, ours);
      return next("add", step.state, ctx);
    }
    case "add":
      return verifyWritten(
        req,
        ctx,
        req.lines.map((l) => l.lineKey),
        r,
      );
    case "mod": {
      const requery = requeryWhenStale(ctx, step, r, () =>
        classifyStatus(r.statusCode, r.statusMessage, subjectOf(req, step)),
      );
      if (requery) return requery;
      return verifyWritten(
        req,
        ctx,
        (step.state.poTarget?.lines ?? []).map((l) => l.lineKey),
        r,
      );
    }
  }
  throw new Error(`unknown purchase order phase ${step.phase}`);
}

/** The export outcome of a plan whose steps are all done. */
export function purchaseOrderDoneOutcome(
  req: PurchaseOrderPlanRequest,
  ctx: PlanContext,
): PurchaseOrderOutcome {
  if (!ctx.job || !ctx.vendor || !ctx.purchaseOrder) throw new Error("the plan is not finished");
  const itemRefs: Record<string, string> = {};
  const createdItems: string[] = [];
  for (const [code, item] of Object.entries(ctx.items ?? {})) {
    itemRefs[code] = item.listId;
    if (item.created) createdItems.push(item.fullName);
  }
  const po = ctx.purchaseOrder;
  return {
    kind: "done",
    erpRef: {
      purchaseOrderId: po.txnId,
      version: po.editSequence,
      vendorRef: ctx.vendor.listId,
      jobRef: ctx.job.listId,
      docNumber: po.refNumber || poRefNumber(req),
      lines: po.lines.map((l) => ({ lineKey: l.lineKey, lineId: l.txnLineId, amount: l.amount })),
    },
    createdJob: ctx.job.created,
    createdVendor: ctx.vendor.created,
    createdItems,
    itemRefs,
  };
}
