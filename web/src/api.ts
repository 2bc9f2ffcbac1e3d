/**
 * Every HTTP call the UI makes, with the response shapes it relies on. The server's response schemas
 * (src/http/schemas.ts) are the source: the shared shapes below are taken from them (type-only imports, nothing
 * reaches the bundle), and every shape the UI writes in its own words is checked against the server's answer in
 * api-contract.ts, so the typecheck fails when the two part.
 */
import type { z } from "zod";
import type * as S from "../../src/http/schemas.js";

export type Permissions = z.output<typeof S.permissions>;
export type Level = Permissions["budget"];
export type User = z.output<typeof S.user>;
export type Me = z.output<typeof S.meResponse>;
export type CompanyMembership = Me["companies"][number];
export type PublicConfig = z.output<typeof S.publicConfigResponse>;
export type Category = z.output<typeof S.categoryResponse>;

export interface Session {
  user: User;
  csrfToken: string | null;
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export interface Project {
  id: string;
  number: string;
  name: string;
  budgetToolActive: boolean;
  erpJob: unknown;
  /** The budget's state as the budget page shows it (absent from servers that predate it). */
  budgetState?: BudgetState | null;
  /** The badge the budget page shows, by the same rule. */
  budgetStatus?: BudgetStatus | null;
  /** How many commitments the project has (absent from servers that predate them). */
  commitmentCount?: number;
}

export interface CostCode {
  id: string;
  code: string;
  description: string;
  active: boolean;
}

export type BudgetState = "unlocked" | "locked" | "awaiting_acceptance" | "exporting" | "failed" | "synced";

/** The server's badge for a budget: its state, refined by how the newest submission ended. */
export type BudgetStatusKey = BudgetState | "rejected" | "retrieved" | "changed_since_sync";

export interface BudgetStatus {
  key: BudgetStatusKey;
  label: string;
}

export interface Reason {
  code: string;
  message: string;
}

export interface ActionGate {
  allowed: boolean;
  reasons: Reason[];
}

export interface BudgetLine {
  id: string;
  costCode: string;
  category: string;
  originalBudget: string;
  budgetChanges: string;
  revisedEstimate: string;
  costCodeDescription?: string | null;
  categoryName?: string | null;
  /** true once the line has reached QuickBooks (it can then no longer be deleted). */
  exported: boolean;
  /** QuickBooks holds this line at exactly its revised estimate. */
  inQuickBooks: boolean;
  /** What the server would do to this line now. */
  actions: { delete: boolean };
}

export interface Budget {
  projectId: string;
  project?: { id: string; number: string; name: string };
  /** The server's choice of words for the send button ("Send to ERP" / "Re-send to ERP"). */
  sendButton?: { label: string; command: string };
  locked: boolean;
  state: BudgetState;
  status: BudgetStatus;
  lastSubmission: { id: string; status: SubmissionStatus; reason?: string | null } | null;
  lines: BudgetLine[];
  totals: { originalBudget: string; budgetChanges: string; revisedEstimate: string };
  pendingSubmissionId: string | null;
  actions: { lock: ActionGate; unlock: ActionGate; send: ActionGate; retrieve: ActionGate };
  permissions?: { edit: boolean; approveChanges: boolean };
  /** Someone changed what Costbridge owns on the exported estimate in QuickBooks (null: nobody has). */
  changedInQuickBooks?: { at: string; estimateId: string; submissionId: string } | null;
}

export interface Adjustment {
  lineId: string;
  amount: string;
}

export interface BudgetChange {
  id: string;
  number: number | string;
  description: string;
  status: "draft" | "approved" | "void";
  adjustments?: Adjustment[];
  exported?: boolean;
  createdAt?: string;
}

export type SubmissionStatus =
  | "ready_to_export"
  | "exporting"
  | "exported"
  | "failed"
  | "rejected"
  | "retrieved";

export interface SubmissionSummary {
  id: string;
  status: SubmissionStatus;
  project: { id: string; number: string; name: string };
  submittedBy: { id: string; name: string; email: string };
  submittedAt: string;
  lineCount: number;
  /** Budgets name their total `revisedEstimate`, commitments `revised`. */
  totals: { revisedEstimate?: string; revised?: string; delta: string };
  /** A commitment's submission: which commitment, and its vendor. */
  commitment?: CommitmentRef;
  vendor?: { id: string; name: string };
  decision?: SubmissionDecision | null;
  /** Rejection reason (ERP list items carry it for rejected submissions). */
  reason?: string | null;
  /** The last export error, on failed (and retrying) submissions. */
  lastError?: ExportError | null;
  /** What an export in progress waits for: "web_connector", "connection", "reconnect". */
  waitingFor?: string | null;
  /** An exported submission whose estimate a later export of the same budget overwrote. */
  replaced?: boolean;
  /** When someone changed what Costbridge owns on this export's estimate in QuickBooks. */
  changedInQuickBooksAt?: string | null;
  /** Failed to Export: when the export failed, and how many attempts were made. */
  failedAt?: string;
  attempts?: number;
}

export type SubmissionCounts = Record<SubmissionStatus, number>;

export interface SubmissionList extends Page<SubmissionSummary> {
  counts: SubmissionCounts;
}

/** A line of a submission's snapshot: a budget's amounts, or a commitment's (with the line's description). */
export interface SnapshotLine {
  costCode: string;
  costCodeDescription?: string | null;
  category: string;
  categoryName?: string | null;
  description?: string | null;
  originalBudget?: string;
  budgetChanges?: string;
  revisedEstimate?: string;
  original?: string;
  approvedChanges?: string;
  revised?: string;
  previouslyExported: string | null;
  delta: string;
}

export interface SubmissionDecision {
  by: string | { id?: string; name?: string | null; email?: string | null } | null;
  at: string | null;
  action: string;
  reason?: string | null;
}

export interface ExportError {
  code: string;
  message: string | null;
  remedy?: string | null;
}

export interface ExportAttempt {
  attempt: number;
  startedAt: string;
  finishedAt: string | null;
  outcome: string | null;
  error: ExportError | null;
}

export interface SubmissionExport {
  attempts: ExportAttempt[];
  /** Tries of the current attempt (transient failures retried with the same idempotency keys). */
  tries?: number;
  waitingFor?: string | null;
  nextTryAt?: string | null;
  lastError: ExportError | null;
  erpRef: unknown;
  confirmedAt: string | null;
}

export interface SubmissionDetail extends SubmissionSummary {
  lines: SnapshotLine[];
  decision: SubmissionDecision | null;
  export: SubmissionExport | null;
  preview: unknown;
  canDecide?: boolean;
}

export type DecisionInput =
  | { submissionId: string; action: "accept" }
  | { submissionId: string; action: "reject"; reason: string };

export interface DecisionResult {
  submissionId: string;
  ok: boolean;
  status?: SubmissionStatus;
  error?: { code: string; message: string };
}

/** An ERP kind from the server's registry ("quickbooks_online", …); null while none is connected. */
export type ConnectionType = string | null;

/** How an admin connects an ERP: OAuth sign-in, or a password for an agent that polls (the Web Connector). */
export type ConnectionFlow = "oauth" | "agent_credentials" | "preconfigured";

/** The request that starts connecting an ERP, as the server names it; its answer holds where to send the admin. */
export interface ConnectRoute {
  method: "POST";
  path: string;
}

/** An ERP the server knows, as it names it, and how to start connecting it (when it has a connect call). */
export interface ErpChoice {
  kind: string;
  label: string;
  connectionFlow: ConnectionFlow;
  connect?: ConnectRoute;
}

export interface Connection {
  type: ConnectionType;
  /** The connected ERP's name ("QuickBooks Online"). */
  label?: string;
  connectionFlow?: ConnectionFlow | null;
  /** How to connect the connected ERP again. */
  connect?: ConnectRoute;
  status: string;
  details: Record<string, unknown> | null;
  /** While nothing is connected: the ERPs that can be. */
  choices?: ErpChoice[];
}

export interface MailItem {
  id: string;
  from: string;
  to: string[];
  subject: string;
  receivedAt: string;
  html: string | null;
  text: string | null;
}

export interface ImportRow {
  /** The row number as a spreadsheet shows it (the header is row 1). */
  row: number;
  ok: boolean;
  error?: { code: string; message: string; field?: string } | null;
}

export interface ImportResult {
  rows: ImportRow[];
  /** How many lines were written: 0 on a dry run or when any row has a problem. */
  applied: number;
}

/** Which document a submission carries: each has its own list in ERP Integrations. */
export type DocumentKind = "budget" | "commitment";

// Commitments and vendors (docs/product.md §Commitments, §Vendors)

export interface VendorAddress {
  line1: string | null;
  city: string | null;
  region: string | null;
  postalCode: string | null;
  country: string | null;
}

export interface ErpVendorRef {
  ref: string;
  name: string | null;
}

export interface Vendor {
  id: string;
  name: string;
  contactName: string | null;
  email: string | null;
  phone: string | null;
  address: VendorAddress;
  active: boolean;
  /** The QuickBooks vendor it is linked to (by an admin in Mappings, or by an export). */
  erpVendor: ErpVendorRef | null;
}

export interface VendorInput {
  name?: string;
  contactName?: string | null;
  email?: string | null;
  phone?: string | null;
  address?: Partial<VendorAddress>;
  active?: boolean;
}

export type CommitmentKind = "subcontract" | "purchase_order";
export type CommitmentStatus = "draft" | "out_for_signature" | "approved" | "void";
/** Where a commitment stands against the ERP; `changes_to_send`: exported, and a change order approved since. */
export type CommitmentErpState =
  | "not_sent"
  | "awaiting_acceptance"
  | "exporting"
  | "failed"
  | "synced"
  | "changes_to_send";

export interface CommitmentRef {
  id: string;
  number: string;
  title: string;
  kind: CommitmentKind;
}

export interface CommitmentTotals {
  original: string;
  approvedChanges: string;
  revised: string;
  pendingChanges: string;
}

export interface CommitmentSummary {
  id: string;
  number: string;
  kind: CommitmentKind;
  title: string;
  vendor: { id: string; name: string };
  status: CommitmentStatus;
  locked: boolean;
  erpState: CommitmentErpState;
  totals: CommitmentTotals;
  lastSubmission: { id: string; status: SubmissionStatus; reason: string | null } | null;
  pendingSubmissionId: string | null;
}

export interface CommitmentLine {
  id: string;
  costCode: string;
  costCodeDescription: string | null;
  category: string;
  description: string;
  original: string;
  approvedChanges: string;
  revised: string;
  /** What the ERP holds for this line since the last export; null until it has been exported. */
  exported: string | null;
}

export interface ChangeOrderLine {
  costCode: string;
  category: string;
  description: string;
  amount: string;
}

export type ChangeOrderStatus = "pending" | "approved" | "rejected";

export interface PersonRef {
  id: string;
  name: string;
}

export interface ChangeOrder {
  id: string;
  number: number;
  title: string;
  status: ChangeOrderStatus;
  lines: ChangeOrderLine[];
  total: string;
  createdAt: string;
  createdBy: PersonRef | null;
  decidedAt: string | null;
  decidedBy: PersonRef | null;
}

export interface Commitment extends CommitmentSummary {
  lines: CommitmentLine[];
  changeOrders: ChangeOrder[];
  actions: {
    edit: ActionGate;
    changeStatus: ActionGate;
    addChangeOrder: ActionGate;
    send: ActionGate;
    retrieve: ActionGate;
  };
  version: number;
  createdBy: PersonRef | null;
  createdAt: string;
}

export interface ChangeOrderLineInput {
  costCode: string;
  category: string;
  description?: string;
  amount: string;
}

export interface VendorMapping {
  vendorId: string;
  name: string;
  erpVendor: ErpVendorRef | null;
  suggestion: ErpVendorRef | null;
}

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly field: string | undefined;

