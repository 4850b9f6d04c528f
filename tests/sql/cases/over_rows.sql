-- OVER with a ROWS frame: this row and the one before, per user, in event
-- time order; the late row 9 is dropped.
SELECT order_id, `user`, amount,
       SUM(amount) OVER (PARTITION BY `user` ORDER BY ts ROWS BETWEEN 1 PRECEDING AND CURRENT ROW) AS last2
FROM orders;
