-- QuickBooks Desktop through the Web Connector. The Web Connector pulls: an accepted budget becomes a plan of
-- steps (parent customer, job, items, estimate) kept here until the Web Connector asks for work, one qbXML request
-- per call. Everything a call learns is committed before the call answers, so a cut session or a restart resumes
-- from the database, and a step whose answer never arrived is asked again as a query before anything is added.

-- The Web Connector signs in with a user name that names its company; it is unique across the installation.
create unique index erp_connections_qbwc_username on erp_connections (qbwc_username)
  where qbwc_username is not null;

-- One row per authenticate that succeeded; the ticket itself is never stored, only its hash.
create table qbwc_sessions (
  company_id text not null references companies (id),
  ticket_hash text not null,
  created_at timestamptz not null default now(),
  last_seen_at timestamptz not null default now(),
  expires_at timestamptz not null,
  closed_at timestamptz,
  requests_sent integer not null default 0,
  responses_received integer not null default 0,
  last_error text,
  primary key (company_id, ticket_hash)
);
create index qbwc_sessions_company_created on qbwc_sessions (company_id, created_at desc);

-- One plan per export attempt of a submission: what to write (the export request as the job saw it), what the
-- finished steps learned from QuickBooks (context), and the outcome the export job records.
create table qbwc_plans (
  company_id text not null references companies (id),
  submission_id text not null,
  attempt integer not null check (attempt >= 1),
  status text not null default 'queued' check (status in ('queued', 'done', 'rejected', 'superseded')),
  request jsonb not null,
  context jsonb not null default '{}',
  outcome jsonb,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  finished_at timestamptz,
  primary key (company_id, submission_id, attempt),
  foreign key (company_id, submission_id) references submissions (company_id, id)
);
create index qbwc_plans_open on qbwc_plans (company_id, created_at) where status = 'queued';

-- The steps of a plan, in order. `phase` is what the step asks QuickBooks next (a query, an add, a mod); `status`
-- is queued (waiting for the Web Connector), sent (handed out, answer not yet recorded), done, rejected or
-- cancelled. `request_id` is the qbXML requestID of the request handed out last: an answer carrying any other id
-- is a late duplicate and changes nothing.
create table qbwc_requests (
  company_id text not null,
  submission_id text not null,
  attempt integer not null,
  seq integer not null,
  step text not null,
  phase text not null,
  status text not null default 'queued'
    check (status in ('queued', 'sent', 'done', 'rejected', 'cancelled')),
  state jsonb not null default '{}',
  handed_out integer not null default 0,
  request_id text,
  request_xml text,
  response_xml text,
  status_code text,
  status_message text,
  ticket_hash text,
  sent_at timestamptz,
  answered_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  primary key (company_id, submission_id, attempt, seq),
  foreign key (company_id, submission_id, attempt) references qbwc_plans (company_id, submission_id, attempt)
);
create index qbwc_requests_company_status on qbwc_requests (company_id, status);
create index qbwc_requests_request_id on qbwc_requests (company_id, request_id);
