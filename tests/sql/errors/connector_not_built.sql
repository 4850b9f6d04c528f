CREATE TABLE k (a BIGINT) WITH ('connector' = 'kafka', 'topic' = 'x');
SELECT a FROM k;
