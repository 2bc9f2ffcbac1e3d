import type { RouteModule } from "../app.js";
import { authRoutes } from "./auth.js";
import { budgetRoutes } from "./budget.js";
import { companyRoutes } from "./company.js";
import { erpRoutes } from "./erp.js";
import { erpConnectionRoutes } from "./erp-connection.js";
import { mailRoutes } from "./mail.js";

export const allRoutes: RouteModule[] = [
  authRoutes,
  companyRoutes,
  budgetRoutes,
  erpRoutes,
  erpConnectionRoutes,
  mailRoutes,
];
