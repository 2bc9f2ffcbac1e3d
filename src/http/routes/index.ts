import type { RouteModule } from "../app.js";
import { authRoutes } from "./auth.js";

export const allRoutes: RouteModule[] = [authRoutes];