  constructor(status: number, code: string, message: string, field?: string) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.code = code;
    this.field = field;
  }
}

let csrfToken: string | null = null;
let unauthorizedListener: (() => void) | null = null;

export function setCsrfToken(token: string | null): void {
  csrfToken = token;
}

/** Called when a signed-in request comes back 401 (the session ended elsewhere or expired). */
export function onUnauthorized(listener: (() => void) | null): void {
  unauthorizedListener = listener;
}

type Query = Record<string, string | number | boolean | null | undefined>;

interface RequestOptions {
  query?: Query;
  json?: unknown;
  body?: BodyInit;
  contentType?: string;
  /** 401 is an expected answer here (signing in, checking the session): do not treat it as a lost session. */
  expectUnauthorized?: boolean;
}

export function buildUrl(path: string, query?: Query): string {
  if (!query) return path;
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined && value !== null && value !== "") params.set(key, String(value));
  }
  const qs = params.toString();
  return qs ? `${path}?${qs}` : path;
}

function messageForStatus(status: number): string {
  if (status === 401) return "Your session has ended. Sign in again.";
  if (status === 403) return "You do not have permission to do that.";
  if (status === 404) return "Not found.";
  if (status === 429) return "Too many requests. Wait a moment and try again.";
  if (status >= 500) return "The server could not complete the request. Try again in a moment.";
  return `The request failed (HTTP ${status}).`;
}

