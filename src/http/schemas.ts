/**
 * What every /api/v1 route answers, as zod schemas: the routes declare them (so the OpenAPI document describes each
 * answer) and the web client takes its response types from them (`z.output`, type-only imports). This module
 * imports nothing but zod and the domain's lists of values, so that the web build can read it.
 */
import { z } from "zod";
import { BUDGET_STATES } from "../domain/budget.js";
import { BUDGET_STATUSES } from "../domain/budget-view.js";
import {
  CHANGE_ORDER_STATUSES,
  COMMITMENT_ERP_STATES,
  COMMITMENT_KINDS,
  COMMITMENT_STATUSES,
} from "../domain/commitment.js";
import { SUBMISSION_STATUSES } from "../domain/lifecycle.js";
import { LEVELS } from "../domain/permissions.js";

// Every error, whatever the route: the code (see the error catalog), a sentence, and where it applies.
export const errorResponse = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    field: z.string().optional(),
    details: z.record(z.string(), z.unknown()).optional(),
  }),
});

/** A route's answers: its successes, and the error shape for every 4xx and 5xx. */
export function answers<T extends Record<number, z.ZodType>>(success: T) {
  return { ...success, "4xx": errorResponse, "5xx": errorResponse };
}

/** No body (204). */
export const noContent = z.undefined().describe("No content");
/** A file, not JSON (its type is the route's `produces`). */
export const fileBody = z.string().describe("The file");

// Shared parts

const level = z.enum(LEVELS);
const submissionStatus = z.enum(SUBMISSION_STATUSES);
const budgetState = z.enum(BUDGET_STATES);
const ref = z.object({ ref: z.string(), name: z.string().nullable() });

export const user = z.object({ id: z.string(), email: z.string(), name: z.string() });
export const permissions = z.object({
  erpIntegrations: level,
  directory: level,
  budget: level,
  lockBudget: z.boolean(),
  sendAndRetrieveBudget: z.boolean(),
  canPushToAccounting: z.boolean(),
  subscribeErpDigest: z.boolean(),
});
const projectRef = z.object({ id: z.string(), number: z.string(), name: z.string() });
const exportError = z.object({
  code: z.string(),
  message: z.string().nullable(),
  remedy: z.string().nullable(),
});

// Auth and account

export const tokenResponse = z.object({ token: z.string(), user });
export const sessionResponse = z.object({ user, csrfToken: z.string().nullable() });
export const publicConfigResponse = z.object({
  demo: z.boolean(),
  demoUsers: z.array(z.object({ email: z.string(), role: z.string() })),
});
export const meResponse = z.object({
  user,
  companies: z.array(z.object({ id: z.string(), name: z.string(), timeZone: z.string(), permissions })),
});
export const okResponse = z.object({ ok: z.literal(true) });
export const invitationAcceptedResponse = z.object({ user });

// Company data

export const projectResponse = z.object({
  id: z.string(),
  number: z.string(),
  name: z.string(),
  budgetToolActive: z.boolean(),
  erpJob: ref.nullable(),
});
export const projectListResponse = z.object({
  items: z.array(
    projectResponse.extend({
      parentCustomer: z.string().nullable(),
      budgetState,
      budgetStatus: z.object({ key: z.enum(BUDGET_STATUSES), label: z.string() }),
      /** Subcontracts and purchase orders on the project that are not void. */
      commitmentCount: z.number().int().optional(),
    }),
  ),
  nextCursor: z.string().nullable(),
});
export const costCodeResponse = z.object({
  id: z.string(),
  code: z.string(),
  description: z.string(),
  active: z.boolean(),
  erpItem: ref.nullable(),
});
export const costCodeListResponse = z.object({ items: z.array(costCodeResponse) });
export const categoryResponse = z.object({ id: z.string(), code: z.string(), name: z.string() });
export const categoryListResponse = z.object({ items: z.array(categoryResponse) });
export const settingsResponse = z.object({
  name: z.string(),
  timeZone: z.string(),
  currency: z.string(),
  dailySummaryHour: z.number(),
  createMissingItems: z.boolean(),
  createMissingVendors: z.boolean(),
  defaultParentCustomer: z.string().nullable(),
  estimateMode: z.string(),
  separationOfDuties: z.boolean(),
  notifyApproversOnSend: z.boolean(),
  selfServiceApproverGrants: z.boolean(),
  useClasses: z.boolean(),
});

