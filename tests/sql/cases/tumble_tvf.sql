-- TUMBLE window table function; row 9 is late (its window has closed).
SELECT window_start, window_end, `user`, COUNT(*) AS n, SUM(amount) AS total, MAX(item) AS max_item
FROM TABLE(TUMBLE(TABLE orders, DESCRIPTOR(ts), INTERVAL '5' MINUTE))
GROUP BY window_start, window_end, `user`;
