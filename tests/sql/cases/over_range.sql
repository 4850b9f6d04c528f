-- OVER with a RANGE frame: the last 5 minutes per item.
SELECT order_id, item, COUNT(*) OVER w AS n5, AVG(amount) OVER w AS avg5
FROM orders
WINDOW w AS (PARTITION BY item ORDER BY ts RANGE BETWEEN INTERVAL '5' MINUTE PRECEDING AND CURRENT ROW);
