/*
 * test_over_rocksdb.c - the OVER aggregation tests of test_over.c, run on the
 * RocksDB state backend (test_backend.h).
 */
#define SL_TEST_ROCKSDB 1
#include "test_over.c"
