/**
 * Seeded data for the benchmarks, written straight into the product's database with set-based SQL: the same seed
 * gives the same companies, amounts and names on every run. Amounts come from PostgreSQL's `hashint4` of the row
 * number plus the seed, so a million lines cost one statement instead of a million round trips.
 */
import { sql } from "kysely";
import type { Db } from "../src/db/database.js";

export const CATEGORIES = [
  { code: "L", name: "Labor" },
  { code: "M", name: "Material" },
  { code: "E", name: "Equipment" },
  { code: "S", name: "Subcontract" },
  { code: "O", name: "Other" },
] as const;

/** Ten cost codes × five categories = the 50 lines of every generated budget. */
export const COST_CODES = [
  ["01-100", "General Requirements"],
  ["02-200", "Site Work"],
  ["03-300", "Cast-in-place concrete"],
  ["04-400", "Masonry"],
  ["05-500", "Structural Steel"],
  ["06-600", "Rough Carpentry"],
  ["07-700", "Roofing"],
  ["08-800", "Doors and Windows"],
  ["09-900", "Painting"],
  ["26-100", "Electrical"],
] as const;

export const LINES_PER_BUDGET = COST_CODES.length * CATEGORIES.length;

/** mulberry32: a tiny deterministic PRNG for names and choices made in JavaScript. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface CompanySpec {
  id: string;
  name: string;
  seed: number;
  defaultParentCustomer?: string;
}

/**
 * A time zone where it is about 10 in the morning now, for companies whose summary hour is 23: the product's own
 * scheduled tick then leaves them alone for hours, and the summary goes out only when the benchmark asks.
 */
export function quietTimeZone(now: Date): string {
  const offset = Math.min(12, Math.max(-14, now.getUTCHours() - 10));
  // Etc/GMT+N is N hours behind UTC (POSIX sign).
  return offset === 0 ? "Etc/GMT" : offset > 0 ? `Etc/GMT+${offset}` : `Etc/GMT${offset}`;
}

export async function insertCompany(db: Db, c: CompanySpec): Promise<void> {
  await db
    .insertInto("companies")
    .values({
      id: c.id,
      name: c.name,
      default_parent_customer: c.defaultParentCustomer ?? null,
      time_zone: quietTimeZone(new Date()),
      daily_summary_hour: 23,
    })
    .execute();
}

/** Users `${prefix}-1…count` in a company with the given ERP Integrations rights. */
export async function insertUsers(
  db: Db,
  companyId: string,
  prefix: string,
  count: number,
  rights: { erp: "none" | "read_only" | "standard" | "admin"; approver: boolean; budget?: "none" | "admin" },
): Promise<string[]> {
  await sql`
    insert into users (id, email, name)
    select ${prefix} || '-' || g, ${prefix} || '-' || g || '@bench.test', 'Bench ' || initcap(${prefix}) || ' ' || g
    from generate_series(1, ${count}::int) g`.execute(db);
  await sql`
    insert into directory_entries (company_id, user_id, erp_integrations, budget, can_push_to_accounting,
                                   send_and_retrieve_budget)
    select ${companyId}, ${prefix} || '-' || g, ${rights.erp}, ${rights.budget ?? "none"}, ${rights.approver},
           ${rights.budget === "admin"}
    from generate_series(1, ${count}::int) g`.execute(db);
  return Array.from({ length: count }, (_, i) => `${prefix}-${i + 1}`);
}

/** The company's cost codes and categories, as the lines of generated budgets use them. */
export async function insertCatalog(db: Db, companyId: string): Promise<void> {
  await db
    .insertInto("cost_codes")
    .values(
      COST_CODES.map(([code, description]) => ({
        company_id: companyId,
        id: `${companyId}-cc-${code}`,
        code,
        description,
      })),
    )
    .execute();
  await db
    .insertInto("categories")
    .values(CATEGORIES.map((c) => ({ company_id: companyId, id: `${companyId}-cat-${c.code}`, ...c })))
    .execute();
}

const STREETS = ["Oak", "Maple", "Cedar", "Harbor", "Mill", "Station", "River", "Granite", "Union", "Summit"];
const KINDS = ["Residence", "Office Park", "Clinic", "School", "Warehouse", "Library", "Depot", "Lofts"];

