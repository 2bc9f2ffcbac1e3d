-- A QuickBooks Online token refresh is single-flight across processes through a short lease on the connection's
-- row, claimed and released in statements of their own: no transaction stays open while Intuit answers, so a
-- refresh token Intuit has issued can be kept by its process and stored once the database answers again.
alter table erp_connections add column token_lease_owner text;
alter table erp_connections add column token_lease_until timestamptz;
