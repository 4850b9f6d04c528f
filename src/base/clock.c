/*
 * clock.c - the one clock interface (processing time) and monotonic durations.
 */
#include <time.h>

#include "base.h"

int64_t slclock_system_us(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int64_t slclock_mono_us(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int64_t slclock_now(const slclock *c) {
    if (c && c->now) {
        return c->now(c->user);
    }
    return slclock_system_us();
}
