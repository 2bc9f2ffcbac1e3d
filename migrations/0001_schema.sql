-- Costbridge schema. Every tenant-owned table carries company_id and leads its keys with it, and no query joins
-- across companies, so the schema can be distributed by tenant without a rewrite. Money is bigint minor units.

create table companies (
  id text primary key,
  name text not null check (length(btrim(name)) between 1 and 200),
  time_zone text not null default 'America/New_York',
  currency text not null default 'USD' check (currency ~ '^[A-Z]{3}$'),
  daily_summary_hour smallint not null default 7 check (daily_summary_hour between 0 and 23),
  create_missing_items boolean not null default true,
  default_parent_customer text,
  estimate_mode text not null default 'update_in_place'
    check (estimate_mode in ('update_in_place', 'new_estimate_per_submission')),
  separation_of_duties boolean not null default false,
  notify_approvers_on_send boolean not null default false,
  self_service_approver_grants boolean not null default false,
  use_classes boolean not null default false,
  created_at timestamptz not null default now()
);

create table users (
  id text primary key,
  email text not null,
  name text not null,
  password_hash text,
  active boolean not null default true,
  created_at timestamptz not null default now()
);
create unique index users_email_key on users (lower(email));

create table auth_tokens (
  id text primary key,
  user_id text not null references users (id),
  token_hash text not null unique,
  kind text not null check (kind in ('bearer', 'session')),
  csrf_token text,
  created_at timestamptz not null default now(),
  expires_at timestamptz not null,
  revoked_at timestamptz,
  last_used_at timestamptz
);
create index auth_tokens_user on auth_tokens (user_id);

create table sign_in_failures (
  key text not null,
  at timestamptz not null default now()
);
create index sign_in_failures_key_at on sign_in_failures (key, at);

create table directory_entries (
  company_id text not null references companies (id),
  user_id text not null references users (id),
  erp_integrations text not null default 'none' check (erp_integrations in ('none', 'read_only', 'standard', 'admin')),
  directory text not null default 'none' check (directory in ('none', 'read_only', 'standard', 'admin')),
  budget text not null default 'none' check (budget in ('none', 'read_only', 'standard', 'admin')),
  lock_budget boolean not null default false,
  send_and_retrieve_budget boolean not null default false,
  can_push_to_accounting boolean not null default false,
  subscribe_erp_digest boolean not null default true,
  active boolean not null default true,
  created_at timestamptz not null default now(),
  primary key (company_id, user_id)
);
create index directory_entries_user on directory_entries (user_id);

create table invitations (
  company_id text not null references companies (id),
  id text not null,
  token_hash text not null unique,
  user_id text not null references users (id),
  invited_by text references users (id),
  expires_at timestamptz not null,
  accepted_at timestamptz,
  created_at timestamptz not null default now(),
  primary key (company_id, id)
);

create table projects (
  company_id text not null references companies (id),
  id text not null,
  number text not null check (length(btrim(number)) between 1 and 30),
  name text not null check (length(btrim(name)) between 1 and 200),
  budget_tool_active boolean not null default true,
  erp_job_ref text,
  erp_job_name text,
  erp_parent_customer_ref text,
  erp_parent_customer_name text,
  created_at timestamptz not null default now(),
  primary key (company_id, id),
  unique (company_id, number)
);

create table project_permissions (
  company_id text not null,
  project_id text not null,
  user_id text not null references users (id),
  budget text not null check (budget in ('none', 'read_only', 'standard', 'admin')),
  lock_budget boolean not null default false,
  send_and_retrieve_budget boolean not null default false,
  primary key (company_id, project_id, user_id),
  foreign key (company_id, project_id) references projects (company_id, id)
);

create table cost_codes (
  company_id text not null references companies (id),
  id text not null,
  code text not null check (length(btrim(code)) between 1 and 30),
  description text not null default '',
  active boolean not null default true,
  erp_item_ref text,
  erp_item_name text,
  created_at timestamptz not null default now(),
  primary key (company_id, id),
  unique (company_id, code)
);

create table categories (
  company_id text not null references companies (id),
  id text not null,
  code text not null check (length(btrim(code)) between 1 and 10),
  name text not null check (length(btrim(name)) between 1 and 100),
  erp_class_ref text,
  created_at timestamptz not null default now(),
  primary key (company_id, id),
  unique (company_id, code)
);