async function toApiError(response: Response): Promise<ApiError> {
  let code = `http_${response.status}`;
  let message = messageForStatus(response.status);
  let field: string | undefined;
  try {
    const body = (await response.json()) as {
      error?: { code?: unknown; message?: unknown; field?: unknown };
    };
    if (body?.error) {
      if (typeof body.error.code === "string") code = body.error.code;
      if (typeof body.error.message === "string" && body.error.message) message = body.error.message;
      if (typeof body.error.field === "string") field = body.error.field;
    }
  } catch {
    // A body that is not JSON keeps the generic message for the status.
  }
  return new ApiError(response.status, code, message, field);
}

export async function request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
  const headers: Record<string, string> = { Accept: "application/json" };
  let body: BodyInit | undefined = options.body;
  if (options.json !== undefined) {
    headers["Content-Type"] = "application/json";
    body = JSON.stringify(options.json);
  } else if (options.contentType) {
    headers["Content-Type"] = options.contentType;
  }
  if (method !== "GET" && method !== "HEAD" && csrfToken) headers["X-CSRF-Token"] = csrfToken;

  let response: Response;
  try {
    response = await fetch(buildUrl(path, options.query), {
      method,
      headers,
      body,
      credentials: "same-origin",
    });
  } catch {
    throw new ApiError(
      0,
      "network_error",
      "Could not reach the server. Check your connection and try again.",
    );
  }
  if (!response.ok) {
    const error = await toApiError(response);
    if (response.status === 401 && !options.expectUnauthorized) unauthorizedListener?.();
    throw error;
  }
  if (response.status === 204) return undefined as T;
  const text = await response.text();
  return (text ? JSON.parse(text) : undefined) as T;
}

