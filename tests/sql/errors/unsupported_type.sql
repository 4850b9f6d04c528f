CREATE TABLE d (a DATE) WITH ('connector' = 'filesystem', 'path' = 'x.json', 'format' = 'json');
SELECT a FROM d;
