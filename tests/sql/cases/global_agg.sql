-- Aggregation without GROUP BY: one group.
SELECT COUNT(*) AS n, MAX(amount) AS mx FROM orders WHERE amount > 10;
