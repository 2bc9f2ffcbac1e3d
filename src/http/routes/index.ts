import { registeredRouteModules } from "../../app/erp/registry.js";
import type { RouteModule } from "../app.js";
import { adminRoutes } from "./admin.js";
import { authRoutes } from "./auth.js";
import { budgetRoutes } from "./budget.js";
import { commitmentRoutes } from "./commitments.js";
import { companyRoutes } from "./company.js";
import { erpRoutes } from "./erp.js";
import { erpConnectionRoutes } from "./erp-connection.js";
import { mailRoutes } from "./mail.js";
import { operatorRoutes } from "./operator.js";
import { vendorRoutes } from "./vendors.js";

/**
 * The routes each registered ERP serves on its own (its connect call, OAuth callback, agent endpoint, webhooks),
 * read from the ERP registry when the app is built: an ERP added to the registry brings its routes with it.
 */
async function erpOwnRoutes(app: Parameters<RouteModule>[0], ctx: Parameters<RouteModule>[1]): Promise<void> {
  for (const routes of registeredRouteModules()) await routes(app, ctx);
}

export const allRoutes: RouteModule[] = [
  authRoutes,
  companyRoutes,
  budgetRoutes,
  vendorRoutes,
  commitmentRoutes,
  erpRoutes,
  erpConnectionRoutes,
  mailRoutes,
  adminRoutes,
  operatorRoutes,
  erpOwnRoutes,
];
