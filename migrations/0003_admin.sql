-- Company administration. The audit log is read newest first (by id) per company, optionally for one actor; the
-- primary key (company_id, id) serves the unfiltered read. Invitations are found per directory entry, to expire
-- an outstanding one when a new one is sent.
create index audit_events_company_actor on audit_events (company_id, actor_user_id, id desc);
create index invitations_user on invitations (company_id, user_id);