/** Lists may come as `{items}` or as a bare array; the UI only needs the rows. */
export function itemsOf<T>(value: { items?: T[] } | T[] | null | undefined): T[] {
  if (Array.isArray(value)) return value;
  return value?.items ?? [];
}

const enc = encodeURIComponent;
const companyPath = (companyId: string) => `/api/v1/companies/${enc(companyId)}`;
export const budgetPath = (companyId: string, projectId: string) =>
  `${companyPath(companyId)}/projects/${enc(projectId)}/budget`;
const erpPath = (companyId: string) => `${companyPath(companyId)}/erp`;
export const commitmentsPath = (companyId: string, projectId: string) =>
  `${companyPath(companyId)}/projects/${enc(projectId)}/commitments`;
/** The ERP Integrations list of one kind of document. */
const submissionsPath = (companyId: string, kind: DocumentKind) =>
  `${erpPath(companyId)}/${kind === "commitment" ? "commitment" : "budget"}-submissions`;

// Auth and account

export async function getSession(): Promise<Session | null> {
  try {
    const session = await request<Session>("GET", "/api/v1/auth/session", { expectUnauthorized: true });
    setCsrfToken(session.csrfToken);
    return session;
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) {
      setCsrfToken(null);
      return null;
    }
    throw error;
  }
}

export async function signIn(email: string, password: string): Promise<Session> {
  const session = await request<Session>("POST", "/api/v1/auth/session", {
    json: { email, password },
    expectUnauthorized: true,
  });
  setCsrfToken(session.csrfToken);
  return session;
}

export async function signOut(): Promise<void> {
  try {
    await request<void>("DELETE", "/api/v1/auth/session", { expectUnauthorized: true });
  } finally {
    setCsrfToken(null);
  }
}

