-- examples/clicks.sql - ad impressions and the clicks they led to (an interval
-- join): a click counts for an impression when it comes at most 10 minutes
-- after it.
--
--   build/release/sluice run examples/clicks.sql      (from the repository root)
--
-- Impressions {imp_id, ad, user_id, its} and clicks {click_id, imp_id, cts}
-- come from two JSON-lines files, each out of order by up to a minute (its
-- watermark delay). The join keeps an impression only until the clicks'
-- watermark passes its time + 10 minutes, and a click only until the
-- impressions' watermark passes its time: state stays small however long the
-- streams run. LEFT JOIN: an impression without a click within 10 minutes
-- comes out once, with NULLs, as soon as no click can match it any more.
--
-- What the data shows:
--   - impression 6 is clicked twice (two rows; the second click, c4, arrives
--     before the first, within the delay);
--   - click c3 comes 11.5 minutes after impression 2, c8 before impression 4:
--     neither matches, and impressions 2 and 4 come out without a click;
--   - click c6 is for an impression that does not exist (an inner click
--     without a match is not output);
--   - impression 8 (12:19:30) arrives after impression 7 (12:20:00), within
--     the delay; click c10 (12:02) arrives after the click watermark passed
--     12:24: it is late, dropped and counted, so impression 5 shows no click
--     (the CLI reports "1 late row" on stderr).
-- It prints 9 rows, one JSON line each, in no defined order.

CREATE TABLE impressions (
    imp_id  BIGINT,
    ad      STRING,
    user_id STRING,
    its     TIMESTAMP(3),
    WATERMARK FOR its AS its - INTERVAL '1' MINUTE
) WITH (
    'connector' = 'filesystem',
    'path'      = 'examples/data/impressions.jsonl',
    'format'    = 'json'
);

CREATE TABLE clicks (
    click_id STRING,
    imp_id   BIGINT,
    cts      TIMESTAMP(3),
    WATERMARK FOR cts AS cts - INTERVAL '1' MINUTE
) WITH (
    'connector' = 'filesystem',
    'path'      = 'examples/data/ad_clicks.jsonl',
    'format'    = 'json'
);

CREATE TABLE click_through (
    imp_id      BIGINT,
    ad          STRING,
    user_id     STRING,
    click_id    STRING,
    secs_to_click BIGINT
) WITH (
    'connector' = 'print'
);

INSERT INTO click_through
SELECT i.imp_id, i.ad, i.user_id, c.click_id, TIMESTAMPDIFF(SECOND, i.its, c.cts)
FROM impressions AS i
LEFT JOIN clicks AS c
ON i.imp_id = c.imp_id AND c.cts BETWEEN i.its AND i.its + INTERVAL '10' MINUTE;
