-- sorted: the union's columns take the first branch's names.
SELECT order_id AS a FROM orders WHERE order_id < 3
UNION ALL
SELECT order_id + 100 AS b FROM orders WHERE order_id > 11;
