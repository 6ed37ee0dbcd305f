-- Ticket kinds (demand, report, suggestion), the verdict staff give on a
-- report or suggestion, coordinates, duplicate flags and photos. The same
-- SQL on SQLite and PostgreSQL; tickets filed before are demands.

ALTER TABLE tickets ADD COLUMN kind TEXT NOT NULL DEFAULT 'demand'
	CHECK (kind IN ('demand', 'report', 'suggestion'));
ALTER TABLE tickets ADD COLUMN outcome TEXT NOT NULL DEFAULT ''
	CHECK (outcome IN ('', 'verified', 'adopted', 'partly_adopted', 'rejected'));
ALTER TABLE tickets ADD COLUMN verified_at BIGINT;
-- WGS-84 degrees; both set or neither.
ALTER TABLE tickets ADD COLUMN lat DOUBLE PRECISION CHECK (lat BETWEEN -90 AND 90);
ALTER TABLE tickets ADD COLUMN lng DOUBLE PRECISION CHECK (lng BETWEEN -180 AND 180);
-- Numbers of open reports nearby when this one was filed, comma-separated.
ALTER TABLE tickets ADD COLUMN possible_duplicates TEXT NOT NULL DEFAULT '';

-- Duplicate reports are looked for in a bounding box: same category,
-- latitude range, then longitude.
CREATE INDEX tickets_reports_near ON tickets (category, lat, lng)
	WHERE kind = 'report' AND lat IS NOT NULL;

-- Statistics count reports and suggestions from this index alone (a
-- tenth of the rows or so), beside the scan of all tickets (stats.go).
CREATE INDEX tickets_judged ON tickets (created_at, department, kind, outcome, resolved_at)
	WHERE kind <> 'demand';

-- A ticket's photos, in order; the bytes are files named by sha256 in the
-- data directory.
CREATE TABLE ticket_attachments (
	ticket_id BIGINT  NOT NULL REFERENCES tickets (id),
	position  INTEGER NOT NULL CHECK (position BETWEEN 1 AND 5),
	name      TEXT    NOT NULL,
	size      BIGINT  NOT NULL CHECK (size > 0),
	sha256    TEXT    NOT NULL CHECK (length(sha256) = 64),
	mime      TEXT    NOT NULL DEFAULT '',
	PRIMARY KEY (ticket_id, position)
);
