/*
 * base.h - the lowest layer: memory, errors, hashing, arenas, clock.
 *
 * Every heap allocation in Sluice goes through slmem_* so there is one place to
 * count, cap and inject failures. Running out of memory is fatal with a message
 * naming the size (STYLE.md: memory is bounded by budgets, not NULL checks).
 */
#ifndef SL_BASE_H
#define SL_BASE_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "sluice.h"

#define SL_UNUSED(x) ((void)(x))
#define SL_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define SL_MIN(a, b) ((a) < (b) ? (a) : (b))
#define SL_MAX(a, b) ((a) > (b) ? (a) : (b))
#define SL_LIKELY(x) __builtin_expect(!!(x), 1)
#define SL_UNLIKELY(x) __builtin_expect(!!(x), 0)
#define SL_PRINTF(f, a) __attribute__((format(printf, f, a)))

/* Debug builds shrink buffers so every flush and grow path runs in tests. */
#ifdef SL_SMALL_BUFFERS
#define SL_DEFAULT_BATCH_ROWS 7
#define SL_DEFAULT_CHANNEL_CAP 2
#define SL_ARENA_CHUNK 64
#else
#define SL_DEFAULT_BATCH_ROWS 1024
#define SL_DEFAULT_CHANNEL_CAP 16
#define SL_ARENA_CHUNK 65536
#endif

/* ---- memory (mem.c) ---- */

void *slmem_alloc(size_t n);              /* uninitialised; fatal on failure */
void *slmem_calloc(size_t count, size_t size);
void *slmem_realloc(void *p, size_t n);
void slmem_free(void *p);
char *slmem_strdup(const char *s);
char *slmem_strndup(const char *s, size_t n);
void *slmem_memdup(const void *p, size_t n);
/* count * size, fatal on overflow. */
size_t slmem_mul(size_t count, size_t size);
/* Grow *p (of *cap elements of `size` bytes) to hold at least `need` elements. */
void slmem_grow(void **p, size_t *cap, size_t need, size_t size);
/* Bytes currently allocated through slmem_* (approximate, for metrics). */
int64_t slmem_in_use(void);
_Noreturn void slmem_fatal(const char *what, size_t n);

/* ---- errors (err.c) ---- */

/* Record `code` with a formatted message as this thread's last error and return
 * `code`, so callers can write `return slerr_set(SL_ERR_ARG, "...", ...)`. */
sl_err slerr_set(sl_err code, const char *fmt, ...) SL_PRINTF(2, 3);
sl_err slerr_setv(sl_err code, const char *fmt, va_list ap);
/* Prefix this thread's last message with context ("file x.json: <old>"). */
sl_err slerr_prefix(sl_err code, const char *fmt, ...) SL_PRINTF(2, 3);
void slerr_clear(void);

/* ---- logging (err.c) ---- */

void sllog_warn(const char *fmt, ...) SL_PRINTF(1, 2);

/* ---- strings and buffers (buf.c) ---- */

/* A growable byte buffer. */
typedef struct slbuf {
    char *data; /* owned */
    size_t len, cap;
} slbuf;

/* Grow so that extra more bytes and a NUL fit (the out-of-line slow path of
 * slbuf_reserve). */
void slbuf_grow(slbuf *b, size_t extra);
/* Make room for extra more bytes (and a NUL after them). Inline: encoders
 * call these per value. */
static inline void slbuf_reserve(slbuf *b, size_t extra) {
    if (b->len + extra + 1 > b->cap) {
        slbuf_grow(b, extra);
    }
}
static inline void slbuf_put(slbuf *b, const void *p, size_t n) {
    slbuf_reserve(b, n);
    if (n) {
        memcpy(b->data + b->len, p, n);
    }
    b->len += n;
}
static inline void slbuf_putc(slbuf *b, char c) {
    slbuf_reserve(b, 1);
    b->data[b->len++] = c;
}
void slbuf_puts(slbuf *b, const char *s);
void slbuf_printf(slbuf *b, const char *fmt, ...) SL_PRINTF(2, 3);
/* Ensure data is NUL-terminated (not counted in len) and return it. */
const char *slbuf_cstr(slbuf *b);
void slbuf_reset(slbuf *b);
void slbuf_free(slbuf *b);

/* A string slice: bytes that live elsewhere (a batch arena, state). */
typedef struct slstr {
    const char *ptr; /* borrowed */
    uint32_t len;
} slstr;

/* ---- arena (arena.c) ---- */

/* A bump allocator for bytes that share a lifetime (a batch's strings). */
typedef struct slarena_chunk slarena_chunk;
typedef struct slarena {
    slarena_chunk *head; /* owned list */
    char *pos, *end;
    size_t bytes; /* total bytes handed out */
} slarena;