export interface BudgetsSpec {
  companyId: string;
  seed: number;
  /** Budgets (one project each), each with one submission ready to export. */
  pending: number;
  /** Older submissions per budget already decided (alternately exported and rejected), for history. */
  historyPerBudget?: number;
  /** Also write each budget's own lines (the accept path reads them). */
  withBudgetLines?: boolean;
  submittedBy: string;
  /** Newest submission this long ago; the rest spread back in time from there. */
  newestAgoMinutes?: number;
}

/**
 * Projects, budgets and submissions of 50 lines each. Pending submissions are the newest of their budget; history
 * is interleaved in time with other budgets' pending ones, as years of sending and deciding leave it.
 */
export async function insertBudgets(db: Db, s: BudgetsSpec): Promise<void> {
  const rand = prng(s.seed);
  const names = Array.from(
    { length: Math.min(s.pending, 500) },
    () =>
      `${STREETS[Math.floor(rand() * STREETS.length)]} ${KINDS[Math.floor(rand() * KINDS.length)]} ${Math.floor(rand() * 900) + 100}`,
  );
  const co = s.companyId;
  const history = s.historyPerBudget ?? 0;
  const newest = s.newestAgoMinutes ?? 1;
  await sql`
    insert into projects (company_id, id, number, name)
    select ${co}, ${co} || '-prj-' || g, 'P-' || lpad(g::text, 6, '0'),
           (${names}::text[])[1 + (g - 1) % ${names.length}::int] || ' #' || g
    from generate_series(1, ${s.pending}::int) g`.execute(db);
  await sql`
    insert into budgets (company_id, id, project_id, locked, creator_user_id, version)
    select ${co}, ${co} || '-bud-' || g, ${co} || '-prj-' || g, true, ${s.submittedBy}, 1
    from generate_series(1, ${s.pending}::int) g`.execute(db);
  if (s.withBudgetLines) {
    await sql`
      insert into budget_lines (company_id, id, budget_id, cost_code_id, category_id, original_minor)
      select ${co}, ${co} || '-bl-' || g || '-' || l, ${co} || '-bud-' || g,
             ${co} || '-cc-' || (${COST_CODES.map((c) => c[0])}::text[])[1 + (l - 1) / 5],
             ${co} || '-cat-' || (${CATEGORIES.map((c) => c.code)}::text[])[1 + (l - 1) % 5],
             100000 + abs(hashint4(g * 64 + l + ${s.seed}::int)) % 5000000
      from generate_series(1, ${s.pending}::int) g, generate_series(1, ${LINES_PER_BUDGET}::int) l`.execute(
      db,
    );
  }
  // Submission k of budget g: k = 0 is the pending one, 1…history older decided ones. Submission time steps back
  // budget by budget, so statuses interleave along the time axis.
  await sql`
    with sub as (
      select g, k, ${co} || '-sub-' || g || '-' || k as id,
             now() - make_interval(mins => ${newest}::int + (${s.pending}::int - g) * 3 + k * ${s.pending}::int * 3) as at
      from generate_series(1, ${s.pending}::int) g, generate_series(0, ${history}::int) k
    )
    insert into submissions (company_id, id, budget_id, project_id, status, version, submitted_by, submitted_at,
                             line_count, total_original_minor, total_changes_minor, total_revised_minor,
                             total_delta_minor, decided_by, decided_at, decision_action, reason, exported_at,
                             updated_at)
    select ${co}, sub.id, ${co} || '-bud-' || g, ${co} || '-prj-' || g,
           case when k = 0 then 'ready_to_export' when k % 2 = 1 then 'exported' else 'rejected' end,
           case when k = 0 then 0 else 2 end, ${s.submittedBy}, at, ${LINES_PER_BUDGET}::int, 0, 0, 0, 0,
           case when k = 0 then null else ${s.submittedBy} end,
           case when k = 0 then null else at + interval '1 hour' end,
           case when k = 0 then null when k % 2 = 1 then 'accept' else 'reject' end,
           case when k > 0 and k % 2 = 0 then 'Please split the contingency line.' end,
           case when k > 0 and k % 2 = 1 then at + interval '1 hour' end,
           at
    from sub`.execute(db);
  await sql`
    insert into submission_lines (company_id, submission_id, position, line_id, cost_code, cost_code_description,
                                  category, category_name, original_minor, budget_changes_minor, revised_minor,
                                  previously_exported_minor, delta_minor)
    select ${co}, ${co} || '-sub-' || g || '-' || k, l, ${co} || '-bl-' || g || '-' || l,
           (${COST_CODES.map((c) => c[0])}::text[])[1 + (l - 1) / 5],
           (${COST_CODES.map((c) => c[1])}::text[])[1 + (l - 1) / 5],
           (${CATEGORIES.map((c) => c.code)}::text[])[1 + (l - 1) % 5],
           (${CATEGORIES.map((c) => c.name)}::text[])[1 + (l - 1) % 5],
           o, ch, o + ch, 0, o + ch
    from generate_series(1, ${s.pending}::int) g, generate_series(0, ${history}::int) k,
         generate_series(1, ${LINES_PER_BUDGET}::int) l,
         lateral (select 100000 + abs(hashint4(g * 64 + l + ${s.seed}::int)) % 5000000 as o,
                         (abs(hashint4(g * 64 + l + k + ${s.seed}::int + 7)) % 200000) - 50000 as ch) a`.execute(
    db,
  );
  // Totals follow from the lines, as a real snapshot's do.
  await sql`
    update submissions s set total_original_minor = t.o, total_changes_minor = t.c, total_revised_minor = t.r,
                             total_delta_minor = t.d
    from (select submission_id, sum(original_minor)::bigint o, sum(budget_changes_minor)::bigint c,
                 sum(revised_minor)::bigint r, sum(delta_minor)::bigint d
          from submission_lines where company_id = ${co} group by submission_id) t
    where s.company_id = ${co} and s.id = t.submission_id`.execute(db);
}

