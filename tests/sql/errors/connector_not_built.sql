CREATE TABLE k (a BIGINT) WITH ('connector' = 'upsert-kafka', 'topic' = 'x');
SELECT a FROM k;
