/*
 * test_cep_rocksdb.c - the pattern matcher tests of test_cep.c, run on the
 * RocksDB state backend (test_backend.h).
 */
#define SL_TEST_ROCKSDB 1
#include "test_cep.c"
