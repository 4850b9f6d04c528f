-- A projection over a filtered projection (the planner fuses the calcs).
SELECT order_id, twice + 1 AS t1
FROM (SELECT order_id, amount * 2 AS twice FROM orders WHERE item = 'apple')
WHERE twice > 5;
