-- Window Top-N: the most ordered item of every 5-minute window (ties: the
-- first item by name).
SELECT * FROM (
    SELECT window_start, window_end, item, n,
           ROW_NUMBER() OVER (PARTITION BY window_start, window_end ORDER BY n DESC, item) AS rn
    FROM (SELECT window_start, window_end, item, COUNT(*) AS n
          FROM TABLE(TUMBLE(TABLE orders, DESCRIPTOR(ts), INTERVAL '5' MINUTE))
          GROUP BY window_start, window_end, item))
WHERE rn <= 1;
