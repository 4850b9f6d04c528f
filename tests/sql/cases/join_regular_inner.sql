-- sorted: a regular self-join; the pairs' order depends on how the two inputs interleave.
-- The NULL user (order 7) never matches; the late row 9 is no special case (no time bound).
SELECT a.order_id, b.order_id AS other, a.`user`, a.amount + b.amount AS total
FROM orders a JOIN orders b ON a.`user` = b.`user` AND a.order_id < b.order_id;
