-- Projection with expressions, CASE, NULLs, a filter. Stateless: the late
-- row 9 passes; the malformed line 10 goes to the dead-letter output.
SELECT order_id, UPPER(`user`) AS u, amount * 2 AS twice,
       CASE WHEN amount > 10 THEN 'big' WHEN amount IS NULL THEN 'unknown' ELSE 'small' END AS size
FROM orders
WHERE item <> 'pear';
