/*
 * test_agg_distinct_rocksdb.c - the tests of test_agg_distinct.c on the
 * RocksDB state backend (test_backend.h).
 */
#define SL_TEST_ROCKSDB 1
#include "test_agg_distinct.c"
