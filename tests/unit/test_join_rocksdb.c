/*
 * test_join_rocksdb.c - the join operator tests of test_join.c, run on the
 * RocksDB state backend (test_backend.h).
 */
#define SL_TEST_ROCKSDB 1
#include "test_join.c"
