/**
 * The set-up the export tests share: the HTTP app, the real job worker and the QuickBooks Online emulator, a
 * company connected to it, and the steps every export test takes (wait for a status, read the job's estimates).
 */
import { createExportWorld, type ExportWorld, eventually } from "../support/worker.js";
import { erpUrl, http, makeWorkflowCompany, type Obj } from "./fixture.js";

export type { ExportWorld };
export type Company = Awaited<ReturnType<typeof makeWorkflowCompany>>;

/** Starts the app, the worker and the emulator for one test file; close `w` after it. */
export async function startQboExport() {
  const w = await createExportWorld();
  return { w, api: http(w) };
}

/** A workflow company (people, lists, parent customer) connected to the emulator's default realm. */
export async function connectedCompany(w: ExportWorld, name?: string, currency = "USD"): Promise<Company> {
  const co = await makeWorkflowCompany(w.ctx, name);
  if (currency !== "USD") {
    await w.ctx.db.updateTable("companies").set({ currency }).where("id", "=", co.companyId).execute();
  }
  await w.connectQuickBooksOnline(co.companyId);
  return co;
}

/** The submission as the approver sees it, once it reached `status`. */
export function waitForSubmission(w: ExportWorld, co: Company, submissionId: string, status: string) {
  return eventually(
    async () => {
      const r = await http(w).get(`${erpUrl(co.companyId)}/${submissionId}`, co.approver);
      return r.body.status === status ? (r.body as Obj) : undefined;
    },
    { what: `submission ${submissionId} to be ${status}` },
  );
}

/** The job named after the project in QuickBooks, and the estimates on it. */
export async function estimatesOnJob(w: ExportWorld, projectName: string) {
  const realm = await w.realm();
  const job = (realm.Customer as Obj[]).find((c) => c.DisplayName === projectName);
  if (!job) return { job: null, estimates: [] as Obj[] };
  return { job, estimates: (realm.Estimate as Obj[]).filter((e) => e.CustomerRef?.value === job.Id) };
}
