import type * as D from "../../domain/index.js";
import type { DocumentSnapshot } from "./types.js";

/**
 * A document's snapshot, as the domain takes it (a budget's lines with their approved changes, or a commitment's
 * lines with its approved change orders), in the shape every submission stores; `categoryName` names a category
 * code for the approver and the ERP.
 */
export function documentSnapshot(
  snapshot: D.SubmissionSnapshot,
  categoryName: (code: string) => string,
): DocumentSnapshot {
  return {
    lines: snapshot.lines.map((l) => ({
      lineId: l.lineId,
      costCode: l.costCode,
      costCodeDescription: l.costCodeDescription,
      category: l.category,
      categoryName: categoryName(l.category),
      description: l.description ?? "",
      original: l.original,
      changes: l.budgetChanges,
      revised: l.revisedEstimate,
      previouslyExported: l.previouslyExported,
      delta: l.delta,
    })),
    totals: {
      original: snapshot.totals.original,
      changes: snapshot.totals.budgetChanges,
      revised: snapshot.totals.revisedEstimate,
      previouslyExported: snapshot.totals.previouslyExported,
      delta: snapshot.totals.delta,
    },
    changeIds: snapshot.changeIds,
  };
}
