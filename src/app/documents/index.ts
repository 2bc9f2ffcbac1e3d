import { BUDGET_DOCUMENT } from "./budget.js";
import { COMMITMENT_DOCUMENT } from "./commitment.js";
import type { DocumentKind, DocumentType, LoadedDocument } from "./types.js";

export { budgetDocument, budgetSnapshot } from "./budget.js";
export {
  describeCommitment,
  lineKey,
  loadCommitmentDocument,
  takeCommitmentSnapshot,
} from "./commitment.js";
export * from "./types.js";

const KINDS: { [T in DocumentType]: DocumentKind<Extract<LoadedDocument, { type: T }>> } = {
  budget: BUDGET_DOCUMENT,
  commitment: COMMITMENT_DOCUMENT,
};

/** The one place that says what differs per type of document in the pipeline. */
export function documentKind(type: DocumentType): DocumentKind {
  // Each entry takes its own type of document; callers pass the document of the type they asked for.
  return KINDS[type] as unknown as DocumentKind;
}
