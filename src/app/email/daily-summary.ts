import { sql } from "kysely";
import type { Tx } from "../../db/database.js";
import { decideDailySummary, parseLocalDate } from "../../domain/daily-summary.js";
import { type Level, receivesDailySummary } from "../../domain/permissions.js";
import { enqueueMany } from "../../jobs/catalog.js";
import { newId } from "../../lib/ids.js";
import type {
  DailySummaryCommitmentItem,
  DailySummaryData,
  DailySummaryItem,
} from "../../mail/templates/index.js";
import type { AppContext } from "../context.js";
import { describeCommitment } from "../documents/index.js";
import { AppError, notFound } from "../errors.js";
import { encodePayload } from "./payload.js";

export interface RunDailySummaryOptions {
  /** The instant to decide "today" and "due" at, per company time zone. */
  now: Date;
  /** Summarise this company-local date (`YYYY-MM-DD`) whatever the hour; implies `force`. */
  date?: string;
  /** Only this company; an unknown id is a not_found error. */
  companyId?: string;
  /** Run now even when the company's summary hour has not come yet today. */
  force?: boolean;
}

export function dailySummaryDedupeKey(userId: string, localDate: string): string {
  return `daily-summary:${userId}:${localDate}`;
}

// Rows per INSERT: large enough that a thousand approvers take a couple of round trips, small enough to stay
// far below PostgreSQL's 65,535 bind parameters.
const INSERT_CHUNK = 500;

interface CompanyRow {
  id: string;
  name: string;
  time_zone: string;
  currency: string;
  daily_summary_hour: number;
  /** Budgets and commitments waiting (the trigger-kept counts). */
  waiting_budgets: string | number | bigint | null;
  waiting_commitments: string | number | bigint | null;
}

interface Recipient {
  userId: string;
  email: string;
  name: string;
}

/**
 * Queues the ERP Integrations Daily Summary for every company that is due (or the one asked for): one email per
 * subscribed accounting approver per company-local date, listing every submission ready to export. The outbox's
 * unique (company, dedupe key) makes it exactly once per approver and date however many runs overlap; nothing is
 * queued when nothing waits. Returns how many emails this run queued.
 */
export async function runDailySummary(
  ctx: AppContext,
  opts: RunDailySummaryOptions,
): Promise<{ sent: number }> {
  if (opts.date !== undefined && !parseLocalDate(opts.date).ok) {
    throw new AppError("invalid_input", "The date must be a calendar date written YYYY-MM-DD.", {
      field: "date",
    });
  }
  let query = ctx.db
    .selectFrom("companies")
    .leftJoin("submission_counts as budgets", (j) =>
      j
        .onRef("budgets.company_id", "=", "companies.id")
        .on("budgets.status", "=", "ready_to_export")
        .on("budgets.document_type", "=", "budget"),
    )
    .leftJoin("submission_counts as commitments", (j) =>
      j
        .onRef("commitments.company_id", "=", "companies.id")
        .on("commitments.status", "=", "ready_to_export")
        .on("commitments.document_type", "=", "commitment"),
    )
    .select([
      "companies.id",
      "companies.name",
      "companies.time_zone",
      "companies.currency",
      "companies.daily_summary_hour",
      "budgets.count as waiting_budgets",
      "commitments.count as waiting_commitments",
    ])
    .orderBy("companies.id");
  if (opts.companyId !== undefined) query = query.where("companies.id", "=", opts.companyId);
  const companies = await query.execute();
  if (opts.companyId !== undefined && companies.length === 0) throw notFound("Company");

  let sent = 0;
  for (const company of companies) {
    // The trigger-kept counts spare the scheduled tick a look at every company with nothing waiting.
    if (waiting(company.waiting_budgets) + waiting(company.waiting_commitments) <= 0n) continue;
    const decision = decideDailySummary(opts.now, company.time_zone, company.daily_summary_hour);
    if (!decision.ok) {
      ctx.log.warn({ companyId: company.id, code: decision.error.code }, "daily summary skipped");
      continue;
    }
    const isForced = opts.force === true || opts.date !== undefined;
    if (!isForced && !decision.value.due) continue;
    sent += await summariseCompany(ctx, company, opts.date ?? decision.value.localDate);
  }
  return { sent };
}

function waiting(count: string | number | bigint | null): bigint {
  return count === null ? 0n : BigInt(count);
}

async function summariseCompany(ctx: AppContext, company: CompanyRow, localDate: string): Promise<number> {
  const recipients = await pendingRecipients(ctx, company.id, localDate);
  if (recipients.length === 0) return 0;
  // Each list is read only when its count says something waits (most companies have no commitments waiting).
  const [items, commitments] = await Promise.all([
    waiting(company.waiting_budgets) > 0n ? readyToExport(ctx, company.id) : [],
    waiting(company.waiting_commitments) > 0n ? commitmentsReadyToExport(ctx, company.id) : [],
  ]);
  if (items.length === 0 && commitments.length === 0) return 0;

  const base: Omit<DailySummaryData, "recipientName"> = {
    publicUrl: ctx.config.publicUrl,
    company: { id: company.id, name: company.name, timeZone: company.time_zone, currency: company.currency },
    date: localDate,
    items,
    ...(commitments.length > 0 ? { commitments } : {}),
  };
  let queued = 0;
  await ctx.db.transaction().execute(async (tx) => {
    for (let i = 0; i < recipients.length; i += INSERT_CHUNK) {
      queued += await queueChunk(tx, company.id, localDate, base, recipients.slice(i, i + INSERT_CHUNK));
    }
  });
  if (queued > 0) {
    ctx.log.info({ companyId: company.id, date: localDate, queued }, "daily summary queued");
  }
  return queued;
}

