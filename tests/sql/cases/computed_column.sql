-- A computed event-time column from epoch milliseconds, CSV with a header.
CREATE TABLE clicks (
    `user` STRING,
    url STRING,
    epoch_ms BIGINT,
    ts AS TO_TIMESTAMP_LTZ(epoch_ms, 3),
    WATERMARK FOR ts AS ts - INTERVAL '1' SECOND
) WITH ('connector' = 'filesystem', 'path' = 'data/clicks.csv', 'format' = 'csv', 'csv.header' = 'true');

SELECT `user`, COUNT(*) AS clicks, window_start
FROM TABLE(TUMBLE(TABLE clicks, DESCRIPTOR(ts), INTERVAL '1' MINUTE))
GROUP BY `user`, window_start, window_end;
