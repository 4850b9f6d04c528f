-- final: LEFT self-join: orders without a later order of the same user come out NULL-padded,
-- and the padded row is retracted (-D) when a match arrives. NULL users never match.
SELECT a.order_id, a.`user`, b.order_id AS next_id, b.item AS next_item
FROM orders a LEFT JOIN orders b ON a.`user` = b.`user` AND a.order_id < b.order_id;
