/*
 * gen.c - `sluice gen nexmark`: Nexmark events (connectors/nexmark.c) written
 * to stdout as JSON lines or CSV, without a job: the source is read directly
 * into batches and each batch is formatted and written with one fwrite.
 * The output is a pure function of the options (the same bytes every run).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "cli/cli.h"
#include "connectors/connectors.h"

static const char *usage_gen =
    "usage: sluice gen nexmark [options]\n"
    "\n"
    "Writes the Nexmark benchmark's events (people, auctions and bids of an online\n"
    "auction) to stdout. Deterministic: the same options give the same output.\n"
    "\n"
    "options:\n"
    "  --events N        events of all kinds, 1 person : 3 auctions : 46 bids (suffix k, M, G:\n"
    "                    10M = 10,000,000); absent or 0: unbounded (Ctrl-C or closing the\n"
    "                    pipe stops it)\n"
    "  --table T         person, auction, bid, or all (default): every event, with event_type\n"
    "                    0 person, 1 auction, 2 bid\n"
    "  --format F        json (default: one object a line; with --table all Flink's nested\n"
    "                    form {\"event_type\":2,\"person\":null,\"auction\":null,\"bid\":{...}})\n"
    "                    or csv (with --table all one wide row: event_type, dateTime,\n"
    "                    person_*, auction_*, bid_*, empty where not of the event's kind)\n"
    "  --header          csv: a first line naming the columns\n"
    "  --seed S          seed of every random choice (default 0)\n"
    "  --rate R          events per second of event time (default 10000): event n happens at\n"
    "                    2015-07-15 00:00:00 UTC + floor(n * 1000 / R) ms\n"
    "  --set KEY=VALUE   any option of the SQL 'nexmark' connector (repeatable), e.g.\n"
    "                    --set nexmark.out-of-order.bound=2s --set bid.hot-ratio.auctions=10\n"
    "  -h, --help        this help\n";

/* "10M" -> 10000000; false if not a count. */
static bool parse_count(const char *s, int64_t *out) {
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (end == s || errno || v < 0) {
        return false;
    }
    int64_t mul = 1;
    if (*end == 'k' || *end == 'K') {
        mul = 1000;
        end++;
    } else if (*end == 'm' || *end == 'M') {
        mul = 1000000;
        end++;
    } else if (*end == 'g' || *end == 'G' || *end == 'b' || *end == 'B') {
        mul = 1000000000;
        end++;
    }
    if (*end || v > INT64_MAX / mul) {
        return false;
    }
    *out = v * mul;
    return true;
}

static int set_opt(slnexmark_conf *c, const char *key, const char *value) {
    if (slnexmark_conf_set(c, key, value) != SL_OK) {
        fprintf(stderr, "sluice gen: %s\n", sl_errmsg());
        return SLCLI_EXIT_USAGE;
    }
    return 0;
}

static int write_all(slbuf *out) {
    if (out->len && fwrite(out->data, 1, out->len, stdout) != out->len) {
        return SLCLI_EXIT_IO;
    }
    out->len = 0;
    return 0;
}

