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
  totals: { revisedEstimate: string; delta: string };
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

export interface SnapshotLine {
  costCode: string;
  costCodeDescription?: string | null;
  category: string;
  categoryName?: string | null;
  originalBudget: string;
  budgetChanges: string;
  revisedEstimate: string;
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
): Promise<SubmissionList> => request<SubmissionList>("GET", `${erpPath(c)}/budget-submissions`, { query });
export const getSubmission = (c: string, submissionId: string) =>
  request<SubmissionDetail>("GET", `${erpPath(c)}/budget-submissions/${enc(submissionId)}`);
export const decideSubmissions = (c: string, decisions: DecisionInput[]) =>
  request<{ results: DecisionResult[] }>("POST", `${erpPath(c)}/budget-submissions/decisions`, {
    json: { decisions },
  });
export const retrySubmission = (c: string, submissionId: string) =>
  request<unknown>("POST", `${erpPath(c)}/budget-submissions/${enc(submissionId)}/retry`);

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
  submissionList: (c: string, status: string, cursor: string | null) =>
    ["submissions", c, "list", status, cursor] as const,
  submission: (c: string, id: string) => ["submissions", c, "detail", id] as const,
  connection: (c: string) => ["connection", c] as const,
};
