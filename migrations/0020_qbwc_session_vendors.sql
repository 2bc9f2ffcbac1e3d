-- A Web Connector session also remembers the vendors QuickBooks Desktop returned (to a VendorQuery or to our own
-- VendorAdd), so a second commitment to the same vendor in one session does not ask for it again. Same rules as the
-- other lists: dropped with the session, forgotten when QuickBooks refuses a remembered vendor.
alter table qbwc_session_lookups drop constraint qbwc_session_lookups_list_check;
alter table qbwc_session_lookups add constraint qbwc_session_lookups_list_check
  check (list in ('customer', 'item', 'income_account', 'estimate', 'vendor'));