const TRADES = ["Drywall", "Electrical", "Plumbing", "Concrete", "Roofing", "Steel", "Glazing", "Painting"];
const SURNAMES = ["Acme", "Harper", "Northwind", "Baxter", "Keystone", "Lindqvist", "Okafor", "Pereira"];

export interface CommitmentsSpec {
  companyId: string;
  seed: number;
  /** Commitments, one per project `${companyId}-prj-${g}`, each with one submission ready to export. */
  count: number;
  /** Create those projects here (a company without budgets); otherwise they are the budgets' projects. */
  newProjects?: boolean;
  /** Older submissions per commitment already decided (exported, rejected or retrieved in turn), for history. */
  historyPerCommitment?: number;
  /** Lines per commitment (cost code × category, at most 50). */
  lines: number;
  /** Vendors the commitments are spread over. */
  vendors: number;
  createdBy: string;
  /** Newest submission this long ago; the rest spread back three minutes apart, like the budgets'. */
  newestAgoMinutes?: number;
}

/**
 * Vendors, approved commitments (subcontracts and purchase orders in turn) with their lines, and submissions that
 * carry them: the pending one is the newest of its commitment, history is interleaved in time with other
 * commitments' pending ones. With the budgets' default times, each commitment submission falls a minute after a
 * budget submission, so the two kinds alternate along the time axis of one company's list.
 */