// Budget

const actionGate = z.object({
  allowed: z.boolean(),
  reasons: z.array(z.object({ code: z.string(), message: z.string() })),
});
export const budgetLineResponse = z.object({
  id: z.string(),
  costCode: z.string(),
  costCodeDescription: z.string(),
  category: z.string(),
  categoryName: z.string(),
  originalBudget: z.string(),
  budgetChanges: z.string(),
  revisedEstimate: z.string(),
  exported: z.boolean(),
});
export const budgetResponse = z.object({
  projectId: z.string(),
  project: projectRef,
  locked: z.boolean(),
  state: budgetState,
  status: z.object({ key: z.enum(BUDGET_STATUSES), label: z.string() }),
  ribbon: z.enum(["none", "yellow", "blue", "red", "green"]),
  lastSubmission: z
    .object({ id: z.string(), status: submissionStatus, reason: z.string().optional() })
    .nullable(),
  lines: z.array(
    budgetLineResponse.extend({ inQuickBooks: z.boolean(), actions: z.object({ delete: z.boolean() }) }),
  ),
  totals: z.object({ originalBudget: z.string(), budgetChanges: z.string(), revisedEstimate: z.string() }),
  pendingSubmissionId: z.string().nullable(),
  sendButton: z.object({
    label: z.enum(["Send to ERP", "Re-send to ERP", "Retrieve from ERP"]),
    command: z.enum(["send", "retrieve"]),
  }),
  actions: z.object({ lock: actionGate, unlock: actionGate, send: actionGate, retrieve: actionGate }),
  permissions: z.object({ edit: z.boolean(), approveChanges: z.boolean() }),
  /** Someone changed what Costbridge owns on the project's exported estimate in QuickBooks Online. */
  changedInQuickBooks: z
    .object({ at: z.string(), estimateId: z.string(), submissionId: z.string() })
    .nullable(),
});
export const budgetChangeResponse = z.object({
  id: z.string(),
  number: z.number(),
  description: z.string(),
  status: z.enum(["draft", "approved", "void"]),
  exported: z.boolean(),
  adjustments: z.array(z.object({ lineId: z.string(), amount: z.string() })),
  total: z.string(),
});
export const budgetChangeListResponse = z.object({ items: z.array(budgetChangeResponse) });
export const sentSubmissionResponse = z.object({ id: z.string(), status: submissionStatus });
export const retrievedSubmissionResponse = z.object({ id: z.string(), status: z.string() });
export const importResponse = z.object({
  rows: z.array(
    z.object({
      row: z.number(),
      ok: z.boolean(),
      error: z.object({ code: z.string(), message: z.string(), field: z.string().optional() }).optional(),
    }),
  ),
  applied: z.number(),
});
const decision = z.object({
  by: z.string().nullable(),
  at: z.string().nullable(),
  action: z.string(),
  reason: z.string().nullable(),
});
export const budgetSubmissionsResponse = z.object({
  items: z.array(
    z.object({
      id: z.string(),
      status: z.string(),
      submittedAt: z.string(),
      submittedBy: z.object({ id: z.string(), name: z.string(), email: z.string() }),
      lineCount: z.number(),
      totals: z.object({ revisedEstimate: z.string(), delta: z.string() }),
      decision: decision.nullable(),
      exportedAt: z.string().nullable(),
      replaced: z.boolean(),
    }),
  ),
});

// ERP Integrations

