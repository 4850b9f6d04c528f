-- Aggregates with FILTER (WHERE ...): only the rows meeting the condition
-- count (COUNT(*), COUNT(DISTINCT x), SUM, MAX), as in Nexmark q15-q17.
SELECT item,
       COUNT(*) AS n,
       COUNT(*) FILTER (WHERE amount >= 10) AS big,
       COUNT(DISTINCT `user`) FILTER (WHERE amount < 10) AS small_users,
       SUM(amount) FILTER (WHERE `user` = 'U1') AS u1_total,
       MAX(order_id) FILTER (WHERE amount IS NULL) AS null_order
FROM orders GROUP BY item;
