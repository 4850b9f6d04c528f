-- final: FULL OUTER join of two changelogs (per-user counts and per-item counts are
-- updated as rows arrive): retractions on both inputs, NULL keys on both sides.
SELECT u.`user`, u.n, i.item, i.total
FROM (SELECT `user`, COUNT(*) AS n FROM orders GROUP BY `user`) u
FULL JOIN (SELECT MAX(`user`) AS usr, item, SUM(amount) AS total FROM orders GROUP BY item) i
ON u.`user` = i.usr;
