/**
 * The UI's own words for the server's answers (api.ts) checked against the server's response schemas: each
 * answer must fit the type the UI reads it as, field by field. Types only: nothing here reaches the bundle.
 */
import type { z } from "zod";
import type * as S from "../../src/http/schemas.js";
import type {
  Budget,
  BudgetChange,
  BudgetLine,
  Connection,
  CostCode,
  DecisionResult,
  ImportResult,
  MailItem,
  Page,
  Project,
  Session,
  SubmissionDetail,
  SubmissionList,
  SubmissionSummary,
} from "./api.js";

/** `true` when every answer the server may give (Server) is a value of the UI's type (Client). */
type Fits<Server, Client> = [Server] extends [Client] ? true : { server: Server; doesNotFit: Client };
type Out<T extends z.ZodType> = z.output<T>;
/** Refuses to compile a check that is not `true`, at that check. */
type Holds<T extends true> = T;

export type ApiContract = [
  Holds<Fits<Out<typeof S.sessionResponse>, Session>>,
  Holds<Fits<Out<typeof S.projectListResponse>, Page<Project>>>,
  Holds<Fits<Out<typeof S.costCodeListResponse>, { items: CostCode[] }>>,
  Holds<Fits<Out<typeof S.budgetResponse>, Budget>>,
  Holds<Fits<Out<typeof S.budgetLineResponse>, Omit<BudgetLine, "inQuickBooks" | "actions">>>,
  Holds<Fits<Out<typeof S.budgetChangeListResponse>, { items: BudgetChange[] }>>,
  Holds<
    Fits<
      Out<typeof S.budgetChangeResponse>,
      { id: string; number: number | string; status: BudgetChange["status"] }
    >
  >,
  Holds<Fits<Out<typeof S.sentSubmissionResponse>, Pick<SubmissionSummary, "id" | "status">>>,
  Holds<Fits<Out<typeof S.importResponse>, ImportResult>>,
  Holds<Fits<Out<typeof S.submissionListResponse>, SubmissionList>>,
  Holds<Fits<Out<typeof S.submissionDetailResponse>, SubmissionDetail>>,
  Holds<Fits<Out<typeof S.decisionsResponse>, { results: DecisionResult[] }>>,
  // The server names the ERP by its kind as a string; the UI's closed list of kinds is its own.
  Holds<Fits<Omit<Out<typeof S.connectionResponse>, "type">, Omit<Connection, "type">>>,
  Holds<Fits<Out<typeof S.authorizeUrlResponse>, { authorizeUrl: string }>>,
  Holds<Fits<Out<typeof S.webConnectorPasswordResponse>, { username: string; password: string }>>,
  Holds<Fits<Out<typeof S.mailboxResponse>, { items: MailItem[] }>>,
  Holds<
    Fits<Out<typeof S.invitationAcceptedResponse>, { user?: { id: string; email: string; name: string } }>
  >,
  // Still to check once the server declares their response schemas: Vendor and its list, CommitmentSummary list,
  // Commitment, CommitmentLine, ChangeOrder, the commitment-submissions list and detail (as SubmissionList and
  // SubmissionDetail), vendor mappings and the QuickBooks vendor list.
];