export const getMe = () => request<Me>("GET", "/api/v1/me");
export const getPublicConfig = () => request<PublicConfig>("GET", "/api/v1/public-config");

export const acceptInvitation = (token: string, input: { password: string; name?: string }) =>
  request<{ user?: User; email?: string } | undefined>("POST", `/api/v1/invitations/${enc(token)}/accept`, {
    json: input,
    expectUnauthorized: true,
  });

export const getMailbox = () => request<{ items: MailItem[] }>("GET", "/api/v1/demo/mailbox");

// Company lists

export const listProjects = (companyId: string, cursor?: string | null, limit = 200) =>
  request<Page<Project>>("GET", `${companyPath(companyId)}/projects`, { query: { cursor, limit } });
export const listCostCodes = (companyId: string) =>
  request<{ items: CostCode[] }>("GET", `${companyPath(companyId)}/cost-codes`);
export const listCategories = (companyId: string) =>
  request<{ items: Category[] }>("GET", `${companyPath(companyId)}/categories`);

// Budget

export const getBudget = (c: string, p: string) => request<Budget>("GET", budgetPath(c, p));
export const addBudgetLine = (
  c: string,
  p: string,
  line: { costCode: string; category: string; originalBudget: string },
) => request<BudgetLine>("POST", `${budgetPath(c, p)}/lines`, { json: line });
export const updateBudgetLine = (c: string, p: string, lineId: string, originalBudget: string) =>
  request<BudgetLine>("PATCH", `${budgetPath(c, p)}/lines/${enc(lineId)}`, { json: { originalBudget } });
export const deleteBudgetLine = (c: string, p: string, lineId: string) =>
  request<void>("DELETE", `${budgetPath(c, p)}/lines/${enc(lineId)}`);

export const listBudgetChanges = (c: string, p: string) =>
  request<{ items: BudgetChange[] } | BudgetChange[]>("GET", `${budgetPath(c, p)}/changes`).then(itemsOf);
export const createBudgetChange = (
  c: string,
  p: string,
  input: { description: string; adjustments: Adjustment[] },
) =>
  request<{ id: string; number: number | string; status: "draft" }>("POST", `${budgetPath(c, p)}/changes`, {
    json: input,
  });
export const approveBudgetChange = (c: string, p: string, changeId: string) =>
  request<unknown>("POST", `${budgetPath(c, p)}/changes/${enc(changeId)}/approve`);
export const voidBudgetChange = (c: string, p: string, changeId: string) =>
  request<unknown>("POST", `${budgetPath(c, p)}/changes/${enc(changeId)}/void`);
export const deleteBudgetChange = (c: string, p: string, changeId: string) =>
  request<void>("DELETE", `${budgetPath(c, p)}/changes/${enc(changeId)}`);

export const lockBudget = (c: string, p: string) => request<unknown>("POST", `${budgetPath(c, p)}/lock`);
export const unlockBudget = (c: string, p: string) => request<unknown>("POST", `${budgetPath(c, p)}/unlock`);
export const sendToErp = (c: string, p: string) =>
  request<SubmissionSummary>("POST", `${budgetPath(c, p)}/send-to-erp`);
export const retrieveFromErp = (c: string, p: string) =>
  request<SubmissionSummary>("POST", `${budgetPath(c, p)}/retrieve-from-erp`);
export const listProjectSubmissions = (c: string, p: string) =>
  request<{ items: SubmissionSummary[] } | SubmissionSummary[]>(
    "GET",
    `${budgetPath(c, p)}/submissions`,
  ).then(itemsOf);

export const importBudgetCsv = (c: string, p: string, csv: string, dryRun: boolean) =>
  request<ImportResult>("POST", `${budgetPath(c, p)}/import`, {
    query: { dryRun },
    body: csv,
    contentType: "text/csv",
  });
export const budgetCsvUrl = (c: string, p: string) => `${budgetPath(c, p)}/export.csv`;

// ERP Integrations

