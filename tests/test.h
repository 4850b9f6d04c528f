/*
 * test.h - a minimal test harness: TEST(name) { ... } functions registered at
 * load time, CHECK macros that report file:line and go on, and a main that
 * runs every test (or those named on the command line) and ends with the line
 * "N passed, N failed". A test passes when none of its checks failed.
 */
#ifndef SL_TEST_H
#define SL_TEST_H

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef void (*sltest_fn)(void);
struct sltest_case {
    const char *name;
    sltest_fn fn;
};

#define SLTEST_MAX 512
static struct sltest_case sltest_cases[SLTEST_MAX];
static int sltest_n;
static int sltest_failed_checks;

#define TEST(tname)                                                                 \
    static void test_##tname(void);                                                 \
    __attribute__((constructor)) static void sltest_reg_##tname(void) {             \
        if (sltest_n < SLTEST_MAX) {                                                \
            sltest_cases[sltest_n].name = #tname;                                   \
            sltest_cases[sltest_n].fn = test_##tname;                               \
            sltest_n++;                                                             \
        }                                                                           \
    }                                                                               \
    static void test_##tname(void)

#define CHECK(cond)                                                                 \
    do {                                                                            \
        if (!(cond)) {                                                              \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
            sltest_failed_checks++;                                                 \
        }                                                                           \
    } while (0)

#define CHECK_INT(a, b)                                                             \
    do {                                                                            \
        long long va_ = (long long)(a), vb_ = (long long)(b);                       \
        if (va_ != vb_) {                                                           \
            fprintf(stderr, "%s:%d: CHECK_INT failed: %s == %lld, expected %s == %lld\n", \
                    __FILE__, __LINE__, #a, va_, #b, vb_);                          \
            sltest_failed_checks++;                                                 \
        }                                                                           \
    } while (0)

#define CHECK_DBL(a, b, eps)                                                        \
    do {                                                                            \
        double va_ = (a), vb_ = (b);                                                \
        if (!(va_ - vb_ <= (eps) && vb_ - va_ <= (eps))) {                          \
            fprintf(stderr, "%s:%d: CHECK_DBL failed: %s == %.17g, expected %.17g\n", \
                    __FILE__, __LINE__, #a, va_, vb_);                              \
            sltest_failed_checks++;                                                 \
        }                                                                           \
    } while (0)

#define CHECK_STR(a, b)                                                             \
    do {                                                                            \
        const char *va_ = (a), *vb_ = (b);                                          \
        if (!va_ || !vb_ || strcmp(va_, vb_) != 0) {                                \
            fprintf(stderr, "%s:%d: CHECK_STR failed: %s\n--- got:\n%s\n--- expected:\n%s\n---\n", \
                    __FILE__, __LINE__, #a, va_ ? va_ : "(null)", vb_ ? vb_ : "(null)"); \
            sltest_failed_checks++;                                                 \
        }                                                                           \
    } while (0)

/* Check that `hay` contains `needle`. */
#define CHECK_CONTAINS(hay, needle)                                                 \
    do {                                                                            \
        const char *h_ = (hay), *n_ = (needle);                                     \
        if (!h_ || !strstr(h_, n_)) {                                               \
            fprintf(stderr, "%s:%d: CHECK_CONTAINS failed: '%s' not in:\n%s\n",     \
                    __FILE__, __LINE__, n_, h_ ? h_ : "(null)");                    \
            sltest_failed_checks++;                                                 \
        }                                                                           \
    } while (0)

#ifdef SLUICE_H
/* A schema from its text form ("a BIGINT, s STRING"); a bad text ends the
 * test program, since every test using it would be meaningless. */
static inline sl_schema *schema_of(const char *text) {
    sl_schema *s = NULL;
    if (sl_schema_parse(text, &s) != SL_OK) {
        fprintf(stderr, "schema '%s': %s\n", text, sl_errmsg());
        exit(1);
    }
    return s;
}
#endif

int main(int argc, char **argv) {
    int passed = 0, failed = 0;
    for (int i = 0; i < sltest_n; i++) {
        if (argc > 1) {
            int want = 0;
            for (int a = 1; a < argc; a++) {
                want |= strcmp(argv[a], sltest_cases[i].name) == 0;
            }
            if (!want) {
                continue;
            }
        }
        int before = sltest_failed_checks;
        sltest_cases[i].fn();
        if (sltest_failed_checks == before) {
            passed++;
        } else {
            failed++;
            fprintf(stderr, "FAIL %s\n", sltest_cases[i].name);
        }
    }
    printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}

#endif /* SL_TEST_H */
