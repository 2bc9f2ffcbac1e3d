/**
 * The UI's own words for the server's answers (api.ts) checked against the server's response schemas: each
 * answer must fit the type the UI reads it as, field by field. Types only: nothing here reaches the bundle.
 */
import type { z } from "zod";
import type * as S from "../../src/http/schemas.js";
import type {
  autoMatchVendors,
  Budget,
  BudgetChange,
  BudgetLine,
  ChangeOrder,
  Commitment,
  CommitmentLine,
  CommitmentSummary,
  Connection,
  CostCode,
  DecisionResult,
  ErpVendorRef,
  ImportResult,
  MailItem,
  Page,
  Project,
  Session,
  SubmissionDetail,
  SubmissionList,
  SubmissionSummary,
  Vendor,
  VendorMapping,
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
  // Vendors and commitments.
  Holds<Fits<Out<typeof S.vendorListResponse>, { items: Vendor[] }>>,
  Holds<Fits<Out<typeof S.vendorResponse>, Vendor>>,
  Holds<Fits<Out<typeof S.commitmentListResponse>, { items: CommitmentSummary[] }>>,
  Holds<Fits<Out<typeof S.commitmentResponse>, Commitment>>,
  Holds<Fits<Out<typeof S.commitmentLineResponse>, CommitmentLine>>,
  Holds<Fits<Out<typeof S.changeOrderResponse>, ChangeOrder>>,
  Holds<Fits<Out<typeof S.changeOrderListResponse>, { items: ChangeOrder[] }>>,
  // ERP Integrations › Commitments: the budget tab's shapes carry both kinds.
  Holds<Fits<Out<typeof S.commitmentSubmissionListResponse>, SubmissionList>>,
  Holds<Fits<Out<typeof S.commitmentSubmissionDetailResponse>, SubmissionDetail>>,
  Holds<Fits<Out<typeof S.vendorMappingsResponse>, { items: VendorMapping[] }>>,
  Holds<Fits<Out<typeof S.vendorAutoMatchResponse>, Awaited<ReturnType<typeof autoMatchVendors>>>>,
  Holds<Fits<Out<typeof S.quickbooksVendorsResponse>, { items: ErpVendorRef[] }>>,
];
