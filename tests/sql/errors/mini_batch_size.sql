SET 'table.exec.mini-batch.enabled' = 'true';
SET 'table.exec.mini-batch.size' = '0';
