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
