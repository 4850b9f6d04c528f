CREATE TABLE bid (auction BIGINT) WITH ('connector' = 'nexmark', 'nexmark.table' = 'bid',
    'events.num' = 'many');
SELECT * FROM bid;