export const listSubmissions = (
  c: string,
  query: { status: string; cursor?: string | null; limit?: number },
  kind: DocumentKind = "budget",
): Promise<SubmissionList> => request<SubmissionList>("GET", submissionsPath(c, kind), { query });
export const getSubmission = (c: string, submissionId: string, kind: DocumentKind = "budget") =>
  request<SubmissionDetail>("GET", `${submissionsPath(c, kind)}/${enc(submissionId)}`);
export const decideSubmissions = (c: string, decisions: DecisionInput[], kind: DocumentKind = "budget") =>
  request<{ results: DecisionResult[] }>("POST", `${submissionsPath(c, kind)}/decisions`, {
    json: { decisions },
  });
export const retrySubmission = (c: string, submissionId: string, kind: DocumentKind = "budget") =>
  request<unknown>("POST", `${submissionsPath(c, kind)}/${enc(submissionId)}/retry`);

// Commitments

export const listCommitments = (c: string, p: string) =>
  request<{ items: CommitmentSummary[] }>("GET", commitmentsPath(c, p)).then(itemsOf);
export const createCommitment = (
  c: string,
  p: string,
  input: { kind: CommitmentKind; number: string; title: string; vendorId: string },
) => request<Commitment>("POST", commitmentsPath(c, p), { json: input });
export const getCommitment = (c: string, p: string, id: string) =>
  request<Commitment>("GET", `${commitmentsPath(c, p)}/${enc(id)}`);
export const updateCommitment = (
  c: string,
  p: string,
  id: string,
  input: { number?: string; title?: string; vendorId?: string },
) => request<Commitment>("PATCH", `${commitmentsPath(c, p)}/${enc(id)}`, { json: input });
export const setCommitmentStatus = (c: string, p: string, id: string, status: CommitmentStatus) =>
  request<Commitment>("POST", `${commitmentsPath(c, p)}/${enc(id)}/status`, { json: { status } });
export const addCommitmentLine = (
  c: string,
  p: string,
  id: string,
  line: { costCode: string; category: string; description?: string; amount: string },
) => request<CommitmentLine>("POST", `${commitmentsPath(c, p)}/${enc(id)}/lines`, { json: line });
export const updateCommitmentLine = (
  c: string,
  p: string,
  id: string,
  lineId: string,
  input: { amount?: string; description?: string },
) =>
  request<CommitmentLine>("PATCH", `${commitmentsPath(c, p)}/${enc(id)}/lines/${enc(lineId)}`, {
    json: input,
  });
export const deleteCommitmentLine = (c: string, p: string, id: string, lineId: string) =>
  request<void>("DELETE", `${commitmentsPath(c, p)}/${enc(id)}/lines/${enc(lineId)}`);

const changeOrdersPath = (c: string, p: string, id: string) =>
  `${commitmentsPath(c, p)}/${enc(id)}/change-orders`;
export const createChangeOrder = (
  c: string,
  p: string,
  id: string,
  input: { title: string; lines: ChangeOrderLineInput[] },
) => request<ChangeOrder>("POST", changeOrdersPath(c, p, id), { json: input });
export const updateChangeOrder = (
  c: string,
  p: string,
  id: string,
  changeOrderId: string,
  input: { title?: string; lines?: ChangeOrderLineInput[] },
) => request<ChangeOrder>("PATCH", `${changeOrdersPath(c, p, id)}/${enc(changeOrderId)}`, { json: input });
export const deleteChangeOrder = (c: string, p: string, id: string, changeOrderId: string) =>
  request<void>("DELETE", `${changeOrdersPath(c, p, id)}/${enc(changeOrderId)}`);
export const approveChangeOrder = (c: string, p: string, id: string, changeOrderId: string) =>
  request<ChangeOrder>("POST", `${changeOrdersPath(c, p, id)}/${enc(changeOrderId)}/approve`);
export const rejectChangeOrder = (c: string, p: string, id: string, changeOrderId: string) =>
  request<ChangeOrder>("POST", `${changeOrdersPath(c, p, id)}/${enc(changeOrderId)}/reject`);

export const sendCommitmentToErp = (c: string, p: string, id: string) =>
  request<SubmissionSummary>("POST", `${commitmentsPath(c, p)}/${enc(id)}/send-to-erp`);
export const retrieveCommitmentFromErp = (c: string, p: string, id: string) =>
  request<SubmissionSummary>("POST", `${commitmentsPath(c, p)}/${enc(id)}/retrieve-from-erp`);
