-- QuickBooks Online tells Costbridge what changed: webhook deliveries (kept as received, processed by a job) and
-- change data capture (one call per company on a schedule). Both feed the same processing.

-- A webhook delivery as it arrived. The body's hash is unique: a delivery Intuit repeats is stored (and processed)
-- once.
create table qbo_webhook_deliveries (
  id bigint generated always as identity primary key,
  body_sha256 text not null unique,
  body jsonb not null,
  received_at timestamptz not null default now(),
  processed_at timestamptz
);
create index qbo_webhook_deliveries_unprocessed on qbo_webhook_deliveries (id) where processed_at is null;

-- Per QuickBooks company: when a webhook last arrived for it, and the change data capture high-water mark (the
-- newest LastUpdatedTime taken in; the next call asks for changes since then).
create table qbo_realm_sync (
  realm_id text primary key,
  last_webhook_at timestamptz,
  cdc_changed_since timestamptz,
  last_cdc_at timestamptz,
  last_cdc_error text
);

-- The newest change taken in per object: a notification about the same or an older change is a duplicate or came
-- out of order, and changes nothing.
create table qbo_entity_changes (
  realm_id text not null,
  entity text not null,
  entity_id text not null,
  operation text not null,
  last_updated timestamptz not null,
  seen_at timestamptz not null default now(),
  primary key (realm_id, entity, entity_id)
);

-- "Changed in QuickBooks": someone changed what Costbridge owns on the estimate it last wrote for a project (or
-- deleted it). Cleared when an export writes the estimate again.
alter table erp_estimates add column changed_in_erp_at timestamptz;
alter table erp_estimates add column changed_in_erp_version text;

create function erp_estimates_clear_changed() returns trigger language plpgsql as $$
begin
  if new.version is distinct from old.version or new.estimate_id is distinct from old.estimate_id
     or new.submission_id is distinct from old.submission_id then
    new.changed_in_erp_at := null;
    new.changed_in_erp_version := null;
  end if;
  return new;
end $$;

create trigger erp_estimates_clear_changed before update on erp_estimates
  for each row execute function erp_estimates_clear_changed();

create index erp_estimates_by_estimate on erp_estimates (erp_type, estimate_id);
