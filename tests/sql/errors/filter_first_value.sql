-- FILTER on an aggregate that does not skip NULLs is refused.
CREATE TABLE t (a BIGINT, b BIGINT) WITH ('connector' = 'datagen', 'number-of-rows' = '3');
SELECT FIRST_VALUE(a) FILTER (WHERE b > 0) FROM t;
