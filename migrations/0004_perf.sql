-- Pacing of QuickBooks Online calls shared by every process, and indexes found by measuring.
--
-- QuickBooks counts requests per company file (realm) and app in sliding windows: 500 a minute, 10 a second and
-- 10 in flight. Every web and worker process talks to the same realms, so the count has to live where they all
-- see it: one row per realm (its lock serialises admissions) and one row per admitted call.

create table qbo_rate_realms (
  realm_id text primary key,
  -- per-realm overrides of the process defaults (null = default), e.g. for a sandbox or an emulator
  per_minute integer check (per_minute > 0),
  per_second integer check (per_second > 0),
  concurrent integer check (concurrent > 0),
  -- after a 429 nothing goes to the realm before this instant
  paused_until timestamptz,
  updated_at timestamptz not null default now()
);

create table qbo_rate_calls (
  realm_id text not null references qbo_rate_realms (realm_id) on delete cascade,
  id bigint generated always as identity,
  -- admitted at; moved to when the answer came back once the call is released
  started_at timestamptz not null,
  -- while the call is in flight: the instant its slot is given back even if its process died; null once released
  lease_until timestamptz,
  primary key (realm_id, id)
);
create index qbo_rate_calls_window on qbo_rate_calls (realm_id, started_at);
create index qbo_rate_calls_in_flight on qbo_rate_calls (realm_id, lease_until) where lease_until is not null;

-- One admission decision in one statement (one round trip): either a call id (admitted, counted from now) or how
-- many milliseconds to wait before asking again. Times come from the database clock so that processes on
-- different hosts agree. A window is counted as "longer than QuickBooks' own" by the caller's margin: our instant
-- is taken before the request travels, QuickBooks' when it arrives, so a call delayed on the way must not make
-- the next ones look early.
create function qbo_rate_acquire(
  p_realm text,
  p_per_minute integer,
  p_per_second integer,
  p_concurrent integer,
  p_minute_ms integer,
  p_second_ms integer,
  p_lease_ms integer
) returns table (call_id bigint, wait_ms integer, reason text)
language plpgsql as $$
declare
  r qbo_rate_realms%rowtype;
  t timestamptz;
  n integer;
  lim integer;
  edge timestamptz;
  minute_w interval := make_interval(secs => p_minute_ms / 1000.0);
  second_w interval := make_interval(secs => p_second_ms / 1000.0);
begin
  select * into r from qbo_rate_realms where realm_id = p_realm for update;
  if not found then
    insert into qbo_rate_realms (realm_id) values (p_realm) on conflict (realm_id) do nothing;
    select * into r from qbo_rate_realms where realm_id = p_realm for update;
  end if;
  -- read after the lock: the wait for it is not part of anyone's window
  t := clock_timestamp();

  if r.paused_until is not null and r.paused_until > t then
    return query select null::bigint, greatest(1, ceil(extract(epoch from r.paused_until - t) * 1000))::integer, 'paused'::text;
    return;
  end if;

  -- calls that left every window a minute ago and hold no slot are of no further use (the extra minute keeps
  -- the recent past readable for anyone checking the pace)
  delete from qbo_rate_calls c
   where c.realm_id = p_realm and c.started_at < t - minute_w - interval '1 minute'
     and (c.lease_until is null or c.lease_until < t);

  lim := coalesce(r.concurrent, p_concurrent);
  select count(*) into n from qbo_rate_calls c where c.realm_id = p_realm and c.lease_until > t;
  if n >= lim then
    -- usually a release comes first (and wakes waiters in its own process); otherwise look again shortly
    select min(c.lease_until) into edge from qbo_rate_calls c where c.realm_id = p_realm and c.lease_until > t;
    return query select null::bigint,
      least(20, greatest(1, ceil(extract(epoch from edge - t) * 1000)))::integer, 'concurrent'::text;
    return;
  end if;

  -- A released call counts from when its answer came back (the latest QuickBooks can have counted it), one in
  -- flight as if it started now: however long a request took to leave or to arrive, QuickBooks never counts it
  -- later than we do.
  lim := coalesce(r.per_second, p_per_second);
  select count(*) into n from qbo_rate_calls c
   where c.realm_id = p_realm and (c.started_at > t - second_w or c.lease_until > t);
  if n >= lim then
    -- a slot frees when the lim-th newest call leaves the window; if that one is still in flight, look again soon
    select case when c.lease_until > t then null else c.started_at end into edge from qbo_rate_calls c
     where c.realm_id = p_realm and (c.started_at > t - second_w or c.lease_until > t)
     order by case when c.lease_until > t then t else c.started_at end desc offset lim - 1 limit 1;
    return query select null::bigint,
      coalesce(greatest(1, ceil(extract(epoch from edge + second_w - t) * 1000))::integer, 20),
      (case when edge is null then 'in_flight' else 'second' end)::text;
    return;
  end if;

  lim := coalesce(r.per_minute, p_per_minute);
  select count(*) into n from qbo_rate_calls c
   where c.realm_id = p_realm and (c.started_at > t - minute_w or c.lease_until > t);
  if n >= lim then
    select case when c.lease_until > t then null else c.started_at end into edge from qbo_rate_calls c
     where c.realm_id = p_realm and (c.started_at > t - minute_w or c.lease_until > t)
     order by case when c.lease_until > t then t else c.started_at end desc offset lim - 1 limit 1;
    return query select null::bigint,
      coalesce(greatest(1, ceil(extract(epoch from edge + minute_w - t) * 1000))::integer, 20),
      (case when edge is null then 'in_flight' else 'minute' end)::text;
    return;
  end if;

  return query
    insert into qbo_rate_calls (realm_id, started_at, lease_until)
    values (p_realm, t, t + make_interval(secs => p_lease_ms / 1000.0))
    returning qbo_rate_calls.id, 0, 'admitted'::text;
end $$;
