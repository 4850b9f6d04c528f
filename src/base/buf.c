/*
 * buf.c - growable byte buffers.
 */
#include <stdio.h>

#include "base.h"

void slbuf_grow(slbuf *b, size_t extra) {
    size_t need = b->len + extra + 1;
    if (need > b->cap) {
        size_t cap = b->cap ? b->cap : 64;
        while (cap < need) {
            cap = slmem_mul(cap, 2);
        }
        b->data = slmem_realloc(b->data, cap);
        b->cap = cap;
    }
}

void slbuf_puts(slbuf *b, const char *s) {
    slbuf_put(b, s, strlen(s));
}

void slbuf_printf(slbuf *b, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n <= 0) {
        return;
    }
    slbuf_reserve(b, (size_t)n);
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

const char *slbuf_cstr(slbuf *b) {
    slbuf_reserve(b, 0);
    b->data[b->len] = '\0';
    return b->data;
}

void slbuf_reset(slbuf *b) {
    b->len = 0;
}

void slbuf_free(slbuf *b) {
    slmem_free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}
