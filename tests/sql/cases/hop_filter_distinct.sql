-- COUNT DISTINCT under filters in HOP windows: the slices' shared distinct
-- sets are combined at firing (a value counted under one filter in one
-- slice and under another in the next); row 9 is late for [09:55, 10:05).
SELECT window_start, window_end,
       COUNT(DISTINCT `user`) AS users,
       COUNT(DISTINCT `user`) FILTER (WHERE amount < 10) AS small_users,
       COUNT(DISTINCT `user`) FILTER (WHERE amount >= 10) AS big_users,
       COUNT(DISTINCT item) FILTER (WHERE amount >= 10) AS big_items
FROM TABLE(HOP(TABLE orders, DESCRIPTOR(ts), INTERVAL '5' MINUTE, INTERVAL '10' MINUTE))
GROUP BY window_start, window_end;
