-- examples/clickstream.sql - user sessions from a clickstream (SESSION window).
--
--   build/release/sluice run examples/clickstream.sql      (from the repository root)
--
-- Clicks {user_id, page, ts} come from a JSON-lines file, out of order by up
-- to 5 minutes (the watermark delay). A user's session ends after 30 minutes
-- without a click; per session the job prints the user, the session's start
-- and end (last click + 30 minutes), the number of clicks and of distinct pages.
--
-- What examples/data/clicks.jsonl (28 clicks) shows:
--   - clicks behind the watermark still count when their session is open
--     (carol 09:30, dave 10:40, alice 11:05);
--   - a late click can bridge two open sessions of a user into one (dave
--     11:00 joins [10:30, 11:10) and [11:12, 11:42));
--   - clicks whose session has already closed are dropped and counted as
--     late (bob 09:50 and carol 10:05): the CLI reports "2 late rows" on stderr.
-- It prints 8 sessions, one JSON line each; the order of sessions of different
-- users that close at the same watermark is not defined.

CREATE TABLE clicks (
    user_id  STRING,
    page     STRING,
    ts       TIMESTAMP(3),
    WATERMARK FOR ts AS ts - INTERVAL '5' MINUTE
) WITH (
    'connector' = 'filesystem',
    'path'      = 'examples/data/clicks.jsonl',
    'format'    = 'json'
);

CREATE TABLE sessions (
    user_id       STRING,
    session_start TIMESTAMP(3),
    session_end   TIMESTAMP(3),
    clicks        BIGINT,
    pages         BIGINT
) WITH (
    'connector' = 'print'
);

INSERT INTO sessions
SELECT user_id, window_start, window_end, COUNT(*), COUNT(DISTINCT page)
FROM TABLE(SESSION(TABLE clicks PARTITION BY user_id, DESCRIPTOR(ts), INTERVAL '30' MINUTE))
GROUP BY user_id, window_start, window_end;
