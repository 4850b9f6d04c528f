/*
 * hash.c - a fast 64-bit hash of byte strings (multiply-mix over 8-byte words).
 * Used for key groups and hash tables; not for anything adversarial.
 */
#include "base.h"

static inline uint64_t rd64(const unsigned char *p) {
    uint64_t v;
    memcpy(&v, p, 8);
    return v;
}

static inline uint64_t mix(uint64_t a, uint64_t b) {
    __uint128_t r = (__uint128_t)a * b;
    return (uint64_t)r ^ (uint64_t)(r >> 64);
}

uint64_t slhash_bytes(const void *data, size_t n, uint64_t seed) {
    const unsigned char *p = data;
    const uint64_t k0 = UINT64_C(0xa0761d6478bd642f), k1 = UINT64_C(0xe7037ed1a0b428db);
    uint64_t h = seed ^ mix(seed ^ k0, k1) ^ n;
    while (n >= 16) {
        h = mix(rd64(p) ^ k1, rd64(p + 8) ^ h);
        p += 16;
        n -= 16;
    }
    uint64_t a = 0, b = 0;
    if (n >= 8) {
        a = rd64(p);
        p += 8;
        n -= 8;
    }
    for (size_t i = 0; i < n; i++) {
        b |= (uint64_t)p[i] << (8 * i);
    }
    return mix(a ^ k0 ^ h, b ^ k1);
}
