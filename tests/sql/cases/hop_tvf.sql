-- HOP (sliding) windows with HAVING; row 9 misses the closed window
-- [09:55, 10:05) but still counts in the open [10:00, 10:10).
SELECT item, window_start, window_end, COUNT(*) AS n
FROM TABLE(HOP(TABLE orders, DESCRIPTOR(ts), INTERVAL '5' MINUTE, INTERVAL '10' MINUTE))
GROUP BY item, window_start, window_end
HAVING COUNT(*) >= 2;