const submissionSummary = z.object({
  id: z.string(),
  status: submissionStatus,
  project: projectRef,
  submittedBy: z.object({ id: z.string(), name: z.string(), email: z.string() }),
  submittedAt: z.string(),
  lineCount: z.number(),
  totals: z.object({ revisedEstimate: z.string(), delta: z.string() }),
  reason: z.string().optional(),
  lastError: exportError.optional(),
  waitingFor: z.string().optional(),
  /** Failed to Export: when it failed and after how many attempts. */
  failedAt: z.string().optional(),
  attempts: z.number().optional(),
  /** Rejected or retrieved: who did it, when, and why. */
  decision: z
    .object({
      by: z.object({ id: z.string(), name: z.string().nullable(), email: z.string().nullable() }).nullable(),
      at: z.string(),
      action: z.string(),
      reason: z.string().optional(),
    })
    .optional(),
  changedInQuickBooksAt: z.string().optional(),
});
export const submissionListResponse = z.object({
  items: z.array(submissionSummary),
  nextCursor: z.string().nullable(),
  counts: z.object(
    Object.fromEntries(SUBMISSION_STATUSES.map((s) => [s, z.number()])) as Record<
      (typeof SUBMISSION_STATUSES)[number],
      z.ZodNumber
    >,
  ),
});
const amountsLine = {
  originalBudget: z.string(),
  budgetChanges: z.string(),
  revisedEstimate: z.string(),
  previouslyExported: z.string(),
  delta: z.string(),
};
export const submissionDetailResponse = z.object({
  id: z.string(),
  status: submissionStatus,
  replaced: z.boolean(),
  project: projectRef,
  submittedBy: z.object({ id: z.string(), name: z.string(), email: z.string() }),
  submittedAt: z.string(),
  lineCount: z.number(),
  totals: z.object(amountsLine),
  lines: z.array(
    z.object({
      costCode: z.string(),
      costCodeDescription: z.string(),
      category: z.string(),
      categoryName: z.string(),
      ...amountsLine,
    }),
  ),
  decision: decision.nullable(),
  export: z
    .object({
      attempts: z.array(
        z.object({
          attempt: z.number(),
          startedAt: z.string(),
          finishedAt: z.string().nullable(),
          outcome: z.string().nullable(),
          error: z.object({ code: z.string(), message: z.string().nullable() }).nullable(),
        }),
      ),
      tries: z.number(),
      waitingFor: z.string().nullable(),
      nextTryAt: z.string().nullable(),
      lastError: exportError.nullable(),
      erpRef: z
        .object({
          estimateId: z.string(),
          version: z.string().nullable(),
          jobRef: z.string().nullable(),
          docNumber: z.string().nullable(),
        })
        .nullable(),
      confirmedAt: z.string().nullable(),
      changedInQuickBooksAt: z.string().nullable().optional(),
    })
    .nullable(),
  preview: z.object({
    erp: z.string(),
    customer: z.object({ job: z.string(), create: z.boolean(), parent: z.string().nullable().optional() }),
    itemsToCreate: z.array(z.string()),
    estimate: z.object({
      action: z.string(),
      estimateId: z.string().optional(),
      docNumber: z.string().nullable(),
      memo: z.string(),
      status: z.string().optional(),
      taxable: z.boolean(),
      markup: z.string(),
      total: z.string(),
    }),
    lines: z.array(
      z.object({
        item: z.string(),
        description: z.string(),
        amount: z.string(),
        class: z.string().optional(),
      }),
    ),
  }),
  canDecide: z.boolean(),
});
export const submissionStatusResponse = z.object({ status: submissionStatus });
export const decisionsResponse = z.object({
  results: z.array(
    z.object({
      submissionId: z.string(),
      ok: z.boolean(),
      status: submissionStatus.optional(),
      error: z.object({ code: z.string(), message: z.string(), field: z.string().optional() }).optional(),
    }),
  ),
});
// ERP Integrations › Commitments

