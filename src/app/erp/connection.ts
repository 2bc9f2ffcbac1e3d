import { randomBytes } from "node:crypto";
import { enqueue } from "../../jobs/catalog.js";
import { sha256 } from "../../lib/ids.js";
import { recordAudit } from "../audit.js";
import type { AppContext } from "../context.js";
import { AppError } from "../errors.js";
import type { Actor } from "../membership.js";
import { requireRight } from "../membership.js";
import { QUICKBOOKS_ONLINE_KIND } from "./qbo-definition.js";
import type { QboService } from "./qbo-service.js";
import { connectRouteFor, erpChoices, erpLabel, findErp } from "./registry.js";

const STATE_TTL_MS = 10 * 60 * 1000;

export async function getConnection(ctx: AppContext, actor: Actor, companyId: string) {
  await requireRight(ctx, actor, companyId, "view_erp_integrations");
  const [row, company] = await Promise.all([
    ctx.db.selectFrom("erp_connections").selectAll().where("company_id", "=", companyId).executeTakeFirst(),
    ctx.db
      .selectFrom("companies")
      .select(["default_parent_customer"])
      .where("id", "=", companyId)
      .executeTakeFirstOrThrow(),
  ]);
  if (!row || row.status === "disconnected") {
    return {
      type: null,
      status: "not_connected",
      details: { defaultParentCustomer: company.default_parent_customer },
      choices: erpChoices(companyId),
    };
  }
  const erp = findErp(row.type);
  const specific = erp?.connectionDetails ? await erp.connectionDetails(ctx, row) : {};
  const connect = connectRouteFor(erp, companyId);
  return {
    type: row.type,
    label: erpLabel(row.type),
    connectionFlow: erp?.connectionFlow ?? null,
    ...(connect ? { connect } : {}),
    status: row.status,
    details: {
      ...specific,
      lastError: row.last_error,
      defaultParentCustomer: company.default_parent_customer,
    },
  };
}

/** Starts QuickBooks Online's OAuth flow: a single-use state bound to this user and company. */
export async function startQboConnect(ctx: AppContext, qbo: QboService, actor: Actor, companyId: string) {
  await requireRight(ctx, actor, companyId, "manage_erp");
  const state = `${companyId}.${randomBytes(24).toString("base64url")}`;
  await ctx.db
    .insertInto("oauth_states")
    .values({
      company_id: companyId,
      state_hash: sha256(state),
      user_id: actor.userId,
      expires_at: new Date(ctx.now().getTime() + STATE_TTL_MS),
    })
    .execute();
  const url = new URL(qbo.browserAuthorizeUrl);
  url.searchParams.set("client_id", qbo.clientId);
  url.searchParams.set("response_type", "code");
  url.searchParams.set("scope", "com.intuit.quickbooks.accounting");
  url.searchParams.set("redirect_uri", qbo.redirectUri);
  url.searchParams.set("state", state);
  return { authorizeUrl: url.toString() };
}

