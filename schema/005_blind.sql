-- mcptrace trace DB, schema version 5: connections it could not read.
--
-- A TLS connection of a traced process whose plaintext no hooked TLS
-- library delivered (rustls, Go's crypto/tls, BoringSSL linked into a
-- stripped executable, ...): what the trace is missing, so that an empty
-- trace is never taken for a quiet one. One row per connection; bytes_seen
-- grows until the connection ends.

CREATE TABLE blind_connections (
	id INTEGER PRIMARY KEY,
	run_id INTEGER REFERENCES runs(id),
	pid INTEGER NOT NULL,
	comm TEXT,
	fd INTEGER,
	stream_id INTEGER NOT NULL, -- the kernel's id of the socket stream, unique in a run
	role TEXT CHECK (role IN ('client', 'server')), -- NULL: the handshake was not seen
	local_addr TEXT, -- 'ip:port', '[v6]:port'; NULL if not known
	remote_addr TEXT,
	first_seen_ns INTEGER NOT NULL, -- the first TLS record seen
	bytes_seen INTEGER NOT NULL, -- ciphertext bytes both ways
	why TEXT NOT NULL
);

CREATE UNIQUE INDEX blind_connections_stream ON blind_connections(run_id, stream_id);
