CREATE TABLE bid (auction BIGINT) WITH ('connector' = 'nexmark', 'nexmark.table' = 'bid');
INSERT INTO bid SELECT auction + 1 FROM bid;
