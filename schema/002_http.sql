-- mcptrace trace DB, schema version 2: MCP over HTTP.
--
-- Sessions carry the addresses of their two ends ('ip:port', '[v6]:port',
-- or a unix socket path; NULL when not known), and a call whose HTTP
-- exchange failed carries the HTTP status.

ALTER TABLE sessions ADD COLUMN client_addr TEXT;
ALTER TABLE sessions ADD COLUMN server_addr TEXT;

-- The status of the HTTP response that failed this call (4xx, 5xx); NULL
-- for stdio and for exchanges that succeeded.
ALTER TABLE calls ADD COLUMN http_status INTEGER;

CREATE INDEX sessions_mcp_session_id ON sessions(mcp_session_id);