export const listCommitmentSubmissions = (c: string, p: string, id: string) =>
  request<{ items: SubmissionSummary[] } | SubmissionSummary[]>(
    "GET",
    `${commitmentsPath(c, p)}/${enc(id)}/submissions`,
  ).then(itemsOf);

// Vendors

export const listVendors = (c: string, includeInactive = false) =>
  request<{ items: Vendor[] }>("GET", `${companyPath(c)}/vendors`, { query: { includeInactive } }).then(
    itemsOf,
  );
export const createVendor = (c: string, input: VendorInput & { name: string }) =>
  request<Vendor>("POST", `${companyPath(c)}/vendors`, { json: input });
export const updateVendor = (c: string, vendorId: string, input: VendorInput) =>
  request<Vendor>("PATCH", `${companyPath(c)}/vendors/${enc(vendorId)}`, { json: input });

// Vendor mappings (QuickBooks Online)

export const getVendorMappings = (c: string) =>
  request<{ items: VendorMapping[] }>("GET", `${erpPath(c)}/mappings/vendors`);
export const mapVendor = (c: string, vendorId: string, vendorRef: string | null) =>
  request<unknown>("PUT", `${erpPath(c)}/mappings/vendors/${enc(vendorId)}`, { json: { vendorRef } });
export const autoMatchVendors = (c: string) =>
  request<{ matched: { vendorId: string; name: string; erpVendor: ErpVendorRef }[] }>(
    "POST",
    `${erpPath(c)}/mappings/vendors/auto-match`,
  );
export const listQuickBooksVendors = (c: string) =>
  request<{ items: ErpVendorRef[] }>("GET", `${erpPath(c)}/quickbooks/vendors`);

export const getConnection = (c: string) => request<Connection>("GET", `${erpPath(c)}/connection`);
/** Starts connecting an ERP by the request its connection answer names. */
export const startErpConnect = (connect: ConnectRoute) =>
  request<{ authorizeUrl: string }>(connect.method, connect.path);
export const disconnectErp = (c: string) => request<void>("DELETE", `${erpPath(c)}/connection`);
export const qwcUrl = (c: string) => `${erpPath(c)}/connection/quickbooks-desktop/qwc`;
export const resetWebConnectorPassword = (c: string) =>
  request<{ username: string; password: string }>(
    "POST",
    `${erpPath(c)}/connection/quickbooks-desktop/password`,
  );

/** Query keys in one place so that mutations invalidate exactly what they change. */
export const keys = {
  session: ["session"] as const,
  me: ["me"] as const,
  publicConfig: ["public-config"] as const,
  mailbox: ["mailbox"] as const,
  projects: (c: string) => ["projects", c] as const,
  costCodes: (c: string) => ["cost-codes", c] as const,
  categories: (c: string) => ["categories", c] as const,
  budget: (c: string, p: string) => ["budget", c, p] as const,
  budgetChanges: (c: string, p: string) => ["budget", c, p, "changes"] as const,
  projectSubmissions: (c: string, p: string) => ["budget", c, p, "submissions"] as const,
  submissions: (c: string) => ["submissions", c] as const,
  submissionList: (c: string, status: string, cursor: string | null, kind: DocumentKind = "budget") =>
    ["submissions", c, "list", kind, status, cursor] as const,
  submission: (c: string, id: string, kind: DocumentKind = "budget") =>
    ["submissions", c, "detail", id, kind] as const,
  /** Everything read about a company's commitments (lists, commitments, their histories). */
  allCommitments: (c: string) => ["commitments", c] as const,
  commitments: (c: string, p: string) => ["commitments", c, p] as const,
  commitment: (c: string, p: string, id: string) => ["commitments", c, p, id] as const,
  commitmentSubmissions: (c: string, p: string, id: string) =>
    ["commitments", c, p, id, "submissions"] as const,
  vendors: (c: string) => ["vendors", c] as const,
  vendorList: (c: string, includeInactive: boolean) => ["vendors", c, includeInactive] as const,
  vendorMappings: (c: string) => ["vendors", c, "mappings"] as const,
  connection: (c: string) => ["connection", c] as const,
};
