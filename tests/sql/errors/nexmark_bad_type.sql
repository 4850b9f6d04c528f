CREATE TABLE bid (auction BIGINT, price DOUBLE) WITH ('connector' = 'nexmark', 'nexmark.table' = 'bid');
SELECT * FROM bid;
