-- mcptrace trace DB, schema version 4: MCP 2026-07-28 multi-round calls.
--
-- A 2026-07-28 server may answer a request with resultType
-- "input_required": it needs input (an elicitation, a sampling, the roots)
-- before it can answer, and the client asks again with a new request that
-- carries the answers. Each round is a call; calls.status gains
-- 'input_required' for a round that ended so, and the round that
-- continues it names it in previous_round_id (NULL for a first round and
-- for every call of the earlier revisions).
--
-- SQLite cannot change a CHECK constraint in place, so calls is rebuilt
-- under its own name (https://sqlite.org/lang_altertable.html, "making
-- other kinds of table schema changes"); rows, ids and indexes stay.

CREATE TABLE calls_v4 (
	id INTEGER PRIMARY KEY,
	session_id INTEGER NOT NULL REFERENCES sessions(id),
	rpc_id TEXT,
	direction TEXT NOT NULL CHECK (direction IN ('c2s', 's2c')),
	method TEXT,
	target TEXT,
	request_msg_id INTEGER REFERENCES messages(id),
	response_msg_id INTEGER REFERENCES messages(id),
	start_ns INTEGER,
	end_ns INTEGER,
	latency_ns INTEGER,
	server_latency_ns INTEGER,
	status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'ok', 'error',
		'tool_error', 'cancelled', 'unanswered', 'input_required')),
	error_code INTEGER,
	error_message TEXT,
	http_status INTEGER,
	-- the round this request continues (its inputResponses answer that
	-- round's inputRequests); NULL for a first round
	previous_round_id INTEGER REFERENCES calls(id)
);
INSERT INTO calls_v4 (id, session_id, rpc_id, direction, method, target, request_msg_id,
		      response_msg_id, start_ns, end_ns, latency_ns, server_latency_ns, status,
		      error_code, error_message, http_status)
	SELECT id, session_id, rpc_id, direction, method, target, request_msg_id,
	       response_msg_id, start_ns, end_ns, latency_ns, server_latency_ns, status,
	       error_code, error_message, http_status FROM calls;
DROP TABLE calls;
ALTER TABLE calls_v4 RENAME TO calls;
CREATE INDEX calls_session ON calls(session_id, start_ns);
CREATE INDEX calls_method_target ON calls(method, target);
CREATE INDEX calls_target ON calls(target);
CREATE INDEX calls_previous_round ON calls(previous_round_id);
