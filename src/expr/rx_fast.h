/*
 * rx_fast.h - a matcher for simple POSIX extended regular expressions that
 * returns what glibc's regexec returns, or "undecided" (rx_fast.c says
 * which patterns and why). Used by the REGEXP functions (fn_pattern.c) in
 * front of regexec for patterns compiled once.
 */
#ifndef SL_RX_FAST_H
#define SL_RX_FAST_H

#include <regex.h>

#include "expr/expr_int.h"

#define SLRX_MAX_GROUPS 64

typedef struct slrx slrx;

/* Compile the POSIX ERE posix[0..len) (no NUL inside), already accepted by
 * regcomp with REG_EXTENDED (and REG_ICASE when icase); NULL when it is
 * outside the subset. */
slrx *slrx_compile(const char *posix, size_t len, bool icase);
void slrx_free(slrx *g);
/* As regexec(re, s, nmatch, m, REG_STARTEND) with m[0] = {from, len}:
 * 1 with m[0..nmatch) set, 0 for no match, -1 when undecided (ask
 * regexec). s[0..len) need not be NUL-terminated. */
int slrx_exec(const slrx *g, const char *s, uint32_t len, uint32_t from, size_t nmatch,
              regmatch_t *m);

#endif /* SL_RX_FAST_H */