create table budgets (
  company_id text not null,
  id text not null,
  project_id text not null,
  locked boolean not null default false,
  creator_user_id text references users (id),
  version integer not null default 0,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  primary key (company_id, id),
  unique (company_id, project_id),
  foreign key (company_id, project_id) references projects (company_id, id)
);

create table budget_lines (
  company_id text not null,
  id text not null,
  budget_id text not null,
  cost_code_id text not null,
  category_id text not null,
  original_minor bigint not null check (original_minor between -99999999999999 and 99999999999999),
  added_after_lock boolean not null default false,
  position serial,
  created_at timestamptz not null default now(),
  primary key (company_id, id),
  unique (company_id, budget_id, cost_code_id, category_id),
  foreign key (company_id, budget_id) references budgets (company_id, id),
  foreign key (company_id, cost_code_id) references cost_codes (company_id, id),
  foreign key (company_id, category_id) references categories (company_id, id)
);

create table budget_changes (
  company_id text not null,
  id text not null,
  budget_id text not null,
  number integer not null,
  description text not null,
  status text not null default 'draft' check (status in ('draft', 'approved', 'void')),
  created_by text references users (id),
  created_at timestamptz not null default now(),
  decided_by text references users (id),
  decided_at timestamptz,
  primary key (company_id, id),
  unique (company_id, budget_id, number),
  foreign key (company_id, budget_id) references budgets (company_id, id)
);

create table budget_change_adjustments (
  company_id text not null,
  change_id text not null,
  line_id text not null,
  amount_minor bigint not null check (amount_minor between -99999999999999 and 99999999999999),
  primary key (company_id, change_id, line_id),
  foreign key (company_id, change_id) references budget_changes (company_id, id) on delete cascade,
  foreign key (company_id, line_id) references budget_lines (company_id, id)
);

create table submissions (
  company_id text not null,
  id text not null,
  budget_id text not null,
  project_id text not null,
  status text not null
    check (status in ('ready_to_export', 'retrieved', 'exporting', 'rejected', 'exported', 'failed')),
  version integer not null default 0,
  submitted_by text not null references users (id),
  submitted_at timestamptz not null default now(),
  line_count integer not null,
  total_original_minor bigint not null,
  total_changes_minor bigint not null,
  total_revised_minor bigint not null,
  total_delta_minor bigint not null,
  -- the approved budget changes this snapshot includes: they become immutable once it is exported
  change_ids text[] not null default '{}',
  decided_by text references users (id),
  decided_at timestamptz,
  decision_action text check (decision_action in ('accept', 'reject', 'retrieve')),
  reason text check (reason is null or length(reason) <= 2000),
  accepted_by text references users (id),
  exported_at timestamptz,
  updated_at timestamptz not null default now(),
  primary key (company_id, id),
  foreign key (company_id, budget_id) references budgets (company_id, id),
  foreign key (company_id, project_id) references projects (company_id, id)
);
create index submissions_list on submissions (company_id, status, submitted_at desc, id desc);
create index submissions_budget on submissions (company_id, budget_id, submitted_at desc);
-- at most one pending submission per budget: the database itself refuses a second concurrent send
create unique index submissions_one_pending on submissions (company_id, budget_id)
  where status in ('ready_to_export', 'exporting', 'failed');

create table submission_lines (
  company_id text not null,
  submission_id text not null,
  position integer not null,
  line_id text not null,
  cost_code text not null,
  cost_code_description text not null,
  category text not null,
  category_name text not null,
  original_minor bigint not null,
  budget_changes_minor bigint not null,
  revised_minor bigint not null,
  previously_exported_minor bigint not null,
  delta_minor bigint not null,
  primary key (company_id, submission_id, position),
  foreign key (company_id, submission_id) references submissions (company_id, id)
);

-- counts per status without scanning: kept by trigger, read by the ERP Integrations side pane
create table submission_counts (
  company_id text not null,
  status text not null,
  count bigint not null default 0,
  primary key (company_id, status)
);

create function submission_counts_apply() returns trigger language plpgsql as $$
begin
  if tg_op in ('UPDATE', 'DELETE') then
    update submission_counts set count = count - 1 where company_id = old.company_id and status = old.status;
  end if;
  if tg_op in ('INSERT', 'UPDATE') then
    insert into submission_counts (company_id, status, count) values (new.company_id, new.status, 1)
      on conflict (company_id, status) do update set count = submission_counts.count + 1;
  end if;
  return null;
