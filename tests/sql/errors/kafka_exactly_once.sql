CREATE TABLE src (a BIGINT) WITH ('connector' = 'datagen', 'number-of-rows' = '3');
CREATE TABLE k (a BIGINT) WITH ('connector' = 'kafka', 'topic' = 'x',
    'properties.bootstrap.servers' = '127.0.0.1:1', 'format' = 'json',
    'sink.delivery-guarantee' = 'exactly-once');
INSERT INTO k SELECT a FROM src;
