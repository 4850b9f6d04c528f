-- The older group window syntax.
SELECT `user`, TUMBLE_START(ts, INTERVAL '5' MINUTE) AS ws, TUMBLE_END(ts, INTERVAL '5' MINUTE) AS we,
       COUNT(*) AS n
FROM orders
GROUP BY TUMBLE(ts, INTERVAL '5' MINUTE), `user`;
