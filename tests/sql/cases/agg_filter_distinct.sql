-- Several COUNT(DISTINCT `user`) over one column with different filters
-- (Nexmark q16's shape): they share one distinct set per column in the
-- operator, each counting only the rows its filter accepts; a hand-written
-- CASE WHEN ... THEN `user` END is the same filter. NULL users and NULL
-- amounts (whose filters are NULL, not TRUE) are not counted.
SELECT item,
       COUNT(DISTINCT `user`) AS users,
       COUNT(DISTINCT `user`) FILTER (WHERE amount < 10) AS small_users,
       COUNT(DISTINCT `user`) FILTER (WHERE amount >= 10) AS big_users,
       COUNT(DISTINCT CASE WHEN amount >= 5 THEN `user` END) AS mid_users,
       COUNT(DISTINCT order_id) FILTER (WHERE amount < 10) AS small_orders,
       COUNT(*) FILTER (WHERE amount < 10) AS small_n
FROM orders GROUP BY item;
