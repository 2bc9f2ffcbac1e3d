-- A budget's estimate in QuickBooks is the one its newest export wrote: each earlier exported submission of the same
-- budget was overwritten by it. `replaced_by` names the export that did, so the Synced list and count show current
-- exports only and the budget's history can mark the older ones "replaced".
alter table submissions add column replaced_by text;

-- Every export, whichever code path finishes it (QuickBooks Online worker, Web Connector), replaces the ones before.
create function submissions_replace_older_exports() returns trigger language plpgsql as $$
begin
  update submissions
  set replaced_by = new.id
  where company_id = new.company_id
    and budget_id = new.budget_id
    and status = 'exported'
    and replaced_by is null
    and id <> new.id;
  return null;
end $$;

create trigger submissions_replace_older_exports after update of status on submissions
  for each row when (new.status = 'exported' and old.status is distinct from new.status)
  execute function submissions_replace_older_exports();

-- Counts key a replaced export as 'replaced', so `exported` counts current exports only.
create or replace function submission_counts_apply() returns trigger language plpgsql as $$
declare
  old_key text;
  new_key text;
begin
  if tg_op in ('UPDATE', 'DELETE') then
    old_key := case when old.status = 'exported' and old.replaced_by is not null then 'replaced' else old.status end;
  end if;
  if tg_op in ('INSERT', 'UPDATE') then
    new_key := case when new.status = 'exported' and new.replaced_by is not null then 'replaced' else new.status end;
  end if;
  if tg_op = 'UPDATE' and old_key = new_key then
    return null;
  end if;
  if old_key is not null then
    update submission_counts set count = count - 1 where company_id = old.company_id and status = old_key;
  end if;
  if new_key is not null then
    insert into submission_counts (company_id, status, count) values (new.company_id, new_key, 1)
      on conflict (company_id, status) do update set count = submission_counts.count + 1;
  end if;
  return null;
end $$;

drop trigger submission_counts_update on submissions;
create trigger submission_counts_update after update of status, replaced_by on submissions
  for each row when (old.status is distinct from new.status or old.replaced_by is distinct from new.replaced_by)
  execute function submission_counts_apply();

-- Exports from before: each budget's newest export replaced the earlier ones (the count trigger moves them).
update submissions s
set replaced_by = newest.id
from (
  select distinct on (company_id, budget_id) company_id, budget_id, id, exported_at
  from submissions
  where status = 'exported'
  order by company_id, budget_id, exported_at desc nulls last, submitted_at desc, id desc
) newest
where s.company_id = newest.company_id
  and s.budget_id = newest.budget_id
  and s.status = 'exported'
  and s.id <> newest.id;
