-- Non-windowed GROUP BY: an update changelog; every row counts (no windows,
-- so nothing is late).
SELECT item, COUNT(*) AS n, SUM(amount) AS total FROM orders GROUP BY item;
