-- Whether QuickBooks holds exactly this budget (the domain's "synced" rule: same lines, same revised estimates, no
-- approved change since the last export). Every budget command and every finished export re-derives it, so the
-- projects list can show "synced" without loading each budget; a draft change leaves it alone, as on the budget page.
alter table budgets add column matches_export boolean not null default false;

-- Budgets from before: the list used to judge by timestamps (nothing written to the budget since its last export).
update budgets b
set matches_export = exists (
  select 1 from submissions s
  where s.company_id = b.company_id and s.budget_id = b.id and s.status = 'exported' and s.exported_at >= b.updated_at
);
