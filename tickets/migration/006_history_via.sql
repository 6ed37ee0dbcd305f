-- Where each action was taken (web, telegram, cli, system), beside who
-- took it. Rows written before are '': not recorded. The same SQL on
-- SQLite and PostgreSQL; adding a column with a constant default rewrites
-- no row on either.
ALTER TABLE ticket_history ADD COLUMN via TEXT NOT NULL DEFAULT '';
