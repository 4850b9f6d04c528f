/*
 * err.c - per-thread last error message (sl_errmsg) and warnings.
 * The layer that knows the context writes the message once (STYLE.md).
 */
#include <stdio.h>

#include "base.h"

#define ERRMSG_CAP 1024

static _Thread_local char t_msg[ERRMSG_CAP];

const char *sl_errmsg(void) {
    return t_msg;
}

const char *sl_err_name(sl_err err) {
    switch (err) {
    case SL_OK:
        return "SL_OK";
    case SL_ERR_ARG:
        return "SL_ERR_ARG";
    case SL_ERR_NOTFOUND:
        return "SL_ERR_NOTFOUND";
    case SL_ERR_TYPE:
        return "SL_ERR_TYPE";
    case SL_ERR_IO:
        return "SL_ERR_IO";
    case SL_ERR_PARSE:
        return "SL_ERR_PARSE";
    case SL_ERR_STATE:
        return "SL_ERR_STATE";
    case SL_ERR_RUNTIME:
        return "SL_ERR_RUNTIME";
    case SL_ERR_UNSUPPORTED:
        return "SL_ERR_UNSUPPORTED";
    }
    return "SL_ERR_UNKNOWN";
}

sl_err slerr_setv(sl_err code, const char *fmt, va_list ap) {
    vsnprintf(t_msg, sizeof t_msg, fmt, ap);
    return code;
}

sl_err slerr_set(sl_err code, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    slerr_setv(code, fmt, ap);
    va_end(ap);
    return code;
}

sl_err slerr_prefix(sl_err code, const char *fmt, ...) {
    char old[ERRMSG_CAP];
    memcpy(old, t_msg, sizeof old);
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(t_msg, sizeof t_msg, fmt, ap);
    va_end(ap);
    size_t at = n < 0 ? 0 : SL_MIN((size_t)n, sizeof t_msg - 1);
    size_t room = sizeof t_msg - at;
    size_t old_len = strnlen(old, sizeof old - 1);
    if (room > 2) {
        memcpy(t_msg + at, ": ", 2);
        size_t take = SL_MIN(old_len, room - 3);
        memcpy(t_msg + at + 2, old, take);
        t_msg[at + 2 + take] = '\0';
    }
    return code;
}

void slerr_clear(void) {
    t_msg[0] = '\0';
}

void sllog_warn(const char *fmt, ...) {
    char line[ERRMSG_CAP];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    fprintf(stderr, "sluice: warning: %s\n", line);
}
