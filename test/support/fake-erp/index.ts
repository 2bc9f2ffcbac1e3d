/**
 * A made-up accounting system, "Fake Ledger", plugged into the product through the ERP registry alone: no product
 * file names it. It keeps the estimates it is sent in memory, one document per export attempt (a repeated request
 * for the same submission and attempt returns the document it already wrote, as a real ERP's idempotency key would).
 * It answers on one route of its own, `GET /api/v1/companies/:companyId/erp/fake/status`, which the registry entry
 * brings with it: the HTTP layer mounts it because the entry names it.
 */
import { z } from "zod";
import type { AppContext } from "../../../src/app/context.js";
import { type ErpDefinition, registerErp } from "../../../src/app/erp/registry.js";
import { requireRight } from "../../../src/app/membership.js";
import type {
  ErpConnector,
  EstimateExportRequest,
  ExportOutcome,
  PurchaseOrderExportRequest,
  PurchaseOrderOutcome,
} from "../../../src/erp/connector.js";
import type { RouteModule } from "../../../src/http/app.js";
import { actorOf } from "../../../src/http/auth.js";
import * as S from "../../../src/http/schemas.js";

export const FAKE_ERP_KIND = "fake_ledger";
export const FAKE_ERP_LABEL = "Fake Ledger";

export interface FakeDocument {
  id: string;
  companyId: string;
  submissionId: string;
  attempt: number;
  jobName: string;
  lines: { costCode: string; category: string; amountMinor: bigint }[];
}

/** A purchase order Fake Ledger holds: what each export request carried, kept per purchase order. */
export interface FakePurchaseOrder {
  id: string;
  companyId: string;
  commitmentId: string;
  vendorRef: string;
  docNumber: string;
  version: number;
  lines: { lineKey: string; lineId: string; description: string; amountMinor: bigint }[];
}

export interface FakeErp {
  definition: ErpDefinition;
  /** Every document written, in order. */
  documents: FakeDocument[];
  /** Every purchase order held, one per commitment however often it is sent. */
  purchaseOrders: FakePurchaseOrder[];
  /** Every purchase-order request the export job made, as it made it. */
  purchaseOrderRequests: PurchaseOrderExportRequest[];
  /** Vendors by name: the ones it was given and the ones exports created. */
  vendors: Map<string, string>;
  /** Commitments (by number) whose export the ERP refuses, with the refusal's code, message and remedy. */
  refusePurchaseOrder: Map<string, { code: string; message: string; remedy: string }>;
  /** How many times the export job called the connector. */
  calls: number;
  /** Projects (by number) whose export the ERP refuses, with the refusal's code, message and remedy. */
  refuse: Map<string, { code: string; message: string; remedy: string }>;
  /** Removes Fake Ledger from the registry again. */
  unregister(): void;
}

