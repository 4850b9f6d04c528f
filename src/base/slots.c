/*
 * slots.c - the shared moves of open-addressing indexes with linear probing
 * and no tombstones (base.h, slslot): finding an entry's slot, emptying a
 * slot by shifting its probe run back, doubling. The state backends' entry
 * indexes (memory.c, rocksdb_kv.c) use them; each keeps its own inlined
 * lookup, which compares its own keys.
 */
#include "base/base.h"

size_t slslot_of(const slslot *s, size_t mask, uint64_t h, const void *e) {
    size_t i = (size_t)h & mask;
    while (s[i].e != e) {
        i = (i + 1) & mask;
    }
    return i;
}

void slslot_clear(slslot *s, size_t mask, size_t i) {
    size_t j = i;
    for (;;) {
        j = (j + 1) & mask;
        if (!s[j].e) {
            break;
        }
        size_t home = (size_t)s[j].h & mask;
        /* Move j into the hole at i unless its home lies cyclically in (i, j]. */
        bool stays = (i <= j) ? (i < home && home <= j) : (i < home || home <= j);
        if (!stays) {
            s[i] = s[j];
            i = j;
        }
    }
    s[i].e = NULL;
}

slslot *slslot_grow(slslot *s, size_t *mask) {
    size_t old_cap = *mask + 1, cap = old_cap * 2;
    slslot *n = slmem_calloc(cap, sizeof *n);
    for (size_t k = 0; k < old_cap; k++) {
        if (s[k].e) {
            size_t i = (size_t)s[k].h & (cap - 1);
            while (n[i].e) {
                i = (i + 1) & (cap - 1);
            }
            n[i] = s[k];
        }
    }
    slmem_free(s);
    *mask = cap - 1;
    return n;
}
