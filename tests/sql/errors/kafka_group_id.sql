CREATE TABLE k (a BIGINT) WITH ('connector' = 'kafka', 'topic' = 'x',
    'properties.bootstrap.servers' = '127.0.0.1:1');
SELECT a FROM k;
