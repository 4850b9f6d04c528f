/*
 * test_process_rocksdb.c - the keyed process operator tests of
 * test_process.c, run on the RocksDB state backend (test_backend.h).
 */
#define SL_TEST_ROCKSDB 1
#include "test_process.c"
