-- CUMULATE windows over the whole stream (no key).
SELECT window_start, window_end, COUNT(*) AS n, SUM(amount) AS total
FROM TABLE(CUMULATE(TABLE orders, DESCRIPTOR(ts), INTERVAL '5' MINUTE, INTERVAL '10' MINUTE))
GROUP BY window_start, window_end;
