-- Top-2 orders by amount per user, with the row number: a changelog.
SELECT * FROM (
    SELECT order_id, `user`, amount,
           ROW_NUMBER() OVER (PARTITION BY `user` ORDER BY amount DESC) AS rn
    FROM orders)
WHERE rn <= 2;
