-- mcptrace trace DB, schema version 7: a process's command line.
--
-- comm is 15 bytes of the executable's name ("node"); which server a
-- process was ("node server.js --port 3000") is its command line, which
-- the audit's "same server" and a reader's "which one was that" need.
-- Read from /proc when mcptrace learns of the process (start, exec,
-- attach): words joined by spaces, at most 4 KiB; NULL when the process
-- was gone by then.

ALTER TABLE processes ADD COLUMN cmdline TEXT;
