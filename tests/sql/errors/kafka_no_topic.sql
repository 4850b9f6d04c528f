CREATE TABLE k (a BIGINT) WITH ('connector' = 'kafka', 'properties.bootstrap.servers' = '127.0.0.1:1',
    'scan.startup.mode' = 'earliest-offset', 'format' = 'json');
SELECT a FROM k;
