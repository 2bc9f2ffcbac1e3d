import { runExport } from "../../app/export/run-export.js";
import type { HandlerFactory } from "./deps.js";

export const exportSubmission: HandlerFactory<"export_submission"> =
  ({ ctx, connectors }) =>
  (payload) =>
    runExport(ctx, connectors, payload);
