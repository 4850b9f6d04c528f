CREATE TABLE f (a BIGINT) WITH ('connector' = 'filesystem', 'path' = 'x.json', 'format' = 'json', 'pth' = 'y');
SELECT a FROM f;
