CREATE TABLE t (a BIGINT) WITH ('connector' = 'filesystem', 'path' = 'x.json', 'format' = 'json');
CREATE TABLE t (b BIGINT) WITH ('connector' = 'print');
