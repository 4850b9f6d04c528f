-- sorted: two branches of one source meet in a union; their order is free.
CREATE VIEW big AS SELECT order_id, item FROM orders WHERE amount >= 20;
WITH small AS (SELECT order_id, item FROM orders WHERE amount < 3)
SELECT * FROM big UNION ALL SELECT * FROM small;
