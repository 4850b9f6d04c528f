/*
 * test_state_snapshot_rocksdb.c - the snapshot tests of test_state_snapshot.c
 * on the RocksDB backend (checkpoints through RocksDB's Checkpoint API).
 */
#define SL_TEST_ROCKSDB 1
#include "test_state_snapshot.c"