async function queueChunk(
  tx: Tx,
  companyId: string,
  localDate: string,
  base: Omit<DailySummaryData, "recipientName">,
  chunk: Recipient[],
): Promise<number> {
  const inserted = await tx
    .insertInto("email_outbox")
    .values(
      chunk.map((r) => ({
        company_id: companyId,
        id: newId("eml"),
        dedupe_key: dailySummaryDedupeKey(r.userId, localDate),
        template: "daily-summary",
        to_email: r.email,
        payload: encodePayload({ template: "daily-summary", data: { ...base, recipientName: r.name } }),
      })),
    )
    .onConflict((oc) => oc.columns(["company_id", "dedupe_key"]).doNothing())
    .returning("id")
    .execute();
  if (inserted.length === 0) return 0;
  const ids = inserted.map((r) => r.id);
  // One statement for the whole chunk, by the same catalog rules as a single email's job.
  await enqueueMany(
    tx,
    "send_email",
    ids.map((emailId) => ({ companyId, emailId })),
  );
  return ids.length;
}

/** Subscribed approvers who have not yet been queued this date's summary, in a stable order. */
async function pendingRecipients(
  ctx: AppContext,
  companyId: string,
  localDate: string,
): Promise<Recipient[]> {
  const rows = await ctx.db
    .selectFrom("directory_entries as de")
    .innerJoin("users as u", "u.id", "de.user_id")
    .leftJoin("email_outbox as eo", (j) =>
      j
        .onRef("eo.company_id", "=", "de.company_id")
        .on("eo.dedupe_key", "=", sql<string>`'daily-summary:' || de.user_id || ':' || ${localDate}::text`),
    )
    .select([
      "de.user_id",
      "u.email",
      "u.name",
      "de.erp_integrations",
      "de.can_push_to_accounting",
      "de.subscribe_erp_digest",
    ])
    .where("de.company_id", "=", companyId)
    .where("de.active", "=", true)
    .where("u.active", "=", true)
    .where("de.can_push_to_accounting", "=", true)
    .where("de.subscribe_erp_digest", "=", true)
    .where("eo.id", "is", null)
    .orderBy("de.user_id")
    .execute();
  return rows
    .filter((r) =>
      receivesDailySummary({
        erpIntegrations: r.erp_integrations as Level,
        canPushToAccounting: r.can_push_to_accounting,
        subscribeErpDigest: r.subscribe_erp_digest,
      }),
    )
    .map((r) => ({ userId: r.user_id, email: r.email, name: r.name }));
}

async function readyToExport(ctx: AppContext, companyId: string): Promise<DailySummaryItem[]> {
  const rows = await ctx.db
    .selectFrom("submissions as s")
    .innerJoin("projects as p", (j) =>
      j.onRef("p.company_id", "=", "s.company_id").onRef("p.id", "=", "s.project_id"),
    )
    .innerJoin("users as u", "u.id", "s.submitted_by")
    .select([
      "p.id as project_id",
      "p.number",
      "p.name",
      "u.name as sent_by",
      "s.submitted_at",
      "s.line_count",
      "s.total_revised_minor",
      "s.total_delta_minor",
    ])
    .where("s.company_id", "=", companyId)
    .where("s.document_type", "=", "budget")
    .where("s.status", "=", "ready_to_export")
    .orderBy("s.submitted_at")
    .orderBy("s.id")
    .execute();
  return rows.map((r) => ({
    project: { id: r.project_id, number: r.number, name: r.name },
    sentBy: { name: r.sent_by },
    sentAt: r.submitted_at,
    lineCount: r.line_count,
    revisedTotal: BigInt(r.total_revised_minor),
    delta: BigInt(r.total_delta_minor),
  }));
}

/** Commitments waiting for acceptance, oldest send first, named as emails name them. */
async function commitmentsReadyToExport(
  ctx: AppContext,
  companyId: string,
): Promise<DailySummaryCommitmentItem[]> {
  const rows = await ctx.db
    .selectFrom("submissions as s")
    .innerJoin("projects as p", (j) =>
      j.onRef("p.company_id", "=", "s.company_id").onRef("p.id", "=", "s.project_id"),
    )
    .innerJoin("commitments as c", (j) =>
      j.onRef("c.company_id", "=", "s.company_id").onRef("c.id", "=", "s.commitment_id"),
    )
    .innerJoin("vendors as v", (j) =>
      j.onRef("v.company_id", "=", "c.company_id").onRef("v.id", "=", "c.vendor_id"),
    )
    .innerJoin("users as u", "u.id", "s.submitted_by")
    .select([
      "p.id as project_id",
      "p.number",
      "p.name",
      "c.id as commitment_id",
      "c.kind",
      "c.number as commitment_number",
      "c.title",
      "v.name as vendor",
      "u.name as sent_by",
      "s.submitted_at",
      "s.line_count",
      "s.total_revised_minor",
      "s.total_delta_minor",
    ])
    .where("s.company_id", "=", companyId)
    .where("s.document_type", "=", "commitment")
    .where("s.status", "=", "ready_to_export")
    .orderBy("s.submitted_at")
    .orderBy("s.id")
    .execute();
  return rows.map((r) => ({
    project: { id: r.project_id, number: r.number, name: r.name },
    commitment: describeCommitment(
      {
        id: r.commitment_id,
        kind: r.kind as "subcontract" | "purchase_order",
        number: r.commitment_number,
        title: r.title,
      },
      r.vendor,
    ),
    sentBy: { name: r.sent_by },
    sentAt: r.submitted_at,
    lineCount: r.line_count,
    revisedTotal: BigInt(r.total_revised_minor),
    delta: BigInt(r.total_delta_minor),
  }));
}
