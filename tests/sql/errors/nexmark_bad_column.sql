CREATE TABLE bid (auction BIGINT, bidder_id BIGINT) WITH ('connector' = 'nexmark', 'nexmark.table' = 'bid');
SELECT * FROM bid;
