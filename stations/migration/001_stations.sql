-- The stations of the last import, in file order (id from 1), with
-- WGS-84 coordinates. The same SQL on SQLite and PostgreSQL: ids are
-- given by the store, never generated.
CREATE TABLE stations (
	id       INTEGER PRIMARY KEY,
	name     TEXT             NOT NULL,
	address  TEXT             NOT NULL,
	area     TEXT             NOT NULL,
	lat      DOUBLE PRECISION NOT NULL,
	lng      DOUBLE PRECISION NOT NULL,
	services TEXT             NOT NULL, -- JSON array of canonical names
	hours    TEXT             NOT NULL, -- 开放时间 as written
	phone    TEXT             NOT NULL
);
-- Every import: when (Unix milliseconds), from which file, how many
-- stations, and the coordinate system they were written in ('' for
-- several). The newest one's id tells a replica whether to reload.
CREATE TABLE station_imports (
	id          INTEGER PRIMARY KEY,
	imported_at BIGINT  NOT NULL,
	source      TEXT    NOT NULL,
	stations    INTEGER NOT NULL,
	crs         TEXT    NOT NULL
);
