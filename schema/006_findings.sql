-- mcptrace trace DB, schema version 6: security findings (mcptrace audit).
--
-- `mcptrace audit` reads the trace and writes what it found here, each
-- audit replacing the rows of the one before, in one transaction. A finding
-- names the rule that fired, its severity, and where its evidence is: the
-- session, the message (its row in messages) and the call. Text columns are
-- for people: excerpt is short, has its credentials redacted, and shows
-- invisible characters as <U+XXXX>. fingerprint identifies the finding
-- across DBs (it is made of the rule, the server's name, the tool and what
-- the rule matched, never of row ids), so a baseline of accepted findings
-- (--baseline FILE) still matches in the next trace.

CREATE TABLE findings (
	id INTEGER PRIMARY KEY,
	audited_ns INTEGER NOT NULL, -- when the audit that wrote the row ran
	rule TEXT NOT NULL, -- a stable rule id, e.g. 'secret-in-traffic' (README, Audit)
	severity TEXT NOT NULL CHECK (severity IN ('low', 'medium', 'high')),
	session_id INTEGER REFERENCES sessions(id),
	message_id INTEGER REFERENCES messages(id), -- the evidence
	call_id INTEGER REFERENCES calls(id),
	server_name TEXT,
	server_version TEXT,
	server_command TEXT, -- the server process's name (stdio), when traced
	server_url TEXT, -- http://ip:port (HTTP); the path is not recorded
	tool TEXT, -- the tool, prompt or resource concerned, if any
	excerpt TEXT,
	explanation TEXT NOT NULL, -- one line
	detail TEXT, -- more lines where the rule has them (a definition's diff)
	fingerprint TEXT NOT NULL,
	baselined INTEGER NOT NULL DEFAULT 0 CHECK (baselined IN (0, 1)) -- accepted by --baseline
);
CREATE INDEX findings_rule ON findings(rule, severity);
CREATE INDEX findings_session ON findings(session_id);
