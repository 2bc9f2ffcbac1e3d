-- Counts per kind of document keep 0009's rule that a replaced export is counted as 'replaced', not 'exported';
-- and a commitment's newest export replaces its earlier ones as a budget's does (its purchase order was modified
-- in place), so the Synced list and count show current exports only for both.
create or replace function submissions_replace_older_exports() returns trigger language plpgsql as $$
begin
  update submissions
  set replaced_by = new.id
  where company_id = new.company_id
    and document_type = new.document_type
    and (
      (new.document_type = 'budget' and budget_id = new.budget_id)
      or (new.document_type = 'commitment' and commitment_id = new.commitment_id)
    )
    and status = 'exported'
    and replaced_by is null
    and id <> new.id;
  return null;
end $$;

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
    update submission_counts set count = count - 1
      where company_id = old.company_id and document_type = old.document_type and status = old_key;
  end if;
  if new_key is not null then
    insert into submission_counts (company_id, document_type, status, count)
      values (new.company_id, new.document_type, new_key, 1)
      on conflict (company_id, document_type, status) do update set count = submission_counts.count + 1;
  end if;
  return null;
end $$;

-- Commitments exported before this: each one's newest export replaced the earlier ones.
update submissions s
set replaced_by = newest.id
from (
  select distinct on (company_id, commitment_id) company_id, commitment_id, id
  from submissions
  where status = 'exported' and commitment_id is not null
  order by company_id, commitment_id, exported_at desc nulls last, submitted_at desc, id desc
) newest
where s.company_id = newest.company_id
  and s.commitment_id = newest.commitment_id
  and s.status = 'exported'
  and s.id <> newest.id;

-- Counts taken again from the rows, so any count kept while 0014's function ran is right.
delete from submission_counts;
insert into submission_counts (company_id, document_type, status, count)
select company_id, document_type,
       case when status = 'exported' and replaced_by is not null then 'replaced' else status end,
       count(*)
from submissions
group by 1, 2, 3;
