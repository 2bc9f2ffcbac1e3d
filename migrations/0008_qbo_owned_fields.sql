-- What Costbridge owns on the estimate it last wrote (lines, amounts, job), as a fingerprint: an edit in QuickBooks
-- counts as "changed in QuickBooks" only when it changes these. Null for estimates written before it was recorded.
alter table erp_estimates add column owned_digest text;

-- The currencies the connected QuickBooks Online company can record a transaction in (its home currency and, with
-- multicurrency, its currency list), as last read by an export; null until then. Sending is refused while the
-- company's own currency is not among them.
alter table erp_connections add column erp_currencies text[];

-- Whether the connected QuickBooks Online company numbers its own transactions (custom transaction numbers off):
-- then QuickBooks assigns the estimate number and the preview says so. Null until an export has read it.
alter table erp_connections add column erp_custom_txn_numbers boolean;
