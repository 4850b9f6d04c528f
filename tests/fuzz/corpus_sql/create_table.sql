CREATE TABLE orders (
  order_id BIGINT PRIMARY KEY NOT ENFORCED COMMENT 'id',
  `user` STRING,
  amount DECIMAL(10, 2),
  cost AS amount * 2,
  m TIMESTAMP_LTZ(3) METADATA FROM 'timestamp' VIRTUAL,
  tags ARRAY<STRING>, attrs MAP<STRING, ROW<a INT, b DOUBLE>>,
  ts TIMESTAMP(3) WITH LOCAL TIME ZONE,
  WATERMARK FOR ts AS ts - INTERVAL '5' SECOND
) COMMENT 'orders' PARTITIONED BY (order_id) WITH ('connector' = 'kafka', 'topic' = 'o') LIKE x (EXCLUDING ALL);