const commitmentKind = z.enum(["subcontract", "purchase_order"]);
const commitmentRef = z.object({
  id: z.string(),
  number: z.string(),
  title: z.string(),
  kind: commitmentKind,
});
const vendorRef = z.object({ id: z.string(), name: z.string() });
export const commitmentSubmissionListResponse = z.object({
  items: z.array(
    submissionSummary.omit({ totals: true }).extend({
      commitment: commitmentRef,
      vendor: vendorRef,
      totals: z.object({ revised: z.string(), delta: z.string() }),
    }),
  ),
  nextCursor: z.string().nullable(),
  counts: submissionListResponse.shape.counts,
});
const commitmentAmounts = {
  original: z.string(),
  approvedChanges: z.string(),
  revised: z.string(),
  previouslyExported: z.string(),
  delta: z.string(),
};
const submissionExport = submissionDetailResponse.shape.export.unwrap();
export const commitmentSubmissionDetailResponse = z.object({
  id: z.string(),
  status: submissionStatus,
  replaced: z.boolean(),
  project: projectRef,
  commitment: commitmentRef,
  vendor: vendorRef,
  submittedBy: z.object({ id: z.string(), name: z.string(), email: z.string() }),
  submittedAt: z.string(),
  lineCount: z.number(),
  totals: z.object(commitmentAmounts),
  lines: z.array(
    z.object({
      costCode: z.string(),
      costCodeDescription: z.string(),
      category: z.string(),
      categoryName: z.string(),
      description: z.string(),
      ...commitmentAmounts,
    }),
  ),
  decision: decision.nullable(),
  export: submissionExport
    .omit({ erpRef: true, changedInQuickBooksAt: true })
    .extend({
      erpRef: z
        .object({
          purchaseOrderId: z.string(),
          version: z.string().nullable(),
          jobRef: z.string().nullable(),
          docNumber: z.string().nullable(),
        })
        .nullable(),
    })
    .nullable(),
  preview: z.object({
    erp: z.string(),
    /** linked: the vendor's ERP link is used; find: found by name; find_or_create: found by name or added. */
    vendor: z.object({
      name: z.string(),
      ref: z.string().nullable(),
      action: z.enum(["linked", "find", "find_or_create"]),
    }),
    customer: z.object({ job: z.string(), create: z.boolean(), parent: z.string().nullable().optional() }),
    itemsToCreate: z.array(z.string()),
    purchaseOrder: z.object({
      action: z.enum(["create", "update"]),
      purchaseOrderId: z.string().optional(),
      docNumber: z.string(),
      memo: z.string(),
      status: z.string(),
      total: z.string(),
    }),
    lines: z.array(
      z.object({ item: z.string(), description: z.string(), job: z.string(), amount: z.string() }),
    ),
  }),
  canDecide: z.boolean(),
});

export const approversResponse = z.object({
  items: z.array(z.object({ user, erpIntegrations: z.string(), subscribeErpDigest: z.boolean() })),
});
/** How an ERP connects: OAuth, a password for an agent on the customer's side, or set up by the installer. */
const connectionFlow = z.enum(["oauth", "agent_credentials", "preconfigured"]);
/** The request that starts connecting the ERP (its answer holds the URL to send the admin to). */
const connectRoute = z.object({ method: z.literal("POST"), path: z.string() });
export const connectionResponse = z.object({
  /** The ERP's kind (quickbooks_online, quickbooks_desktop), null before any connection. */
  type: z.string().nullable(),
  /** The connected ERP's name and how it connects (from the ERP registry). */
  label: z.string().optional(),
  connectionFlow: connectionFlow.nullable().optional(),
  /** How to connect the connected ERP again (when it has a connect call). */
  connect: connectRoute.optional(),
  status: z.string(),
  /** Before any connection: the ERPs this installation can connect to, and how to start each one's connection. */
  choices: z
    .array(
      z.object({ kind: z.string(), label: z.string(), connectionFlow, connect: connectRoute.optional() }),
    )
    .optional(),
  details: z
    .object({
      defaultParentCustomer: z.string().nullable(),
      lastError: z.string().nullable().optional(),
      // QuickBooks Online
      realmId: z.string().nullable().optional(),
      companyName: z.string().nullable().optional(),
      connectedAt: z.string().nullable().optional(),
      tokenHealth: z.string().optional(),
      accessTokenExpiresAt: z.string().nullable().optional(),
      refreshTokenExpiresAt: z.string().nullable().optional(),
      // QuickBooks Desktop
      username: z.string().nullable().optional(),
      lastPollAt: z.string().nullable().optional(),
      queuedRequests: z.number().optional(),
      changeNotifications: z
        .object({
          webhooksConfigured: z.boolean(),
          lastWebhookAt: z.string().nullable(),
          lastChangeCaptureAt: z.string().nullable(),
          lastChangeCaptureError: z.string().nullable(),
          changeCaptureEverySeconds: z.number().nullable(),
        })
        .optional(),
    })
    // An ERP adapter adds details of its own (the registry entry's connectionDetails).
    .catchall(z.unknown()),
});
export const authorizeUrlResponse = z.object({ authorizeUrl: z.string() });
export const webConnectorPasswordResponse = z.object({ username: z.string(), password: z.string() });

