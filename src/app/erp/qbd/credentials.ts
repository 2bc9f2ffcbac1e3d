import { buildQwc, guidFrom } from "../../../erp/quickbooks-desktop/soap.js";
import { newSecretToken, sha256 } from "../../../lib/ids.js";
import { hashPassword } from "../../../lib/passwords.js";
import { recordAudit } from "../../audit.js";
import type { AppContext } from "../../context.js";
import { AppError, conflict } from "../../errors.js";
import type { Actor } from "../../membership.js";
import { requireRight } from "../../membership.js";
import { resumeExports } from "../connection.js";
import { erpLabel } from "../registry.js";
import { QUICKBOOKS_DESKTOP_KIND } from "./definition.js";

/** Identifies Costbridge to the Web Connector (the same for every installation, as an application id). */
export const QBWC_OWNER_ID = "{6C0F1D2A-3B4E-4F5A-8B6C-7D8E9F0A1B2C}";
/** How often the Web Connector runs us, as proposed in the .qwc file (the user can change it there). */
export const QWC_RUN_EVERY_MINUTES = 5;

function slug(name: string): string {
  return (
    name
      .normalize("NFKD")
      .replace(/[^\w\s-]/g, "")
      .trim()
      .toLowerCase()
      .replace(/[\s_]+/g, "-")
      .replace(/-+/g, "-")
      .slice(0, 30)
      .replace(/-$/, "") || "company"
  );
}

/**
 * Sets the Web Connector password of a company (connecting it to QuickBooks Desktop if it was not connected) and
 * returns the user name. Used by the admin route with a generated password, and by demo seeding.
 */
export async function setWebConnectorPassword(
  ctx: AppContext,
  companyId: string,
  password: string,
  by: { userId: string } | null = null,
): Promise<{ username: string }> {
  const hash = await hashPassword(password);
  const now = ctx.now();
  return ctx.db.transaction().execute(async (tx) => {
    const company = await tx
      .selectFrom("companies")
      .select(["name"])
      .where("id", "=", companyId)
      .executeTakeFirst();
    if (!company) throw new AppError("not_found", "Company was not found.");
    const row = await tx
      .selectFrom("erp_connections")
      .select(["type", "status", "qbwc_username"])
      .where("company_id", "=", companyId)
      .forUpdate()
      .executeTakeFirst();
    if (row && row.type !== QUICKBOOKS_DESKTOP_KIND && row.status !== "disconnected") {
      throw conflict(
        "conflict",
        `This company is connected to ${erpLabel(row.type)}; disconnect it before connecting QuickBooks Desktop.`,
      );
    }
    let username = row?.type === QUICKBOOKS_DESKTOP_KIND ? row.qbwc_username : null;
    if (!username) {
      const base = `${slug(company.name)}-qbwc`;
      const taken = await tx
        .selectFrom("erp_connections")
        .select("company_id")
        .where("qbwc_username", "=", base)
        .executeTakeFirst();
      username = taken ? `${base}-${sha256(companyId).slice(0, 6)}` : base;
    }
    const wasConnected = row?.type === QUICKBOOKS_DESKTOP_KIND && row.status === "connected";
    const values = {
      type: QUICKBOOKS_DESKTOP_KIND,
      status: "connected" as const,
      qbwc_username: username,
      qbwc_password_hash: hash,
      access_token_enc: null,
      refresh_token_enc: null,
      access_token_expires_at: null,
      refresh_token_expires_at: null,
      realm_id: null,
      updated_at: now,
      ...(wasConnected ? {} : { connected_at: now, connected_by: by?.userId ?? null, last_error: null }),
    };
    await tx
      .insertInto("erp_connections")
      .values({ company_id: companyId, ...values })
      .onConflict((oc) => oc.column("company_id").doUpdateSet(values))
      .execute();
    // Sessions signed in with the old password end now.
    await tx
      .updateTable("qbwc_sessions")
      .set({ closed_at: now })
      .where("company_id", "=", companyId)
      .where("closed_at", "is", null)
      .execute();
    if (!wasConnected) await resumeExports(tx, companyId);
    await recordAudit(tx, {
      companyId,
      actor: by ? { kind: "user", userId: by.userId } : { kind: "system" },
      action: "erp.qbwc_password_set",
      entityType: "erp_connection",
      entityId: companyId,
      data: { type: QUICKBOOKS_DESKTOP_KIND, username },
      at: now,
    });
    return { username };
  });
}

/** The admin's "new Web Connector password": generated, shown once. */
export async function resetWebConnectorPassword(
  ctx: AppContext,
  actor: Actor,
  companyId: string,
): Promise<{ username: string; password: string }> {
  await requireRight(ctx, actor, companyId, "manage_erp");
  const password = newSecretToken(18);
  const { username } = await setWebConnectorPassword(ctx, companyId, password, { userId: actor.userId });
  return { username, password };
}

/** The .qwc file for the company's Web Connector user; AppURL is `{PUBLIC_URL}/qbwc`. */
export async function webConnectorFile(
  ctx: AppContext,
  actor: Actor,
  companyId: string,
): Promise<{ filename: string; xml: string }> {
  await requireRight(ctx, actor, companyId, "manage_erp");
  const row = await ctx.db
    .selectFrom("erp_connections")
    .innerJoin("companies", "companies.id", "erp_connections.company_id")
    .select([
      "erp_connections.type",
      "erp_connections.status",
      "erp_connections.qbwc_username",
      "companies.name",
    ])
    .where("erp_connections.company_id", "=", companyId)
    .executeTakeFirst();
  if (row?.type !== QUICKBOOKS_DESKTOP_KIND || row.status === "disconnected" || !row.qbwc_username) {
    throw conflict(
      "not_connected",
      "QuickBooks Desktop is not set up for this company; create a Web Connector password first.",
    );
  }
  const base = ctx.config.publicUrl.replace(/\/+$/, "");
  const xml = buildQwc({
    appName: `Costbridge (${row.name})`.slice(0, 100),
    appUrl: `${base}/qbwc`,
    appSupport: `${base}/`,
    appDescription: "Exports accepted construction budgets to QuickBooks as estimates on the project's job.",
    username: row.qbwc_username,
    ownerId: QBWC_OWNER_ID,
    fileId: guidFrom(sha256(`qbwc-file:${companyId}`)),
    runEveryMinutes: QWC_RUN_EVERY_MINUTES,
  });
  return { filename: `costbridge-${slug(row.name)}.qwc`, xml };
}
