/*
 * hash.c - an out-of-line copy of slhash_bytes (the hash itself is inline in
 * base.h so the 8-byte keys of the hot paths hash without a call).
 */
#include "base.h"

uint64_t slhash_bytes_fn(const void *data, size_t n, uint64_t seed) {
    return slhash_bytes(data, n, seed);
}