end $$;

create trigger submission_counts_insert after insert or delete on submissions
  for each row execute function submission_counts_apply();
create trigger submission_counts_update after update of status on submissions
  for each row when (old.status is distinct from new.status) execute function submission_counts_apply();

create table exports (
  company_id text not null,
  submission_id text not null,
  erp_type text not null check (erp_type in ('quickbooks_online', 'quickbooks_desktop')),
  attempt integer not null default 1,
  overwrite_changed_in_erp boolean not null default false,
  tries integer not null default 0,
  first_failure_at timestamptz,
  next_try_at timestamptz,
  waiting_for text,
  last_error_code text,
  last_error_message text,
  last_error_remedy text,
  erp_estimate_id text,
  erp_version text,
  erp_job_ref text,
  erp_doc_number text,
  confirmed_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  primary key (company_id, submission_id),
  foreign key (company_id, submission_id) references submissions (company_id, id)
);

create table export_attempts (
  company_id text not null,
  submission_id text not null,
  attempt integer not null,
  started_by text references users (id),
  started_at timestamptz not null default now(),
  finished_at timestamptz,
  outcome text check (outcome in ('done', 'rejected', 'retrying', 'reconnect_needed')),
  error_code text,
  error_message text,
  primary key (company_id, submission_id, attempt),
  foreign key (company_id, submission_id) references submissions (company_id, id)
);

-- what our last successful export wrote for a project: the estimate to update in place and its version
create table erp_estimates (
  company_id text not null,
  project_id text not null,
  erp_type text not null check (erp_type in ('quickbooks_online', 'quickbooks_desktop')),
  estimate_id text not null,
  version text not null,
  job_ref text not null,
  doc_number text not null,
  submission_id text not null,
  updated_at timestamptz not null default now(),
  primary key (company_id, project_id, erp_type),
  foreign key (company_id, project_id) references projects (company_id, id)
);

create table erp_connections (
  company_id text primary key references companies (id),
  type text not null check (type in ('quickbooks_online', 'quickbooks_desktop')),
  status text not null default 'connected' check (status in ('connected', 'reconnect_needed', 'disconnected')),
  realm_id text,
  company_name text,
  access_token_enc text,
  access_token_expires_at timestamptz,
  refresh_token_enc text,
  refresh_token_expires_at timestamptz,
  token_version integer not null default 0,
  qbwc_username text,
  qbwc_password_hash text,
  qbwc_last_poll_at timestamptz,
  last_error text,
  connected_by text references users (id),
  connected_at timestamptz,
  updated_at timestamptz not null default now()
);

create table oauth_states (
  company_id text not null references companies (id),
  state_hash text not null,
  user_id text not null references users (id),
  expires_at timestamptz not null,
  used_at timestamptz,
  primary key (company_id, state_hash)
);

create table audit_events (
  company_id text not null references companies (id),
  id bigserial,
  at timestamptz not null default now(),
  actor_kind text not null check (actor_kind in ('user', 'operator', 'system')),
  actor_user_id text references users (id),
  action text not null,
  entity_type text not null,
  entity_id text not null,
  data jsonb not null default '{}',
  primary key (company_id, id)
);
create index audit_events_company_at on audit_events (company_id, at desc, id desc);
create index audit_events_entity on audit_events (company_id, entity_type, entity_id);

create table email_outbox (
  company_id text not null references companies (id),
  id text not null,
  dedupe_key text not null,
  template text not null,
  to_email text not null,
  payload jsonb not null,
  status text not null default 'queued' check (status in ('queued', 'sent', 'failed')),
  tries integer not null default 0,
  last_error text,
  created_at timestamptz not null default now(),
  sent_at timestamptz,
  primary key (company_id, id),
  unique (company_id, dedupe_key)
);
create index email_outbox_company on email_outbox (company_id, created_at desc);

create table demo_mailbox (
  id bigserial primary key,
  message_id text,
  from_address text not null,
  to_addresses text[] not null,
  subject text not null,
  html text not null,
  text_body text not null,
  received_at timestamptz not null default now()
);

create table worker_instances (
  instance_id text primary key,
  pool_id text,
  pid integer,
  heartbeat_at timestamptz not null default now()
);

create table settings_kv (
  key text primary key,
  value text not null
);
