-- sorted: sessions of different users that close at one watermark come out in no
-- defined order (it depends on how far each watermark step goes).
-- SESSION windows per user with a 2-minute gap: U2's rows 2 and 5 merge;
-- the late row 9 would bridge two closed U1 sessions and is dropped.
SELECT `user`, window_start, window_end, COUNT(*) AS n
FROM TABLE(SESSION(TABLE orders PARTITION BY `user`, DESCRIPTOR(ts), INTERVAL '2' MINUTE))
GROUP BY `user`, window_start, window_end;
