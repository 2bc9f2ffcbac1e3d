/**
 * Drift detection: from an edit in QuickBooks (out of band, in the emulator) to what Costbridge owns on an exported
 * estimate, until the budget reads "changed in QuickBooks" through the API. The emulator delivers signed webhooks to
 * the product only during this phase, so the other phases' QuickBooks call figures are unaffected.
 */
import type pg from "pg";
import type { BenchEmulator } from "./harness.js";
import { percentile } from "./report.js";

export interface DriftCompany {
  id: string;
  realmId: string;
  /** Approver's bearer token (accepts the exports). */
  token: string;
  /** A bearer token of someone who may open the budgets. */
  viewerToken: string;
  submissionIds: string[];
}

export interface DriftDeps {
  productUrl: string;
  emulator: BenchEmulator;
  pool: pg.Pool;
  verifierToken: string;
  accept(submissionId: string): Promise<void>;
  progress(line: string): void;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function measureDrift(deps: DriftDeps, c: DriftCompany, edits: number) {
  const { emulator, pool } = deps;
  emulator.emulator.configureWebhooks({
    url: `${deps.productUrl}/webhooks/quickbooks`,
    verifierToken: deps.verifierToken,
  });
  try {
    // Export one budget per edit, and let the notifications of those writes pass.
    const ids = c.submissionIds.slice(0, edits);
    for (const id of ids) await deps.accept(id);
    const deadline = Date.now() + 120_000;
    for (;;) {
      const r = await pool.query<{ n: string }>(
        "select count(*) as n from submissions where company_id = $1 and id = any($2) and status = 'exported'",
        [c.id, ids],
      );
      if (Number(r.rows[0]?.n) === ids.length) break;
      if (Date.now() > deadline) throw new Error("drift: the exports did not finish in 2 minutes");
      await sleep(50);
    }
    await sleep(1_500);
    const rows = await pool.query<{ project_id: string; estimate_id: string }>(
      "select project_id, estimate_id from erp_estimates where company_id = $1 and erp_type = 'quickbooks_online'",
      [c.id],
    );
    const latencies: number[] = [];
    let missed = 0;
    for (const row of rows.rows.slice(0, edits)) {
      const realm = emulator.emulator.state().realms[c.realmId] as Record<string, Record<string, unknown>[]>;
      const estimate = realm.Estimate?.find((e) => e.Id === row.estimate_id);
      if (!estimate) throw new Error(`drift: estimate ${row.estimate_id} is not in the emulator`);
      const lines = (estimate.Line as Record<string, unknown>[])
        .filter((l) => l.DetailType === "SalesItemLineDetail")
        .map((l, i) => {
          if (i > 0) return l;
          const amount = Number(l.Amount) + 1;
          const detail = l.SalesItemLineDetail as Record<string, unknown>;
          return { ...l, Amount: amount, SalesItemLineDetail: { ...detail, Qty: 1, UnitPrice: amount } };
        });
      const t0 = performance.now();
      const edit = await fetch(`${emulator.url}/__emulator/edit/${c.realmId}/Estimate/${row.estimate_id}`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ Line: lines }),
      });
      await edit.arrayBuffer();
      if (!edit.ok) throw new Error(`drift: the emulator refused the edit (${edit.status})`);
      const url = `${deps.productUrl}/api/v1/companies/${c.id}/projects/${row.project_id}/budget`;
      const giveUp = performance.now() + 30_000;
      for (;;) {
        const res = await fetch(url, { headers: { authorization: `Bearer ${c.viewerToken}` } });
        const body = (await res.json()) as { changedInQuickBooks?: unknown };
        if (res.status !== 200) throw new Error(`drift: the budget answered ${res.status}`);
        if (body.changedInQuickBooks) {
          latencies.push(performance.now() - t0);
          break;
        }
        if (performance.now() > giveUp) {
          // Never seen: counted at the give-up time, so the percentiles show it.
          latencies.push(performance.now() - t0);
          missed++;
          break;
        }
        await sleep(25);
      }
    }
    return {
      driftDetectionP50Ms: Math.round(percentile(latencies, 50)),
      driftDetectionP95Ms: Math.round(percentile(latencies, 95)),
      driftEdits: latencies.length - missed,
      driftMissed: missed,
    };
  } finally {
    emulator.emulator.configureWebhooks({ url: null });
  }
}
