/*
 * fraud.c - the fraud-detection scenario of stream-processing courses, on the
 * public C API. Transactions {user, amount, country, ts} from a JSON-lines
 * file; three rules, each an alert line on stdout:
 *   high-value     any amount over 1000
 *   high-velocity  more than 3 transactions by one user in a 5-minute
 *                  tumbling event-time window
 *   multi-country  one user's session (1-hour inactivity gap) spans more than
 *                  one country
 * Event time comes from `ts` with watermarks 30 s behind the largest time
 * seen; rows later than that are counted as late. Malformed lines go to the
 * dead-letter output (stderr, or --dead-letters FILE). A summary goes to stderr.
 * --state-backend picks where the window state lives: memory (the default) or
 * rocksdb (an embedded database on local disk, for state larger than memory).
 *
 *   usage: fraud [--dead-letters FILE] [--parallelism N] [--state-backend NAME]
 *                transactions.jsonl
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sluice.h"

static pthread_mutex_t print_lock = PTHREAD_MUTEX_INITIALIZER;

static void fmt_ts(int64_t ts, char *buf) {
    sl_format_timestamp(ts, buf, 40);
}

/* ---- rule 1: high value ---- */

static bool over_1000(const sl_row *r, void *user) {
    int col = *(const int *)user;
    return !sl_row_is_null(r, col) && sl_row_double(r, col) > 1000.0;
}

static void print_high_value(const sl_row *r, void *user) {
    (void)user;
    size_t ulen;
    const char *u = sl_row_string(r, 0, &ulen);
    char ts[40];
    fmt_ts(sl_row_time(r), ts);
    pthread_mutex_lock(&print_lock);
    printf("ALERT high-value user=%.*s amount=%.2f ts=%s\n", (int)ulen, u, sl_row_double(r, 1),
           ts);
    fflush(stdout);
    pthread_mutex_unlock(&print_lock);
}

/* ---- rules 2 and 3: window aggregates, then a threshold ---- */

/* Window output: user, window_start, window_end, value. */
static bool more_than(const sl_row *r, void *user) {
    return sl_row_bigint(r, 3) > *(const int64_t *)user;
}

static void print_window_alert(const sl_row *r, void *user) {
    const char *rule = user;
    size_t ulen;
    const char *u = sl_row_string(r, 0, &ulen);
    char start[40], end[40];
    fmt_ts(sl_row_timestamp(r, 1), start);
    fmt_ts(sl_row_timestamp(r, 2), end);
    bool velocity = strcmp(rule, "high-velocity") == 0;
    pthread_mutex_lock(&print_lock);
    printf("ALERT %s user=%.*s %s=%lld %s=[%s, %s)\n", rule, (int)ulen, u,
           velocity ? "count" : "countries", (long long)sl_row_bigint(r, 3),
           velocity ? "window" : "session", start, end);
    fflush(stdout);
    pthread_mutex_unlock(&print_lock);
}

static int fail(const char *what) {
    fprintf(stderr, "fraud: %s: %s\n", what, sl_errmsg());
    return 1;
}

int main(int argc, char **argv) {
    const char *path = NULL, *dead = NULL, *par = "1", *backend = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--dead-letters") == 0 && i + 1 < argc) {
            dead = argv[++i];
        } else if (strcmp(argv[i], "--parallelism") == 0 && i + 1 < argc) {
            par = argv[++i];
        } else if (strcmp(argv[i], "--state-backend") == 0 && i + 1 < argc) {
            backend = argv[++i];
        } else if (argv[i][0] == '-' && argv[i][1] != '\0') {
            fprintf(stderr,
                    "fraud: unknown option '%s'\nusage: fraud [--dead-letters FILE] "
                    "[--parallelism N] [--state-backend NAME] transactions.jsonl\n",
                    argv[i]);
            return 2;
        } else {
            path = argv[i];
        }
    }
    if (!path) {
        fprintf(stderr,
                "usage: fraud [--dead-letters FILE] [--parallelism N] [--state-backend NAME] "
                "transactions.jsonl\n");
        return 2;
    }

    sl_job *job;
    sl_schema *schema;
    sl_stream *tx, *timed, *big, *keyed, *velocity, *velocity_alerts, *sessions, *multi;
    if (sl_job_new(&job) || sl_job_set(job, "parallelism", par) ||
        (dead && sl_job_set(job, "dead-letter.path", dead)) ||
        (backend && sl_job_set(job, "state.backend", backend))) {
        return fail("job options");
    }
    if (sl_schema_parse("user STRING, amount DOUBLE, country STRING, ts TIMESTAMP", &schema)) {
        return fail("schema");
    }
    static int amount_col;
    amount_col = sl_schema_find(schema, "amount");
    static int64_t three = 3, one = 1;

    sl_window_spec tumble = sl_window_tumble(5 * SL_MINUTE);
    sl_agg count = {.kind = SL_AGG_COUNT, .column = NULL, .as = "n"};
    sl_window_spec session = sl_window_session(SL_HOUR);
    sl_agg countries = {.kind = SL_AGG_COUNT_DISTINCT, .column = "country", .as = "countries"};

    if (sl_job_source_file(job, path, SL_FORMAT_JSON, schema, &tx) ||
        sl_stream_watermark(tx, "ts", 30 * SL_SECOND, &timed) ||
        /* rule 1 */
        sl_stream_filter(timed, over_1000, &amount_col, &big) ||
        sl_stream_foreach(big, print_high_value, NULL) ||
        /* rule 2 */
        sl_stream_key_by(timed, "user", &keyed) ||
        sl_stream_window(keyed, &tumble, &count, 1, &velocity) ||
        sl_stream_filter(velocity, more_than, &three, &velocity_alerts) ||
        sl_stream_foreach(velocity_alerts, print_window_alert, "high-velocity") ||
        /* rule 3 */
        sl_stream_window(keyed, &session, &countries, 1, &sessions) ||
        sl_stream_filter(sessions, more_than, &one, &multi) ||
        sl_stream_foreach(multi, print_window_alert, "multi-country")) {
        return fail("building the job");
    }
    if (sl_job_run(job)) {
        return fail("running the job");
    }
    sl_metrics m;
    sl_job_metrics(job, &m);
    fprintf(stderr, "fraud: %llu transactions read, %llu alerts, %llu late, %llu malformed\n",
            (unsigned long long)m.rows_in, (unsigned long long)m.rows_out,
            (unsigned long long)m.rows_late, (unsigned long long)m.rows_dead);
    sl_job_free(job);
    sl_schema_free(schema);
    return 0;
}
