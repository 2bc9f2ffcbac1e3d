import type { AppContext } from "../context.js";
import type { Actor } from "../membership.js";
import { decideChange } from "./change-rows.js";
import type { Scope } from "./with-budget.js";

export const voidChange = (ctx: AppContext, actor: Actor, scope: Scope, changeId: string) =>
  decideChange(ctx, actor, scope, changeId, "void");