void slarena_init(slarena *a);
void *slarena_alloc(slarena *a, size_t n); /* 8-byte aligned */
const char *slarena_strdup(slarena *a, const char *s, size_t n);
/* Forget everything allocated but keep the first chunk for reuse. */
void slarena_reset(slarena *a);
void slarena_free(slarena *a);
/* A saved arena position: slarena_rollback frees everything allocated after
 * slarena_mark (a decoder undoing a half-decoded row). */
typedef struct slarena_pos {
    slarena_chunk *head, *next; /* borrowed */
    char *pos, *end;
    size_t bytes;
} slarena_pos;
slarena_pos slarena_mark(const slarena *a);
void slarena_rollback(slarena *a, const slarena_pos *m);

/* ---- hashing (hash.c) ---- */

/* A fast 64-bit hash of bytes (multiply-mix over 8-byte words); inline so the
 * 8-byte keys of the hot paths hash without a call. Not for adversarial input. */
static inline uint64_t slhash_rd64_(const unsigned char *p) {
    uint64_t v;
    memcpy(&v, p, 8);
    return v;
}

static inline uint64_t slhash_mix_(uint64_t a, uint64_t b) {
    __uint128_t r = (__uint128_t)a * b;
    return (uint64_t)r ^ (uint64_t)(r >> 64);
}

static inline uint64_t slhash_bytes(const void *data, size_t n, uint64_t seed) {
    const unsigned char *p = data;
    const uint64_t k0 = UINT64_C(0xa0761d6478bd642f), k1 = UINT64_C(0xe7037ed1a0b428db);
    uint64_t h = seed ^ slhash_mix_(seed ^ k0, k1) ^ n;
    while (n >= 16) {
        h = slhash_mix_(slhash_rd64_(p) ^ k1, slhash_rd64_(p + 8) ^ h);
        p += 16;
        n -= 16;
    }
    uint64_t a = 0, b = 0;
    if (n >= 8) {
        a = slhash_rd64_(p);
        p += 8;
        n -= 8;
    }
    for (size_t i = 0; i < n; i++) {
        b |= (uint64_t)p[i] << (8 * i);
    }
    return slhash_mix_(a ^ k0 ^ h, b ^ k1);
}
static inline uint64_t slhash_u64(uint64_t x) {
    x ^= x >> 33;
    x *= UINT64_C(0xff51afd7ed558ccd);
    x ^= x >> 33;
    x *= UINT64_C(0xc4ceb9fe1a85ec53);
    x ^= x >> 33;
    return x;
}

/* ---- open-addressing index slots (slots.c) ----
 * Indexes with linear probing and no tombstones (the state backends' entry
 * indexes) hold (probe hash, entry) slots; each keeps its own inlined lookup,
 * and shares these moves. mask + 1 is a power of two. */
typedef struct slslot {
    uint64_t h; /* probe hash */
    void *e;    /* the entry (not owned here); NULL = empty */
} slslot;

/* The slot holding entry e, whose probe hash is h (e must be present). */
size_t slslot_of(const slslot *s, size_t mask, uint64_t h, const void *e);
/* Empty slot i and shift later members of its probe run back. */
void slslot_clear(slslot *s, size_t mask, size_t i);
/* Double the index: returns the new array (s is freed) and updates *mask. */
slslot *slslot_grow(slslot *s, size_t *mask);

/* ---- clock (clock.c) ---- */

/* All code reads processing time through an slclock (STYLE.md: tests drive a
 * manual clock and never sleep). */
typedef struct slclock {
    sl_clock_fn now; /* NULL: the system clock */
    void *user;      /* borrowed */
} slclock;

int64_t slclock_now(const slclock *c); /* microseconds since the epoch */
int64_t slclock_system_us(void);       /* CLOCK_REALTIME */
int64_t slclock_mono_us(void);         /* CLOCK_MONOTONIC, for durations */

/* ---- parsing helpers (parse.c) ---- */

/* Case-insensitive ASCII comparison of a NUL-terminated string with n bytes. */
bool slstr_ieq(const char *a, const char *b, size_t blen);
bool slstr_ieq0(const char *a, const char *b);
/* Parse a decimal int64; whole string must be consumed. */
bool slparse_i64(const char *s, size_t n, int64_t *out);
bool slparse_f64(const char *s, size_t n, double *out);
/* The decimal text of v (as printf's %lld) into buf (at least 21 bytes, not
 * NUL-terminated); returns its length. For encoders that write a number per
 * row. */
size_t slparse_fmt_i64(int64_t v, char *buf);
/* A duration in the largest unit that divides it ("5 min", "30 s", "250 ms");
 * returns buf. */
const char *slduration_format(int64_t us, char *buf, size_t cap);
/* Days since 1970-01-01 of a proleptic Gregorian date. */
int64_t sltime_days_from_civil(int64_t y, unsigned m, unsigned d);
void sltime_civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d);

#endif /* SL_BASE_H */