/** The OAuth callback: checks the state, exchanges the code once, stores the tokens, resumes waiting exports. */
export async function finishQboConnect(
  ctx: AppContext,
  qbo: QboService,
  actor: Actor | null,
  q: { code?: string; state?: string; realmId?: string; error?: string },
): Promise<{ companyId: string }> {
  const state = q.state ?? "";
  const companyId = state.split(".")[0] ?? "";
  if (!companyId)
    throw new AppError("invalid_input", "The sign-in to QuickBooks came back without its state.");
  const claimed = await ctx.db
    .updateTable("oauth_states")
    .set({ used_at: ctx.now() })
    .where("company_id", "=", companyId)
    .where("state_hash", "=", sha256(state))
    .where("used_at", "is", null)
    .where("expires_at", ">", ctx.now())
    .returning(["user_id"])
    .executeTakeFirst();
  if (!claimed) {
    throw new AppError(
      "invalid_input",
      "This QuickBooks connection link expired or was already used; start again.",
    );
  }
  if (!actor || claimed.user_id !== actor.userId) {
    throw new AppError(
      "forbidden",
      "Finish connecting QuickBooks in the same signed-in browser that started it.",
    );
  }
  await requireRight(ctx, actor, companyId, "manage_erp");
  if (q.error) throw new AppError("quickbooks_denied", `QuickBooks did not grant access (${q.error}).`);
  if (!q.code || !q.realmId)
    throw new AppError("invalid_input", "QuickBooks did not send an authorization code.");
  let grant: Awaited<ReturnType<typeof qbo.oauth.exchangeAuthorizationCode>>;
  try {
    grant = await qbo.oauth.exchangeAuthorizationCode(q.code, qbo.redirectUri);
  } catch (e) {
    throw new AppError(
      "quickbooks_denied",
      `QuickBooks refused the authorization code: ${(e as Error).message}`,
    );
  }
  const sealed = qbo.vault.encode({ ...grant, realmId: q.realmId });
  const now = ctx.now();
  await ctx.db.transaction().execute(async (tx) => {
    await tx
      .insertInto("erp_connections")
      .values({
        company_id: companyId,
        type: QUICKBOOKS_ONLINE_KIND,
        status: "connected",
        ...sealed,
        connected_by: actor.userId,
        connected_at: now,
        last_error: null,
        updated_at: now,
      })
      .onConflict((oc) =>
        oc.column("company_id").doUpdateSet({
          type: QUICKBOOKS_ONLINE_KIND,
          status: "connected",
          ...sealed,
          token_version: (eb) => eb("erp_connections.token_version", "+", 1),
          connected_by: actor.userId,
          connected_at: now,
          last_error: null,
          updated_at: now,
        }),
      )
      .execute();
    await resumeExports(tx, companyId);
    await recordAudit(tx, {
      companyId,
      actor: { kind: "user", userId: actor.userId },
      action: "erp.connected",
      entityType: "erp_connection",
      entityId: companyId,
      data: { type: QUICKBOOKS_ONLINE_KIND, realmId: q.realmId },
      at: now,
    });
  });
  return { companyId };
}

/** Exports paused for a missing or revoked connection start again (same attempt, same idempotency keys). */
export async function resumeExports(tx: Parameters<typeof enqueue>[0], companyId: string) {
  const waiting = await tx
    .selectFrom("submissions")
    .innerJoin("exports", (j) =>
      j
        .onRef("exports.company_id", "=", "submissions.company_id")
        .onRef("exports.submission_id", "=", "submissions.id"),
    )
    .select(["submissions.id", "exports.attempt"])
    .where("submissions.company_id", "=", companyId)
    .where("submissions.status", "=", "exporting")
    .execute();
  for (const w of waiting) {
    await tx
      .updateTable("exports")
      .set({ waiting_for: null })
      .where("company_id", "=", companyId)
      .where("submission_id", "=", w.id)
      .execute();
    await enqueue(tx, "export_submission", { companyId, submissionId: w.id, attempt: w.attempt });
  }
}

export async function disconnect(ctx: AppContext, actor: Actor, companyId: string) {
  await requireRight(ctx, actor, companyId, "manage_erp");
  const row = await ctx.db
    .selectFrom("erp_connections")
    .select(["type", "status"])
    .where("company_id", "=", companyId)
    .executeTakeFirst();
  if (!row || row.status === "disconnected") throw new AppError("not_connected", "No ERP is connected.");
  // Best effort (revoking tokens at the ERP, say): the connection is cleared here whatever it answers.
  await findErp(row.type)
    ?.beforeDisconnect?.(ctx, companyId)
    .catch(() => {});
  await ctx.db.transaction().execute(async (tx) => {
    await tx
      .updateTable("erp_connections")
      .set({
        status: "disconnected",
        access_token_enc: null,
        refresh_token_enc: null,
        access_token_expires_at: null,
        refresh_token_expires_at: null,
        updated_at: ctx.now(),
      })
      .where("company_id", "=", companyId)
      .execute();
    await recordAudit(tx, {
      companyId,
      actor: { kind: "user", userId: actor.userId },
      action: "erp.disconnected",
      entityType: "erp_connection",
      entityId: companyId,
      data: { type: row.type },
      at: ctx.now(),
    });
  });
}
