-- mcptrace trace DB, schema version 8: gateways, bridges and proxies.
--
-- A process that is the server of one session and the client of another
-- is a gateway: each hop is a session of its own. A call the gateway makes
-- to serve a call it received (same method and target, same arguments,
-- sent while the inbound call was open, by the same process; one backend
-- call per inbound call) names that inbound call in parent_call_id. A
-- backend session names the inbound session its linked calls all serve in
-- parent_session_id. Both are NULL where there is no gateway.
--
-- The gateway's own time for a linked call is the inbound call's time at
-- the gateway (server_latency_ns, else latency_ns) minus the backend
-- call's latency_ns.

ALTER TABLE calls ADD COLUMN parent_call_id INTEGER REFERENCES calls(id);
ALTER TABLE sessions ADD COLUMN parent_session_id INTEGER REFERENCES sessions(id);

CREATE INDEX calls_parent ON calls(parent_call_id);
