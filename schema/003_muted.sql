-- mcptrace trace DB, schema version 3: muting is recorded.
--
-- A stream that carries no JSON-RPC is muted (the kernel stops copying its
-- bytes); a line stream is un-muted at a line that starts like JSON. The
-- bytes skipped while muted are a loss with reason 'muted', so what was
-- not looked at is said, with its size. SQLite cannot change a CHECK
-- constraint in place: the table is rebuilt with its rows.

CREATE TABLE losses_v3 (
	id INTEGER PRIMARY KEY,
	run_id INTEGER REFERENCES runs(id),
	ts_ns INTEGER,
	pid INTEGER,
	fd INTEGER,
	stream_id INTEGER,
	direction TEXT CHECK (direction IN ('read', 'write')),
	offset INTEGER,
	bytes INTEGER,
	reason TEXT NOT NULL CHECK (reason IN ('ringbuf', 'truncated', 'muted'))
);
INSERT INTO losses_v3 SELECT id, run_id, ts_ns, pid, fd, stream_id, direction, offset, bytes, reason
	FROM losses;
DROP TABLE losses;
ALTER TABLE losses_v3 RENAME TO losses;
