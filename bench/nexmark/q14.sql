-- Nexmark q14: calculation. Prices converted and filtered, the time of day
-- classified, and a user function counting the 'c's of `extra`. Flink's suite
-- registers count_char as a Java UDF; SQL user functions are not built in
-- Sluice (the C API has them), so the same count is written with built-ins:
-- CHAR_LENGTH(extra) - CHAR_LENGTH(REPLACE(extra, 'c', '')).
CREATE TABLE nexmark_q14 (
    auction BIGINT, bidder BIGINT, price DECIMAL(23, 3), bidTimeType VARCHAR,
    dateTime TIMESTAMP(3), extra VARCHAR, c_counts BIGINT
) WITH ('connector' = 'blackhole');

INSERT INTO nexmark_q14
SELECT auction, bidder, 0.908 * price AS price,
       CASE
           WHEN HOUR(dateTime) >= 8 AND HOUR(dateTime) <= 18 THEN 'dayTime'
           WHEN HOUR(dateTime) <= 6 OR HOUR(dateTime) >= 20 THEN 'nightTime'
           ELSE 'otherTime'
       END AS bidTimeType,
       dateTime, extra,
       CHAR_LENGTH(extra) - CHAR_LENGTH(REPLACE(extra, 'c', '')) AS c_counts
FROM bid
WHERE 0.908 * price > 1000000 AND 0.908 * price < 50000000;
