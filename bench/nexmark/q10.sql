-- Nexmark q10: log to the file system: every bid into files partitioned by
-- day and minute. Flink's suite writes a partitioned 'filesystem' table;
-- this writes one CSV file (Sluice's filesystem sink has no PARTITIONED BY),
-- with the partition columns as values. The bench replaces the path.
CREATE TABLE nexmark_q10 (
    auction BIGINT, bidder BIGINT, price BIGINT, dateTime TIMESTAMP(3), extra VARCHAR,
    dt VARCHAR, hm VARCHAR
) WITH ('connector' = 'filesystem', 'path' = '/tmp/sluice-nexmark-q10.csv', 'format' = 'csv');

INSERT INTO nexmark_q10
SELECT auction, bidder, price, dateTime, extra,
       DATE_FORMAT(dateTime, 'yyyy-MM-dd'), DATE_FORMAT(dateTime, 'HH:mm')
FROM bid;
