import type { RouteModule } from "../app.js";
import { adminRoutes } from "./admin.js";
import { authRoutes } from "./auth.js";
import { budgetRoutes } from "./budget.js";
import { companyRoutes } from "./company.js";
import { erpRoutes } from "./erp.js";
import { erpConnectionRoutes } from "./erp-connection.js";
import { mailRoutes } from "./mail.js";
import { operatorRoutes } from "./operator.js";
import { qboWebhookRoutes } from "./qbo-webhooks.js";
import { qbwcRoutes } from "./qbwc.js";

export const allRoutes: RouteModule[] = [
  authRoutes,
  companyRoutes,
  budgetRoutes,
  erpRoutes,
  erpConnectionRoutes,
  mailRoutes,
  adminRoutes,
  operatorRoutes,
  qbwcRoutes,
  qboWebhookRoutes,
];