// Administration

export const directoryItemResponse = z.object({
  user,
  permissions,
  isAccountingApprover: z.boolean(),
  status: z.enum(["active", "invited", "inactive"]),
  active: z.boolean(),
  projectOverrides: z.array(
    z.object({
      projectId: z.string(),
      budget: level,
      lockBudget: z.boolean(),
      sendAndRetrieveBudget: z.boolean(),
    }),
  ),
});
export const directoryListResponse = z.object({ items: z.array(directoryItemResponse) });
export const directoryAddedResponse = directoryItemResponse.extend({ invited: z.boolean() });
export const invitationSentResponse = directoryItemResponse.extend({ invitationExpiresAt: z.string() });
export const projectOverrideResponse = z.object({
  projectId: z.string(),
  userId: z.string(),
  budget: level,
  lockBudget: z.boolean(),
  sendAndRetrieveBudget: z.boolean(),
});
export const auditEventsResponse = z.object({
  items: z.array(
    z.object({
      id: z.string(),
      at: z.string(),
      actor: z.object({
        kind: z.string(),
        user: z
          .object({ id: z.string(), email: z.string().nullable(), name: z.string().nullable() })
          .nullable(),
      }),
      action: z.string(),
      entity: z.object({ type: z.string(), id: z.string() }),
      data: z.unknown(),
      /** What the event is about, by name (a budget, a person, a cost code…), and the names its details mention. */
      subject: z.object({ kind: z.string(), name: z.string() }).nullable(),
      names: z.record(z.string(), z.string()),
    }),
  ),
  nextCursor: z.string().nullable(),
});
const itemRef = z.object({ ref: z.string(), name: z.string() });
export const costCodeMappingsResponse = z.object({
  items: z.array(
    z.object({
      costCode: z.object({ id: z.string(), code: z.string(), description: z.string(), active: z.boolean() }),
      item: itemRef.nullable(),
      itemMissing: z.boolean(),
      suggestion: itemRef.nullable(),
    }),
  ),
  quickbooksItems: z.array(
    z.object({ ref: z.string(), name: z.string(), type: z.string().nullable(), sku: z.string().nullable() }),
  ),
});
export const costCodeMappingResponse = z.object({
  costCodeId: z.string(),
  code: z.string(),
  item: itemRef.nullable(),
});
export const autoMatchResponse = z.object({
  matched: z.array(z.object({ costCodeId: z.string(), code: z.string(), item: itemRef })),
});
export const quickbooksCustomersResponse = z.object({
  items: z.array(
    z.object({
      ref: z.string(),
      name: z.string(),
      fullyQualifiedName: z.string(),
      isJob: z.boolean(),
      parentRef: z.string().nullable(),
    }),
  ),
});
export const projectErpJobResponse = z.object({
  projectId: z.string(),
  erpJob: ref.nullable(),
  parentCustomer: ref.nullable(),
});

// Vendor mappings (QuickBooks Online pick list)
export const vendorMappingsResponse = z.object({
  items: z.array(
    z.object({
      vendorId: z.string(),
      name: z.string(),
      erpVendor: ref.nullable(),
      suggestion: ref.nullable(),
    }),
  ),
});
export const vendorMappingResponse = z.object({
  vendorId: z.string(),
  name: z.string(),
  erpVendor: ref.nullable(),
});
export const vendorAutoMatchResponse = z.object({
  matched: z.array(z.object({ vendorId: z.string(), name: z.string(), erpVendor: ref })),
});
export const quickbooksVendorsResponse = z.object({ items: z.array(ref) });

