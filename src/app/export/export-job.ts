import type { Tx } from "../../db/database.js";
import { enqueueJob } from "../../jobs/queue.js";

export const EXPORT_TASK = "export_submission";

export interface ExportJobPayload {
  companyId: string;
  submissionId: string;
  attempt: number;
}

/** Exports of one company run one at a time, in order: QuickBooks sees one writer per company file. */
export function exportQueueName(companyId: string): string {
  return `erp:${companyId}`;
}

export async function enqueueExport(tx: Tx, p: ExportJobPayload, runAt?: Date) {
  await enqueueJob(
    tx,
    EXPORT_TASK,
    { ...p },
    {
      queueName: exportQueueName(p.companyId),
      jobKey: `export:${p.submissionId}`,
      maxAttempts: 50,
      ...(runAt ? { runAt } : {}),
    },
  );
}
