/*
 * test_timers_rocksdb.c - the timer tests of test_timers.c, with timers saved
 * into and loaded from the RocksDB state backend (test_backend.h).
 */
#define SL_TEST_ROCKSDB 1
#include "test_timers.c"