// Operator

export const operatorCompanyResponse = z.object({
  id: z.string(),
  name: z.string(),
  timeZone: z.string(),
  currency: z.string(),
  selfServiceApproverGrants: z.boolean(),
  createdAt: z.string(),
});
export const operatorCompanyListResponse = z.object({
  items: z.array(operatorCompanyResponse.extend({ activeUsers: z.number() })),
});
export const operatorCompanyCreatedResponse = z.object({
  company: operatorCompanyResponse,
  admin: directoryAddedResponse,
});
export const dailySummaryResponse = z.object({ sent: z.number().int() });

// Demo mailbox

export const mailboxResponse = z.object({
  items: z.array(
    z.object({
      id: z.string(),
      from: z.string(),
      to: z.array(z.string()),
      subject: z.string(),
      receivedAt: z.iso.datetime(),
      html: z.string(),
      text: z.string(),
    }),
  ),
});

// Vendors and commitments (docs/product.md §vendors, §commitments)

export const vendorResponse = z.object({
  id: z.string(),
  name: z.string(),
  contactName: z.string().nullable(),
  email: z.string().nullable(),
  phone: z.string().nullable(),
  address: z.object({
    line1: z.string().nullable(),
    city: z.string().nullable(),
    region: z.string().nullable(),
    postalCode: z.string().nullable(),
    country: z.string().nullable(),
  }),
  active: z.boolean(),
  /** The ERP's vendor: linked by an admin, or found or created by an export. */
  erpVendor: ref.nullable(),
});
export const vendorListResponse = z.object({ items: z.array(vendorResponse) });

const commitmentTotals = z.object({
  original: z.string(),
  approvedChanges: z.string(),
  revised: z.string(),
  pendingChanges: z.string(),
});
export const commitmentSummaryResponse = z.object({
  id: z.string(),
  number: z.string(),
  kind: z.enum(COMMITMENT_KINDS),
  title: z.string(),
  vendor: z.object({ id: z.string(), name: z.string() }),
  status: z.enum(COMMITMENT_STATUSES),
  /** A submission is ready to export, exporting or failed: nothing changes until it is decided or retrieved. */
  locked: z.boolean(),
  erpState: z.enum(COMMITMENT_ERP_STATES),
  totals: commitmentTotals,
  lastSubmission: z
    .object({ id: z.string(), status: submissionStatus, reason: z.string().nullable() })
    .nullable(),
  pendingSubmissionId: z.string().nullable(),
});
export const commitmentListResponse = z.object({ items: z.array(commitmentSummaryResponse) });
export const commitmentLineResponse = z.object({
  id: z.string(),
  costCode: z.string(),
  costCodeDescription: z.string(),
  category: z.string(),
  description: z.string(),
  original: z.string(),
  approvedChanges: z.string(),
  revised: z.string(),
  pendingChanges: z.string(),
  /** The revised amount last exported; null for a line never exported. */
  exported: z.string().nullable(),
});
const personRef = z.object({ id: z.string(), name: z.string() });
export const changeOrderResponse = z.object({
  id: z.string(),
  number: z.number().int(),
  title: z.string(),
  status: z.enum(CHANGE_ORDER_STATUSES),
  lines: z.array(
    z.object({ costCode: z.string(), category: z.string(), description: z.string(), amount: z.string() }),
  ),
  total: z.string(),
  createdAt: z.string(),
  createdBy: personRef.nullable(),
  decidedAt: z.string().nullable(),
  decidedBy: personRef.nullable(),
});
export const changeOrderListResponse = z.object({ items: z.array(changeOrderResponse) });
export const commitmentResponse = commitmentSummaryResponse.extend({
  lines: z.array(commitmentLineResponse),
  changeOrders: z.array(changeOrderResponse),
  actions: z.object({
    edit: actionGate,
    changeStatus: actionGate,
    addChangeOrder: actionGate,
    send: actionGate,
    retrieve: actionGate,
  }),
  version: z.number().int(),
  createdBy: personRef.nullable(),
  createdAt: z.string(),
});
