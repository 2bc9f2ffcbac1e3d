-- What one Web Connector session learned from QuickBooks Desktop: customers and jobs, service items, the income
-- account and the estimates QuickBooks returned to a look-up or to our own write. The next submission of the same
-- session uses them instead of asking again; a new session (a new ticket) starts with nothing, since the company
-- file may have been changed between runs. Dropped when the session closes or expires.
create table qbwc_session_lookups (
  company_id text not null,
  ticket_hash text not null,
  list text not null check (list in ('customer', 'item', 'income_account', 'estimate')),
  -- ListID, or TxnID for an estimate.
  id text not null,
  -- The full name in lower case (QuickBooks compares names without regard to case); null for estimates.
  name_key text,
  answer jsonb not null,
  learned_at timestamptz not null default now(),
  primary key (company_id, ticket_hash, list, id),
  foreign key (company_id, ticket_hash) references qbwc_sessions (company_id, ticket_hash) on delete cascade
);
create index qbwc_session_lookups_name on qbwc_session_lookups (company_id, ticket_hash, list, name_key);
