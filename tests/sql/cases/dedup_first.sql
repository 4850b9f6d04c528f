-- Deduplication: the first order of each user in event time.
SELECT order_id, `user`, ts FROM (
    SELECT *, ROW_NUMBER() OVER (PARTITION BY `user` ORDER BY ts ASC) AS rn FROM orders)
WHERE rn = 1;