static int gen_nexmark(int argc, char **argv) {
    slnexmark_conf *c = slnexmark_conf_new();
    c->table = SLNEX_ALL;
    bool csv = false, header = false;
    int rc = 0;
    for (int i = 0; i < argc && !rc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        bool takes = strcmp(a, "--events") == 0 || strcmp(a, "--table") == 0 ||
                     strcmp(a, "--format") == 0 || strcmp(a, "--seed") == 0 ||
                     strcmp(a, "--rate") == 0 || strcmp(a, "--set") == 0;
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            fputs(usage_gen, stdout);
            slnexmark_conf_free(c);
            return 0;
        }
        if (takes && !v) {
            fprintf(stderr, "sluice gen: %s needs a value\n", a);
            rc = SLCLI_EXIT_USAGE;
            break;
        }
        if (strcmp(a, "--events") == 0) {
            int64_t n;
            if (!parse_count(v, &n)) {
                fprintf(stderr, "sluice gen: --events: '%s' is not a count (as 1000 or 10M)\n", v);
                rc = SLCLI_EXIT_USAGE;
            } else {
                c->n_events = n ? n : -1;
            }
        } else if (strcmp(a, "--table") == 0) {
            rc = set_opt(c, "nexmark.table", v);
        } else if (strcmp(a, "--format") == 0) {
            if (strcasecmp(v, "json") == 0 || strcasecmp(v, "csv") == 0) {
                csv = strcasecmp(v, "csv") == 0;
            } else {
                fprintf(stderr, "sluice gen: --format: '%s' is not json or csv\n", v);
                rc = SLCLI_EXIT_USAGE;
            }
        } else if (strcmp(a, "--seed") == 0) {
            rc = set_opt(c, "nexmark.seed", v);
        } else if (strcmp(a, "--rate") == 0) {
            rc = set_opt(c, "first-event.rate", v);
        } else if (strcmp(a, "--set") == 0) {
            const char *eq = strchr(v, '=');
            if (!eq || eq == v) {
                fprintf(stderr, "sluice gen: --set: expected KEY=VALUE, got '%s'\n", v);
                rc = SLCLI_EXIT_USAGE;
            } else {
                char key[256];
                snprintf(key, sizeof key, "%.*s", (int)(eq - v), v);
                rc = set_opt(c, key, eq + 1);
            }
        } else if (strcmp(a, "--header") == 0) {
            header = true;
            continue;
        } else {
            fprintf(stderr, "sluice gen: unknown option '%s'\n%s", a, usage_gen);
            rc = SLCLI_EXIT_USAGE;
        }
        i++; /* the value */
    }
    if (!rc && slnexmark_conf_prepare(c, NULL) != SL_OK) {
        fprintf(stderr, "sluice gen: %s\n", sl_errmsg());
        rc = SLCLI_EXIT_USAGE;
    }
    if (rc) {
        slnexmark_conf_free(c);
        return rc;
    }
    slopmetrics metrics = {0};
    slopctx ctx = {0};
    ctx.parallelism = 1;
    ctx.batch_rows = SL_DEFAULT_BATCH_ROWS;
    ctx.metrics = &metrics;
    slsource *src = slnexmark_source_new(c, 0, 1);
    src->vt->open(src, &ctx);
    slbatch *b = slbatch_new(c->schema, 1024);
    slbuf out = {0};
    if (csv && header) {
        for (int k = 0; k < c->schema->n; k++) {
            slbuf_puts(&out, k ? "," : "");
            slbuf_puts(&out, c->schema->fields[k].name);
        }
        slbuf_putc(&out, '\n');
    }
    for (;;) {
        slbatch_clear(b);
        slsrc_status st = src->vt->read(src, b);
        for (uint32_t i = 0; i < b->n; i++) {
            if (csv) {
                slfmt_csv_row(&out, b, i, false);
            } else if (c->table == SLNEX_ALL) {
                slnexmark_json_event(c, b, i, &out);
            } else {
                slfmt_json_row(&out, b, i, false);
            }
            slbuf_putc(&out, '\n');
        }
        if ((rc = write_all(&out))) {
            break;
        }
        if (st == SLSRC_END) {
            break;
        }
        if (st == SLSRC_IDLE) { /* rate.limited: wait for event time to come */
            struct timespec ts = {0, 1000 * 1000};
            nanosleep(&ts, NULL);
        }
    }
    if (!rc && fflush(stdout) != 0) {
        rc = SLCLI_EXIT_IO;
    }
    if (rc) {
        fprintf(stderr, "sluice gen: writing to stdout failed: %s\n", strerror(errno));
    }
    slbuf_free(&out);
    slbatch_free(b);
    src->vt->free(src);
    slnexmark_conf_free(c);
    return rc;
}

int slcli_gen(int argc, char **argv) {
    if (argc < 1 || strcmp(argv[0], "-h") == 0 || strcmp(argv[0], "--help") == 0) {
        fputs(usage_gen, argc < 1 ? stderr : stdout);
        return argc < 1 ? SLCLI_EXIT_USAGE : 0;
    }
    if (strcmp(argv[0], "nexmark") != 0) {
        fprintf(stderr, "sluice gen: unknown generator '%s' (known: nexmark)\n", argv[0]);
        return SLCLI_EXIT_USAGE;
    }
    return gen_nexmark(argc - 1, argv + 1);
}
