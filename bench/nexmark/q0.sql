-- Nexmark q0: pass-through. Measures the monitoring overhead: every bid is
-- read and written unchanged (the columns of Flink's nexmark_q0 sink).
CREATE TABLE nexmark_q0 (
    auction BIGINT, bidder BIGINT, price BIGINT, dateTime TIMESTAMP(3), extra VARCHAR
) WITH ('connector' = 'blackhole');

INSERT INTO nexmark_q0
SELECT auction, bidder, price, dateTime, extra FROM bid;
