-- Which ERPs exist is the ERP registry's to say, not the schema's: a list of kinds in a CHECK would need a migration
-- for every new ERP. The columns keep a format check (a registry kind is lower_snake_case), so a typo or a label
-- ("QuickBooks Online") written by mistake is still refused by the database.
alter table erp_connections drop constraint erp_connections_type_check;
alter table erp_connections add constraint erp_connections_type_format
  check (type ~ '^[a-z][a-z0-9_]{1,62}$');

alter table exports drop constraint exports_erp_type_check;
alter table exports add constraint exports_erp_type_format
  check (erp_type ~ '^[a-z][a-z0-9_]{1,62}$');

alter table erp_estimates drop constraint erp_estimates_erp_type_check;
alter table erp_estimates add constraint erp_estimates_erp_type_format
  check (erp_type ~ '^[a-z][a-z0-9_]{1,62}$');
