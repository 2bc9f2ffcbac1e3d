-- What Costbridge last wrote on the estimate, as QuickBooks returned it after the write: the job and the lines (item,
-- description, amount). On a re-send, an edit made in QuickBooks counts as "changed in QuickBooks" only when it
-- changes these; a memo, address or date edited there is the bookkeeper's. Null for estimates written before.
alter table erp_estimates add column written_owned jsonb;
