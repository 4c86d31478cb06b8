-- mcptrace trace DB, schema version 1.
--
-- Users' SQL reads these tables, so names, types and the meaning of values
-- are a contract: a later step may add tables and columns but never renames
-- or redefines one. tracer/store.c runs each step once, in a transaction it
-- owns, and then sets PRAGMA user_version and application_id itself; steps
-- hold no BEGIN, COMMIT or PRAGMA.
--
-- Times are Unix epoch nanoseconds. Row ids are INTEGER PRIMARY KEY, so
-- they are the rowid and never reused while the row exists.

-- One row per mcptrace invocation that wrote to this DB; a DB can collect
-- several runs.
CREATE TABLE runs (
	id INTEGER PRIMARY KEY,
	started_ns INTEGER NOT NULL,
	ended_ns INTEGER,
	argv TEXT,
	version TEXT,
	-- ring-buffer records the kernel had no room for, over the whole run
	lost_events INTEGER NOT NULL DEFAULT 0,
	lost_bytes INTEGER NOT NULL DEFAULT 0
);

-- Traced processes. The OS reuses pids, so a pid may have several rows even
-- within one run; the newest row (highest id) of a (run_id, pid) is the
-- live one.
CREATE TABLE processes (
	id INTEGER PRIMARY KEY,
	run_id INTEGER REFERENCES runs(id),
	pid INTEGER NOT NULL,
	ppid INTEGER,
	comm TEXT,
	started_ns INTEGER,
	exited_ns INTEGER,
	exit_code INTEGER -- raw wait status; NULL while running
);
CREATE INDEX processes_run_pid ON processes(run_id, pid);

CREATE TABLE sessions (
	id INTEGER PRIMARY KEY,
	run_id INTEGER REFERENCES runs(id),
	transport TEXT NOT NULL CHECK (transport IN ('stdio', 'http', 'sse')),
	tls INTEGER NOT NULL DEFAULT 0 CHECK (tls IN (0, 1)),
	client_pid INTEGER,
	server_pid INTEGER,
	client_name TEXT,
	client_version TEXT,
	server_name TEXT,
	server_version TEXT,
	protocol_version TEXT,
	mcp_session_id TEXT,
	started_ns INTEGER,
	ended_ns INTEGER -- NULL while open
);
CREATE INDEX sessions_run ON sessions(run_id);

-- One row per JSON-RPC message on the wire (a batch gives several rows).
-- messages.call_id and calls.*_msg_id point at each other; the store
-- inserts one side first and fills the other in by update.
CREATE TABLE messages (
	id INTEGER PRIMARY KEY,
	session_id INTEGER NOT NULL REFERENCES sessions(id),
	call_id INTEGER REFERENCES calls(id),
	-- when it was sent: the sender's write if traced, else the receiver's read
	ts_ns INTEGER NOT NULL,
	sent_ns INTEGER,
	recv_ns INTEGER,
	sender_pid INTEGER,
	direction TEXT NOT NULL CHECK (direction IN ('c2s', 's2c')),
	kind TEXT NOT NULL CHECK (kind IN ('request', 'response', 'error', 'notification')),
	-- the id as JSON text, so 1 and "1" differ; NULL for notifications
	rpc_id TEXT,
	-- for responses and errors, the method of their request
	method TEXT,
	-- bytes on the wire, even when body was cut short
	size_bytes INTEGER NOT NULL,
	truncated INTEGER NOT NULL DEFAULT 0 CHECK (truncated IN (0, 1)),
	-- the JSON text; not valid JSON when truncated
	body TEXT
);
CREATE INDEX messages_session ON messages(session_id, ts_ns);
CREATE INDEX messages_call ON messages(call_id);

-- One row per request, with its outcome.
CREATE TABLE calls (
	id INTEGER PRIMARY KEY,
	session_id INTEGER NOT NULL REFERENCES sessions(id),
	rpc_id TEXT,
	direction TEXT NOT NULL CHECK (direction IN ('c2s', 's2c')),
	method TEXT,
	-- tools/call, prompts/get: the name; resources/*: the URI
	target TEXT,
	request_msg_id INTEGER REFERENCES messages(id),
	response_msg_id INTEGER REFERENCES messages(id),
	start_ns INTEGER,
	end_ns INTEGER,
	-- the client's view where the client is traced, else the server's;
	-- NULL when unanswered
	latency_ns INTEGER,
	-- NULL where the server is not traced
	server_latency_ns INTEGER,
	status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'ok', 'error',
		'tool_error', 'cancelled', 'unanswered')),
	error_code INTEGER,
	error_message TEXT
);
CREATE INDEX calls_session ON calls(session_id, start_ns);
CREATE INDEX calls_method_target ON calls(method, target);
CREATE INDEX calls_target ON calls(target);

-- Bytes the tracer knows it did not see: records lost in the ring buffer,
-- or the part of a syscall over --max-msg.
CREATE TABLE losses (
	id INTEGER PRIMARY KEY,
	run_id INTEGER REFERENCES runs(id),
	ts_ns INTEGER,
	pid INTEGER,
	fd INTEGER,
	stream_id INTEGER,
	direction TEXT CHECK (direction IN ('read', 'write')),
	offset INTEGER,
	bytes INTEGER,
	reason TEXT NOT NULL CHECK (reason IN ('ringbuf', 'truncated'))
);

-- Framed text that was not JSON-RPC, kept so nothing vanishes silently.
CREATE TABLE parse_errors (
	id INTEGER PRIMARY KEY,
	run_id INTEGER REFERENCES runs(id),
	ts_ns INTEGER,
	session_id INTEGER REFERENCES sessions(id),
	pid INTEGER,
	fd INTEGER,
	direction TEXT CHECK (direction IN ('read', 'write', 'c2s', 's2c')),
	error TEXT NOT NULL,
	-- the first bytes of the offending text
	excerpt TEXT
);