export async function insertCommitments(db: Db, s: CommitmentsSpec): Promise<void> {
  const co = s.companyId;
  const history = s.historyPerCommitment ?? 0;
  const newest = s.newestAgoMinutes ?? 2;
  const lines = Math.min(s.lines, LINES_PER_BUDGET);
  await sql`
    insert into vendors (company_id, id, name, contact_name, email, city, region, country)
    select ${co}, ${co} || '-ven-' || v,
           (${SURNAMES}::text[])[1 + (v - 1) % ${SURNAMES.length}::int] || ' '
             || (${TRADES}::text[])[1 + (v - 1) / ${SURNAMES.length}::int % ${TRADES.length}::int] || ' ' || v,
           'Estimator ' || v, 'bids' || v || '@vendor.bench.test', 'Springfield', 'IL', 'US'
    from generate_series(1, ${s.vendors}::int) v`.execute(db);
  if (s.newProjects) {
    await sql`
      insert into projects (company_id, id, number, name)
      select ${co}, ${co} || '-prj-' || g, 'P-' || lpad(g::text, 6, '0'), 'Commitment Project #' || g
      from generate_series(1, ${s.count}::int) g`.execute(db);
  }
  await sql`
    insert into commitments (company_id, id, project_id, kind, number, title, vendor_id, status, version, created_by)
    select ${co}, ${co} || '-cmt-' || g, ${co} || '-prj-' || g,
           case when g % 2 = 0 then 'purchase_order' else 'subcontract' end,
           case when g % 2 = 0 then 'PO-' else 'SC-' end || lpad(g::text, 6, '0'),
           (${TRADES}::text[])[1 + g % ${TRADES.length}::int] || ' package',
           ${co} || '-ven-' || (1 + (g - 1) % ${s.vendors}::int), 'approved', 1, ${s.createdBy}
    from generate_series(1, ${s.count}::int) g`.execute(db);
  await sql`
    insert into commitment_lines (company_id, id, commitment_id, cost_code, category, description, original_minor)
    select ${co}, ${co} || '-cml-' || g || '-' || l, ${co} || '-cmt-' || g,
           (${COST_CODES.map((c) => c[0])}::text[])[1 + (l - 1) / 5],
           (${CATEGORIES.map((c) => c.code)}::text[])[1 + (l - 1) % 5],
           'Per drawings and specifications, section ' || l,
           50000 + abs(hashint4(g * 64 + l + ${s.seed}::int + 11)) % 2000000
    from generate_series(1, ${s.count}::int) g, generate_series(1, ${lines}::int) l`.execute(db);
  await sql`
    with sub as (
      select g, k, ${co} || '-csub-' || g || '-' || k as id,
             now() - make_interval(mins => ${newest}::int + (${s.count}::int - g) * 3 + k * ${s.count}::int * 3) as at,
             case when k = 0 then 'ready_to_export'
                  else (array['exported', 'rejected', 'retrieved'])[1 + (g + k) % 3] end as status
      from generate_series(1, ${s.count}::int) g, generate_series(0, ${history}::int) k
    )
    insert into submissions (company_id, id, document_type, commitment_id, budget_id, project_id, status, version,
                             submitted_by, submitted_at, line_count, total_original_minor, total_changes_minor,
                             total_revised_minor, total_delta_minor, decided_by, decided_at, decision_action, reason,
                             exported_at, updated_at)
    select ${co}, sub.id, 'commitment', ${co} || '-cmt-' || g, null, ${co} || '-prj-' || g, status,
           case when k = 0 then 0 else 2 end, ${s.createdBy}, at, ${lines}::int, 0, 0, 0, 0,
           case when k = 0 then null else ${s.createdBy} end,
           case when k = 0 then null else at + interval '1 hour' end,
           case status when 'exported' then 'accept' when 'rejected' then 'reject' when 'retrieved' then 'retrieve' end,
           case when status = 'rejected' then 'Retention terms missing.' end,
           case when status = 'exported' then at + interval '1 hour' end,
           at
    from sub`.execute(db);
  await sql`
    insert into submission_lines (company_id, submission_id, position, line_id, cost_code, cost_code_description,
                                  category, category_name, description, original_minor, budget_changes_minor,
                                  revised_minor, previously_exported_minor, delta_minor)
    select ${co}, ${co} || '-csub-' || g || '-' || k, l, ${co} || '-cml-' || g || '-' || l,
           (${COST_CODES.map((c) => c[0])}::text[])[1 + (l - 1) / 5],
           (${COST_CODES.map((c) => c[1])}::text[])[1 + (l - 1) / 5],
           (${CATEGORIES.map((c) => c.code)}::text[])[1 + (l - 1) % 5],
           (${CATEGORIES.map((c) => c.name)}::text[])[1 + (l - 1) % 5],
           'Per drawings and specifications, section ' || l, o, 0, o, 0, o
    from generate_series(1, ${s.count}::int) g, generate_series(0, ${history}::int) k,
         generate_series(1, ${lines}::int) l,
         lateral (select 50000 + abs(hashint4(g * 64 + l + ${s.seed}::int + 11)) % 2000000 as o) a`.execute(
    db,
  );
  await sql`
    update submissions s set total_original_minor = t.o, total_revised_minor = t.r, total_delta_minor = t.d
    from (select l.submission_id, sum(l.original_minor)::bigint o, sum(l.revised_minor)::bigint r,
                 sum(l.delta_minor)::bigint d
          from submission_lines l
          join submissions c on c.company_id = l.company_id and c.id = l.submission_id
                            and c.document_type = 'commitment'
          where l.company_id = ${co} group by l.submission_id) t
    where s.company_id = ${co} and s.id = t.submission_id`.execute(db);
}
