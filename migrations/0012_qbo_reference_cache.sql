-- What QuickBooks Online answered about the records an export refers to, per company (realm), shared by every
-- process: the company setup, customers and jobs, items, the income account, classes, and each estimate as its last
-- write returned it. `cache_key` is how an export finds an entry (by id or by name); `entity_type` and `entity_id`
-- are how a change notice forgets it. Every entry is a hint: a write QuickBooks refuses over it refreshes it.
create table qbo_reference_cache (
  realm_id text not null,
  cache_key text not null,
  entity_type text not null,
  entity_id text,
  sync_token text,
  data jsonb not null,
  stored_at timestamptz not null default now(),
  primary key (realm_id, cache_key)
);

create index qbo_reference_cache_entity on qbo_reference_cache (realm_id, entity_type, entity_id);
