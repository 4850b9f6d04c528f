CREATE TABLE bid (auction BIGINT) WITH ('connector' = 'nexmark', 'nexmark.table' = 'bid',
    'rate.shape' = 'SINE');
SELECT * FROM bid;
