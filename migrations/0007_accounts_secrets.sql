-- Invitation links in the email outbox: the token is now stored sealed with the installation's secret key until the
-- email is sent, and removed once it is. Rows written before kept it in plain text; it goes now. An invitation still
-- waiting to be sent cannot be rendered without it: it is marked failed, and the admin sends a new invitation.
update email_outbox
set payload = payload #- '{data,token}',
    status = case when status = 'queued' then 'failed' else status end,
    last_error = case
      when status = 'queued' then 'The invitation link was removed from the outbox; send a new invitation.'
      else last_error
    end
where payload -> 'data' ? 'token';

-- When the person joined the company (accepted its invitation or signed in after being added). A company sees
-- someone it added as invited until then, whether or not the address already had an account elsewhere: adding an
-- address tells the adding company nothing about the account behind it. Entries written before joined already.
alter table directory_entries add column joined_at timestamptz default now();
update directory_entries set joined_at = null
where user_id in (select id from users where password_hash is null);
