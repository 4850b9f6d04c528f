/*
 * mem.c - the one allocator wrapper. Counts bytes in use (with a size header so
 * free knows the size) and turns allocation failure into a fatal message.
 */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>

#include "base.h"

static _Atomic int64_t g_in_use;

/* Each block carries its size in a 16-byte header (keeps 16-byte alignment). */
#define HDR 16

_Noreturn void slmem_fatal(const char *what, size_t n) {
    fprintf(stderr, "sluice: fatal: %s of %zu bytes failed\n", what, n);
    abort();
}

void *slmem_alloc(size_t n) {
    if (n > SIZE_MAX - HDR) {
        slmem_fatal("allocation", n);
    }
    char *p = malloc(n + HDR);
    if (!p) {
        slmem_fatal("allocation", n);
    }
    *(size_t *)p = n;
    atomic_fetch_add_explicit(&g_in_use, (int64_t)n, memory_order_relaxed);
    return p + HDR;
}

void *slmem_calloc(size_t count, size_t size) {
    size_t n = slmem_mul(count, size);
    void *p = slmem_alloc(n);
    memset(p, 0, n);
    return p;
}

void *slmem_realloc(void *p, size_t n) {
    if (!p) {
        return slmem_alloc(n);
    }
    if (n > SIZE_MAX - HDR) {
        slmem_fatal("reallocation", n);
    }
    char *base = (char *)p - HDR;
    size_t old = *(size_t *)base;
    char *q = realloc(base, n + HDR);
    if (!q) {
        slmem_fatal("reallocation", n);
    }
    *(size_t *)q = n;
    atomic_fetch_add_explicit(&g_in_use, (int64_t)n - (int64_t)old, memory_order_relaxed);
    return q + HDR;
}

void slmem_free(void *p) {
    if (!p) {
        return;
    }
    char *base = (char *)p - HDR;
    atomic_fetch_sub_explicit(&g_in_use, (int64_t) * (size_t *)base, memory_order_relaxed);
    free(base);
}

char *slmem_strdup(const char *s) {
    return slmem_strndup(s, strlen(s));
}

char *slmem_strndup(const char *s, size_t n) {
    char *p = slmem_alloc(n + 1);
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

void *slmem_memdup(const void *p, size_t n) {
    void *q = slmem_alloc(n ? n : 1);
    if (n) {
        memcpy(q, p, n);
    }
    return q;
}

size_t slmem_mul(size_t count, size_t size) {
    size_t r;
    if (__builtin_mul_overflow(count, size, &r)) {
        fprintf(stderr, "sluice: fatal: size overflow: %zu * %zu\n", count, size);
        abort();
    }
    return r;
}

void slmem_grow(void **p, size_t *cap, size_t need, size_t size) {
    if (need <= *cap) {
        return;
    }
    size_t ncap = *cap ? *cap : 8;
    while (ncap < need) {
        ncap = slmem_mul(ncap, 2);
    }
    *p = slmem_realloc(*p, slmem_mul(ncap, size));
    *cap = ncap;
}

int64_t slmem_in_use(void) {
    return atomic_load_explicit(&g_in_use, memory_order_relaxed);
}
