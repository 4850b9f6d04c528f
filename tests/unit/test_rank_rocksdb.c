/*
 * test_rank_rocksdb.c - the tests of test_rank.c with the RocksDB backend
 * where the test picks the state (the checkpoint tests of opcut.h); the job
 * tests run again on the job's default backend.
 */
#define SL_TEST_ROCKSDB 1
#include "test_rank.c"