/** Registers Fake Ledger: a 20-character job name, a 10-character item name, connected by whoever installs it. */
export function registerFakeErp(): FakeErp {
  const documents: FakeDocument[] = [];
  const fake: FakeErp = {
    definition: undefined as unknown as ErpDefinition,
    documents,
    purchaseOrders: [],
    purchaseOrderRequests: [],
    vendors: new Map(),
    refusePurchaseOrder: new Map(),
    calls: 0,
    refuse: new Map(),
    unregister() {},
  };
  const connector: ErpConnector = {
    kind: FAKE_ERP_KIND,
    async exportEstimate(req: EstimateExportRequest): Promise<ExportOutcome> {
      fake.calls++;
      const refusal = fake.refuse.get(req.project.number);
      if (refusal) return { kind: "rejected", ...refusal };
      let doc = documents.find((d) => d.submissionId === req.submissionId && d.attempt === req.attempt);
      if (!doc) {
        doc = {
          id: `FL-${documents.length + 1}`,
          companyId: req.companyId,
          submissionId: req.submissionId,
          attempt: req.attempt,
          jobName: req.project.name,
          lines: req.lines.map((l) => ({
            costCode: l.costCode,
            category: l.category,
            amountMinor: l.revisedEstimate,
          })),
        };
        documents.push(doc);
      }
      const itemRefs = Object.fromEntries(req.lines.map((l) => [l.costCode, `item-${l.costCode}`]));
      return {
        kind: "done",
        erpRef: {
          estimateId: doc.id,
          version: "1",
          jobRef: req.project.existingJobRef ?? `job-${req.project.number}`,
          docNumber: doc.id,
        },
        createdJob: !req.project.existingJobRef,
        createdItems: [],
        itemRefs,
      };
    },
    // One purchase order per commitment: the first export adds it, a later one (which names it in `previous`)
    // changes its lines in place and adds new ones; the vendor is found by link or name, or added.
    async exportPurchaseOrder(req: PurchaseOrderExportRequest): Promise<PurchaseOrderOutcome> {
      fake.calls++;
      fake.purchaseOrderRequests.push(req);
      const refusal = fake.refusePurchaseOrder.get(req.commitment.number);
      if (refusal) return { kind: "rejected", ...refusal };
      let vendorRef = req.vendor.existingVendorRef ?? fake.vendors.get(req.vendor.name) ?? null;
      const createdVendor = vendorRef === null;
      if (vendorRef === null) {
        if (!req.createMissingVendors) {
          return {
            kind: "rejected",
            code: "vendor_missing",
            message: `Fake Ledger has no vendor named ${req.vendor.name}.`,
            remedy: "Add the vendor in Fake Ledger or allow missing vendors to be created, then Retry.",
          };
        }
        vendorRef = `vendor-${fake.vendors.size + 1}`;
        fake.vendors.set(req.vendor.name, vendorRef);
      }
      let po = fake.purchaseOrders.find(
        (x) => x.companyId === req.companyId && x.commitmentId === req.commitment.id,
      );
      if (!po) {
        po = {
          id: `PO-${fake.purchaseOrders.length + 1}`,
          companyId: req.companyId,
          commitmentId: req.commitment.id,
          vendorRef,
          docNumber: req.commitment.number,
          version: 0,
          lines: [],
        };
        fake.purchaseOrders.push(po);
      }
      const held = po;
      held.version++;
      held.lines = req.lines.map((l, i) => ({
        lineKey: l.lineKey,
        lineId:
          held.lines.find((x) => x.lineKey === l.lineKey)?.lineId ??
          `${held.id}-L${held.lines.length + i + 1}`,
        description: l.description,
        amountMinor: l.amount,
      }));
      return {
        kind: "done",
        erpRef: {
          purchaseOrderId: held.id,
          version: String(held.version),
          vendorRef,
          jobRef: req.project.existingJobRef ?? `job-${req.project.number}`,
          docNumber: held.docNumber,
          lines: held.lines.map((l) => ({
            lineKey: l.lineKey,
            lineId: l.lineId,
            amount: (Number(l.amountMinor) / 100).toFixed(2),
          })),
        },
        createdJob: !req.project.existingJobRef,
        createdVendor,
        createdItems: [],
        itemRefs: Object.fromEntries(req.lines.map((l) => [l.costCode, `item-${l.costCode}`])),
      };
    },
  };
  // Who may see the company's ERP integrations may ask Fake Ledger what it holds for the company.
  const statusRoutes: RouteModule = (app, ctx) => {
    app.get(
      "/api/v1/companies/:companyId/erp/fake/status",
      {
        schema: {
          params: z.object({ companyId: z.string().min(1).max(100) }),
          response: S.answers({
            200: z.object({ kind: z.string(), label: z.string(), documents: z.number().int() }),
          }),
        },
      },
      async (req) => {
        const { companyId } = req.params;
        await requireRight(ctx, actorOf(req), companyId, "view_erp_integrations");
        const held = documents.filter((d) => d.companyId === companyId).length;
        return { kind: FAKE_ERP_KIND, label: FAKE_ERP_LABEL, documents: held };
      },
    );
  };
  fake.definition = {
    kind: FAKE_ERP_KIND,
    label: FAKE_ERP_LABEL,
    limits: {
      jobNameMaxChars: 20,
      itemNameMaxChars: 10,
      vendorNameMaxChars: 30,
      purchaseOrderNumberMaxChars: 8,
    },
    connectionFlow: "preconfigured",
    usesTokenVault: false,
    routePrefixes: ["/api/v1/companies/:companyId/erp/fake"],
    routes: () => [statusRoutes],
    connector: () => connector,
    async connectionDetails() {
      return { documents: documents.length };
    },
  };
  fake.unregister = registerErp(fake.definition);
  return fake;
}

/** Connects a company to Fake Ledger, as its installer would: a connection row of its kind. */
export async function connectFakeErp(ctx: AppContext, companyId: string): Promise<void> {
  await ctx.db
    .insertInto("erp_connections")
    .values({ company_id: companyId, type: FAKE_ERP_KIND, status: "connected", connected_at: ctx.now() })
    .execute();
}
