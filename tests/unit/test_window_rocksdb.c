/*
 * test_window_rocksdb.c - the window operator tests of test_window.c, run on
 * the RocksDB state backend (test_backend.h).
 */
#define SL_TEST_ROCKSDB 1
#include "test_window.c"
