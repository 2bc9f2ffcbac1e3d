-- Commitments: subcontracts and purchase orders a company signs with its vendors, per project, with lines by cost
-- code x category and change orders. They go to accounting through the same submissions, lifecycle and exports as
-- budgets; a submission now names which kind of document it carries.

create table vendors (
  company_id text not null references companies (id),
  id text not null,
  name text not null check (length(btrim(name)) between 1 and 100),
  contact_name text check (contact_name is null or length(contact_name) <= 100),
  email text check (email is null or length(email) <= 254),
  phone text check (phone is null or length(phone) <= 30),
  address_line1 text check (address_line1 is null or length(address_line1) <= 200),
  city text check (city is null or length(city) <= 100),
  region text check (region is null or length(region) <= 100),
  postal_code text check (postal_code is null or length(postal_code) <= 30),
  country text check (country is null or length(country) <= 100),
  active boolean not null default true,
  -- the ERP's vendor: linked by an admin in Mappings, or found or created by an export
  erp_vendor_ref text,
  erp_vendor_name text,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  primary key (company_id, id)
);
create unique index vendors_name on vendors (company_id, lower(btrim(name)));

create table commitments (
  company_id text not null,
  id text not null,
  project_id text not null,
  kind text not null check (kind in ('subcontract', 'purchase_order')),
  number text not null check (length(btrim(number)) between 1 and 30),
  title text not null check (length(btrim(title)) between 1 and 200),
  vendor_id text not null,
  status text not null default 'draft' check (status in ('draft', 'out_for_signature', 'approved', 'void')),
  version integer not null default 0,
  created_by text references users (id),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  primary key (company_id, id),
  unique (company_id, project_id, number),
  foreign key (company_id, project_id) references projects (company_id, id),
  foreign key (company_id, vendor_id) references vendors (company_id, id)
);
create index commitments_project on commitments (company_id, project_id, created_at, id);

-- One line per cost code x category. A line a change order introduced has original 0 and names that change order.
create table commitment_lines (
  company_id text not null,
  id text not null,
  commitment_id text not null,
  cost_code text not null,
  category text not null,
  description text not null default '' check (length(description) <= 4000),
  original_minor bigint not null,
  added_by_change_order_id text,
  created_at timestamptz not null default now(),
  primary key (company_id, id),
  unique (company_id, commitment_id, cost_code, category),
  foreign key (company_id, commitment_id) references commitments (company_id, id)
);

create table commitment_change_orders (
  company_id text not null,
  id text not null,
  commitment_id text not null,
  number integer not null,
  title text not null check (length(btrim(title)) between 1 and 200),
  status text not null default 'pending' check (status in ('pending', 'approved', 'rejected')),
  created_by text references users (id),
  created_at timestamptz not null default now(),
  decided_by text references users (id),
  decided_at timestamptz,
  primary key (company_id, id),
  unique (company_id, commitment_id, number),
  foreign key (company_id, commitment_id) references commitments (company_id, id)
);

-- What a change order adds to or takes from a cost code x category of its commitment (a new key adds a line).
create table commitment_change_order_lines (
  company_id text not null,
  change_order_id text not null,
  position integer not null,
  cost_code text not null,
  category text not null,
  description text not null default '' check (length(description) <= 4000),
  amount_minor bigint not null,
  primary key (company_id, change_order_id, position),
  unique (company_id, change_order_id, cost_code, category),
  foreign key (company_id, change_order_id) references commitment_change_orders (company_id, id)
);

alter table companies add column create_missing_vendors boolean not null default true;

-- Submissions carry either a budget or a commitment.
alter table submissions add column document_type text not null default 'budget'
  check (document_type in ('budget', 'commitment'));
alter table submissions add column commitment_id text;
alter table submissions alter column budget_id drop not null;
alter table submissions add constraint submissions_one_document check (
  (document_type = 'budget' and budget_id is not null and commitment_id is null)
  or (document_type = 'commitment' and commitment_id is not null and budget_id is null)
);
alter table submissions add constraint submissions_commitment_fk
  foreign key (company_id, commitment_id) references commitments (company_id, id);
create unique index submissions_one_pending_commitment on submissions (company_id, commitment_id)
  where commitment_id is not null and status in ('ready_to_export', 'exporting', 'failed');
create index submissions_commitment on submissions (company_id, commitment_id, submitted_at desc)
  where commitment_id is not null;
drop index submissions_list;
create index submissions_list on submissions (company_id, document_type, status, submitted_at desc, id desc);

-- A commitment line's own description travels with the snapshot (budgets leave it empty).
alter table submission_lines add column description text not null default '';

-- Counts per kind of document and status.
alter table submission_counts add column document_type text not null default 'budget';
alter table submission_counts drop constraint submission_counts_pkey;
alter table submission_counts add primary key (company_id, document_type, status);

create or replace function submission_counts_apply() returns trigger language plpgsql as $$
begin
  if tg_op in ('UPDATE', 'DELETE') then
    update submission_counts set count = count - 1
      where company_id = old.company_id and document_type = old.document_type and status = old.status;
  end if;
  if tg_op in ('INSERT', 'UPDATE') then
    insert into submission_counts (company_id, document_type, status, count)
      values (new.company_id, new.document_type, new.status, 1)
      on conflict (company_id, document_type, status) do update set count = submission_counts.count + 1;
  end if;
  return null;
end $$;

-- What our last successful export of a commitment wrote: the purchase order to modify in place.
-- (For a commitment's submission, `exports.erp_estimate_id` holds the purchase order's id.)
create table erp_purchase_orders (
  company_id text not null,
  commitment_id text not null,
  erp_type text not null,
  purchase_order_id text not null,
  version text not null,
  vendor_ref text not null,
  job_ref text not null,
  doc_number text not null,
  -- [{lineKey, lineId, amount}]: the ERP's id of each line we wrote
  lines jsonb not null default '[]',
  submission_id text not null,
  updated_at timestamptz not null default now(),
  primary key (company_id, commitment_id, erp_type),
  foreign key (company_id, commitment_id) references commitments (company_id, id)
);
