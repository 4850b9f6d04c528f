CREATE TABLE src (a BIGINT) WITH ('connector' = 'datagen', 'number-of-rows' = '3');
CREATE TABLE k (a BIGINT, n BIGINT) WITH ('connector' = 'kafka', 'topic' = 'x',
    'properties.bootstrap.servers' = '127.0.0.1:1', 'format' = 'json');
INSERT INTO k SELECT a, COUNT(*) FROM src GROUP BY a;
