CREATE TABLE bid (auction BIGINT) WITH ('connector' = 'nexmark', 'events.num' = '10');
SELECT * FROM bid;
