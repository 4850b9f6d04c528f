/*
 * Unit tests for the Nexmark generator (src/connectors/nexmark.c), driven
 * directly through its source: exact rows, the 1:3:46 proportions, ids and
 * references checked against the definition (re-derived here from the events
 * seen so far, not from the generator's own helpers), determinism across
 * batch sizes and parallelism, event-time spacing, the out-of-order bound,
 * rate limiting against a manual clock, options and column checks.
 */
#include <math.h>

#include "connectors/connectors.h"
#include "test.h"

static int64_t manual_now;
static int64_t manual_clock(void *user) {
    SL_UNUSED(user);
    return manual_now;
}
static const slclock test_clock = {manual_clock, NULL};
static slopmetrics metrics;

/* A prepared conf from "key=value" pairs (NULL-terminated). */
static slnexmark_conf *conf_of(const char *const *kv) {
    slnexmark_conf *c = slnexmark_conf_new();
    for (int i = 0; kv && kv[i]; i++) {
        const char *eq = strchr(kv[i], '=');
        char key[128];
        snprintf(key, sizeof key, "%.*s", (int)(eq - kv[i]), kv[i]);
        if (slnexmark_conf_set(c, key, eq + 1) != SL_OK) {
            fprintf(stderr, "conf_of %s: %s\n", kv[i], sl_errmsg());
            exit(1);
        }
    }
    if (slnexmark_conf_prepare(c, NULL) != SL_OK) {
        fprintf(stderr, "conf_of: %s\n", sl_errmsg());
        exit(1);
    }
    return c;
}

static slsource *open_source(slnexmark_conf *c, int subtask, int parallelism, slopctx *ctx) {
    memset(ctx, 0, sizeof *ctx);
    ctx->clock = &test_clock;
    ctx->parallelism = parallelism;
    ctx->subtask = subtask;
    ctx->metrics = &metrics;
    slsource *s = slnexmark_source_new(c, subtask, parallelism);
    s->vt->open(s, ctx);
    return s;
}

/* Every row of subtask k of p, read in batches of `cap`, as JSON lines (the
 * batch event time first, then the row); the batch is reused between reads. */
static void collect(slnexmark_conf *c, uint32_t cap, int k, int p, slbuf *out) {
    slopctx ctx;
    slsource *s = open_source(c, k, p, &ctx);
    slbatch *b = slbatch_new(c->schema, cap);
    int guard = 0;
    for (;;) {
        slbatch_clear(b);
        slsrc_status st = s->vt->read(s, b);
        CHECK(b->n <= b->cap);
        for (uint32_t i = 0; i < b->n; i++) {
            slbuf_printf(out, "%lld ", (long long)b->ts[i]);
            if (c->table == SLNEX_ALL) {
                slnexmark_json_event(c, b, i, out);
            } else {
                slfmt_json_row(out, b, i, false);
            }
            slbuf_putc(out, '\n');
        }
        if (st == SLSRC_END || ++guard > 10000000) {
            CHECK_INT(b->n, 0);
            break;
        }
        CHECK_INT(st, SLSRC_MORE);
    }
    slbatch_free(b);
    s->vt->free(s);
}

/* All rows of a source in one batch (for column checks). */
static slbatch *read_all(slnexmark_conf *c, uint32_t max_rows) {
    slopctx ctx;
    slsource *s = open_source(c, 0, 1, &ctx);
    slbatch *b = slbatch_new(c->schema, max_rows);
    while (s->vt->read(s, b) == SLSRC_MORE && !slbatch_full(b)) {
    }
    s->vt->free(s);
    return b;
}

static int col(const slbatch *b, const char *name) {
    int k = sl_schema_find(b->schema, name);
    if (k < 0) {
        fprintf(stderr, "no column %s\n", name);
        exit(1);
    }
    return k;
}

static int64_t i64(const slbatch *b, const char *name, uint32_t i) {
    return b->cols[col(b, name)].v.i64[i];
}

static slstr str(const slbatch *b, const char *name, uint32_t i) {
    return b->cols[col(b, name)].v.s[i];
}

TEST(nexmark_first_events_exact) {
    /* Small average sizes keep the lines short. Checked by hand against the
     * definition: event n at n ms (rate 1000); person 1000, auctions
     * 1000..1002 in events 1..3; the first bid's auction is the hot one
     * (1000 = the first of the batch of 100) and its bidder the hot bidder
     * 1001 (the second person of the batch of 100, created later: ids may
     * lead by up to 10); auction 1001's seller 1009 is a random active person
     * (1000 + [0, 1 + 10)); expires = dateTime + 1 + [0, 2 * 1666 ms); the
     * person's extra has 17..24 letters (avg 80 - 59 bytes, +-20%), auction
     * 1001's none (111 bytes > 100), the bids' 6..9; channel 6802's URL ends in
     * Java's Math.abs(Integer.reverse(6802)) = 1230503936. */
    static const char *const opts[] = {"nexmark.table=all", "events.num=8", "nexmark.seed=7",
                                       "first-event.rate=1000", "person.avg-size=80",
                                       "auction.avg-size=100", "bid.avg-size=40", NULL};
    slnexmark_conf *c = conf_of(opts);
    slbuf out = {0};
    collect(c, 1024, 0, 1, &out);
    CHECK_STR(slbuf_cstr(&out),
              "1436918400000000 {\"event_type\":0,\"person\":{\"id\":1000,\"name\":\"Luke Smith"
              "\",\"emailAddress\":\"zir@glxy.com\",\"creditCard\":\"7973 9494 8568 1220\",\"ci"
              "ty\":\"Portland\",\"state\":\"WA\",\"dateTime\":\"2015-07-15 00:00:00\",\"extra"
              "\":\"fqgqlkjjffmmrjqvtkghkriy\"},\"auction\":null,\"bid\":null}\n"
              "1436918400001000 {\"event_type\":1,\"person\":null,\"auction\":{\"id\":1000,\"it"
              "emName\":\"mkprseeaw\",\"description\":\"z qwhhojxaszkf lgr  zdccuz\",\"initialB"
              "id\":504515,\"reserve\":505697,\"dateTime\":\"2015-07-15 00:00:00.001\",\"expire"
              "s\":\"2015-07-15 00:00:03.013\",\"seller\":1000,\"category\":12,\"extra\":\"cjxf"
              "refsqrambycdhtm\"},\"bid\":null}\n"
              "1436918400002000 {\"event_type\":1,\"person\":null,\"auction\":{\"id\":1001,\"it"
              "emName\":\"ztwoe\",\"description\":\"yvlecpbft korgjujwzvxtzfglsba jcjytqbxkqylf"
              "jakblnr fkkjife\",\"initialBid\":28985290,\"reserve\":38279090,\"dateTime\":\"20"
              "15-07-15 00:00:00.002\",\"expires\":\"2015-07-15 00:00:02.870\",\"seller\":1009,"
              "\"category\":11,\"extra\":\"\"},\"bid\":null}\n"
              "1436918400003000 {\"event_type\":1,\"person\":null,\"auction\":{\"id\":1002,\"it"
              "emName\":\"hshlkbzubxjy\",\"description\":\"xngoty ariz sut  nzdsxmtoxevmdfohyil"
              "ap\",\"initialBid\":10355045,\"reserve\":10359319,\"dateTime\":\"2015-07-15 00:0"
              "0:00.003\",\"expires\":\"2015-07-15 00:00:01.085\",\"seller\":1000,\"category\":"
              "10,\"extra\":\"pz\"},\"bid\":null}\n"
              "1436918400004000 {\"event_type\":2,\"person\":null,\"auction\":null,\"bid\":{\"a"
              "uction\":1000,\"bidder\":1001,\"price\":3288298,\"channel\":\"Facebook\",\"url\""
              ":\"https://www.nexmark.com/kwk/kses/ag_/item.htm?query=1\",\"dateTime\":\"2015-0"
              "7-15 00:00:00.004\",\"extra\":\"quhgzba\"}}\n"
              "1436918400005000 {\"event_type\":2,\"person\":null,\"auction\":null,\"bid\":{\"a"
              "uction\":1001,\"bidder\":1001,\"price\":108081,\"channel\":\"channel-3908\",\"ur"
              "l\":\"https://www.nexmark.com/scx/opc/_k_f/item.htm?query=1\",\"dateTime\":\"201"
              "5-07-15 00:00:00.005\",\"extra\":\"htdnhmdnj\"}}\n"
              "1436918400006000 {\"event_type\":2,\"person\":null,\"auction\":null,\"bid\":{\"a"
              "uction\":1002,\"bidder\":1001,\"price\":75417549,\"channel\":\"channel-4596\",\""
              "url\":\"https://www.nexmark.com/erm/hqmq/mds_/item.htm?query=1\",\"dateTime\":\""
              "2015-07-15 00:00:00.006\",\"extra\":\"cektap\"}}\n"
              "1436918400007000 {\"event_type\":2,\"person\":null,\"auction\":null,\"bid\":{\"a"
              "uction\":1011,\"bidder\":1001,\"price\":17054810,\"channel\":\"channel-6802\",\""
              "url\":\"https://www.nexmark.com/zix/qgbb/qpos/item.htm?query=1&channel_id=123050"
              "3936\",\"dateTime\":\"2015-07-15 00:00:00.007\",\"extra\":\"orlngpb\"}}\n");
    slbuf_free(&out);
    /* The bid table of the same events: the same bids, flat. */
    static const char *const bid_opts[] = {"nexmark.table=bid", "events.num=6", "nexmark.seed=7",
                                           "first-event.rate=1000", "bid.avg-size=40", NULL};
    c = (slnexmark_conf_free(c), conf_of(bid_opts));
    collect(c, 1024, 0, 1, &out);
    CHECK_STR(slbuf_cstr(&out),
              "1436918400004000 {\"auction\":1000,\"bidder\":1001,\"price\":3288298,\"channel\""
              ":\"Facebook\",\"url\":\"https://www.nexmark.com/kwk/kses/ag_/item.htm?query=1\","
              "\"dateTime\":\"2015-07-15 00:00:00.004\",\"extra\":\"quhgzba\"}\n"
              "1436918400005000 {\"auction\":1001,\"bidder\":1001,\"price\":108081,\"channel\":"
              "\"channel-3908\",\"url\":\"https://www.nexmark.com/scx/opc/_k_f/item.htm?query=1"
              "\",\"dateTime\":\"2015-07-15 00:00:00.005\",\"extra\":\"htdnhmdnj\"}\n");
    slbuf_free(&out);
    slnexmark_conf_free(c);
}

TEST(nexmark_proportions_and_ids) {
    static const char *const opts[] = {"nexmark.table=all", "events.num=100000", NULL};
    slnexmark_conf *c = conf_of(opts);
    slbatch *b = read_all(c, 200000);
    CHECK_INT(b->n, 100000);
    int64_t count[3] = {0, 0, 0}, next_person = 1000, next_auction = 1000;
    bool ids_ok = true, kinds_ok = true;
    for (uint32_t i = 0; i < b->n; i++) {
        int64_t k = i64(b, "event_type", i);
        count[k]++;
        /* 1 person, 3 auctions, 46 bids in every block of 50 */
        int off = (int)(i % 50);
        kinds_ok &= k == (off == 0 ? 0 : off < 4 ? 1 : 2);
        if (k == 0) {
            ids_ok &= i64(b, "person_id", i) == next_person++;
        } else if (k == 1) {
            ids_ok &= i64(b, "auction_id", i) == next_auction++;
        }
        /* the other kinds' columns are NULL */
        kinds_ok &= slbatch_is_null(b, col(b, "person_id"), i) == (k != 0);
        kinds_ok &= slbatch_is_null(b, col(b, "auction_id"), i) == (k != 1);
        kinds_ok &= slbatch_is_null(b, col(b, "bid_auction"), i) == (k != 2);
    }
    CHECK_INT(count[0], 2000);
    CHECK_INT(count[1], 6000);
    CHECK_INT(count[2], 92000);
    CHECK(ids_ok);
    CHECK(kinds_ok);
    slbatch_free(b);
    slnexmark_conf_free(c);
}

/* The references of every bid and auction against the events before it. */
TEST(nexmark_references_and_distributions) {
    static const char *const opts[] = {"nexmark.table=all", "events.num=100000", NULL};
    slnexmark_conf *c = conf_of(opts);
    slbatch *b = read_all(c, 200000);
    int64_t people = 0, auctions = 0; /* generated so far */
    int64_t bids = 0, hot_auction = 0, hot_bidder = 0, existing_auction = 0, cheap = 0;
    int64_t hot_channel = 0, bid_bytes = 0, n_auctions = 0, hot_seller = 0;
    int64_t person_bytes = 0, n_people = 0;
    bool ok = true;
    for (uint32_t i = 0; i < b->n; i++) {
        int64_t k = i64(b, "event_type", i);
        if (k == 0) {
            people++;
            n_people++;
            person_bytes += 8 + str(b, "person_name", i).len +
                            str(b, "person_emailAddress", i).len +
                            str(b, "person_creditCard", i).len + str(b, "person_city", i).len +
                            str(b, "person_state", i).len + str(b, "person_extra", i).len;
            continue;
        }
        int64_t last_p = people - 1, last_a = auctions - 1;
        if (k == 1) {
            auctions++;
            n_auctions++;
            int64_t seller = i64(b, "auction_seller", i) - 1000;
            int64_t hot = last_p / 100 * 100;
            hot_seller += seller == hot;
            int64_t active = SL_MIN(people, 1000);
            ok &= seller == hot || (seller >= people - active && seller < people + 10);
            int64_t cat = i64(b, "auction_category", i);
            ok &= cat >= 10 && cat <= 14;
            ok &= i64(b, "auction_expires", i) > i64(b, "dateTime", i);
            ok &= i64(b, "auction_reserve", i) >= i64(b, "auction_initialBid", i);
            ok &= i64(b, "auction_initialBid", i) >= 100;
            continue;
        }
        bids++;
        int64_t auction = i64(b, "bid_auction", i) - 1000;
        int64_t hot_a = last_a / 100 * 100;
        hot_auction += auction == hot_a;
        existing_auction += auction <= last_a;
        /* hot, or among the last 100 in flight, up to 10 ahead */
        ok &= auction == hot_a || (auction >= SL_MAX(last_a - 100, 0) && auction <= last_a + 10);
        int64_t bidder = i64(b, "bid_bidder", i) - 1000;
        int64_t hot_b = last_p / 100 * 100 + 1;
        hot_bidder += bidder == hot_b;
        int64_t active = SL_MIN(people, 1000);
        ok &= bidder == hot_b || (bidder >= people - active && bidder < people + 10);
        int64_t price = i64(b, "bid_price", i);
        ok &= price >= 100 && price <= 100000000;
        cheap += price < 100000; /* 10^(6u) * 100 < 10^5 when u < 1/2 */
        slstr ch = str(b, "bid_channel", i);
        bool hot_ch = ch.len < 8 || memcmp(ch.ptr, "channel-", 8) != 0;
        hot_channel += hot_ch;
        slstr url = str(b, "bid_url", i);
        ok &= url.len > 40 && memcmp(url.ptr, "https://www.nexmark.com/", 24) == 0;
        bid_bytes += 32 + str(b, "bid_extra", i).len;
    }
    CHECK(ok);
    CHECK_INT(bids, 92000);
    /* hot-ratio.auctions 2: half the bids hot (plus the random ones hitting it) */
    double f = (double)hot_auction / (double)bids;
    CHECK(f > 0.49 && f < 0.52);
    f = (double)existing_auction / (double)bids;
    CHECK(f > 0.90); /* only the random "lead" ids may not exist yet */
    f = (double)hot_bidder / (double)bids; /* hot-ratio.bidders 4 */
    CHECK(f > 0.74 && f < 0.77);
    f = (double)hot_seller / (double)n_auctions; /* hot-ratio.sellers 4 */
    CHECK(f > 0.73 && f < 0.78);
    f = (double)cheap / (double)bids;
    CHECK(f > 0.49 && f < 0.51);
    f = (double)hot_channel / (double)bids;
    CHECK(f > 0.49 && f < 0.51);
    /* average sizes as configured (bid 100, person 200 bytes) */
    f = (double)bid_bytes / (double)bids;
    CHECK(f > 98 && f < 102);
    f = (double)person_bytes / (double)n_people;
    CHECK(f > 195 && f < 205);
    slbatch_free(b);
    slnexmark_conf_free(c);

    /* hot-ratio 1: no hot auctions or bidders beyond chance */
    static const char *const cold[] = {"nexmark.table=bid", "events.num=50000",
                                       "bid.hot-ratio.auctions=1", "bid.hot-ratio.bidders=1",
                                       NULL};
    c = conf_of(cold);
    b = read_all(c, 100000);
    int64_t same = 0;
    for (uint32_t i = 1; i < b->n; i++) {
        same += i64(b, "auction", i) == i64(b, "auction", i - 1);
    }
    CHECK((double)same / b->n < 0.05);
    slbatch_free(b);
    slnexmark_conf_free(c);
}

TEST(nexmark_deterministic_across_batch_sizes) {
    static const char *const tables[] = {"nexmark.table=person", "nexmark.table=auction",
                                         "nexmark.table=bid", "nexmark.table=all"};
    for (int t = 0; t < 4; t++) {
        const char *opts[] = {tables[t], "events.num=3000", "nexmark.seed=42", NULL};
        slbuf want = {0};
        slnexmark_conf *c = conf_of(opts);
        collect(c, 1024, 0, 1, &want);
        CHECK(want.len > 0);
        uint32_t caps[] = {1, 7, 1024};
        for (int k = 0; k < 3; k++) {
            slnexmark_conf *c2 = conf_of(opts); /* a fresh conf: same tables */
            slbuf got = {0};
            collect(c2, caps[k], 0, 1, &got);
            CHECK(got.len == want.len && memcmp(got.data, want.data, want.len) == 0);
            slbuf_free(&got);
            slnexmark_conf_free(c2);
        }
        /* another seed changes the rows */
        const char *opts2[] = {tables[t], "events.num=3000", "nexmark.seed=43", NULL};
        slnexmark_conf *c3 = conf_of(opts2);
        slbuf other = {0};
        collect(c3, 1024, 0, 1, &other);
        CHECK(other.len != want.len || memcmp(other.data, want.data, want.len) != 0);
        slbuf_free(&other);
        slnexmark_conf_free(c3);
        slbuf_free(&want);
        slnexmark_conf_free(c);
    }
}

TEST(nexmark_event_time_spacing) {
    /* rate 1000/s: one event a millisecond, from the first-event time */
    static const char *const opts[] = {"nexmark.table=all", "events.num=5000",
                                       "first-event.rate=1000",
                                       "nexmark.first-event.time=2020-01-01 00:00:00", NULL};
    slnexmark_conf *c = conf_of(opts);
    slbatch *b = read_all(c, 10000);
    CHECK_INT(b->n, 5000);
    int64_t t0 = 1577836800000000; /* 2020-01-01 00:00:00 UTC in us */
    bool ok = true;
    for (uint32_t i = 0; i < b->n; i++) {
        ok &= i64(b, "dateTime", i) == t0 + (int64_t)i * 1000 && b->ts[i] == t0 + (int64_t)i * 1000;
    }
    CHECK(ok);
    slbatch_free(b);
    slnexmark_conf_free(c);
    /* rate 10M/s: 10,000 events per millisecond; rate 7/s: floor(n * 1000 / 7) ms */
    static const char *const fast[] = {"nexmark.table=all", "events.num=100000",
                                       "first-event.rate=10000000",
                                       "nexmark.first-event.time=0", NULL};
    c = conf_of(fast);
    b = read_all(c, 100000);
    ok = true;
    for (uint32_t i = 0; i < b->n; i++) {
        ok &= b->ts[i] == (int64_t)(i / 10000) * 1000;
    }
    CHECK(ok);
    slbatch_free(b);
    slnexmark_conf_free(c);
    static const char *const slow[] = {"nexmark.table=bid", "events.num=1000",
                                       "first-event.rate=7", "nexmark.first-event.time=1000",
                                       NULL};
    c = conf_of(slow);
    for (uint64_t n = 0; n < 1000; n += 37) {
        int kind;
        int64_t ms;
        slnexmark_event_at(c, n, &kind, &ms);
        CHECK_INT(ms, 1000 + (int64_t)(n * 1000 / 7));
        CHECK_INT(kind, n % 50 == 0 ? 0 : n % 50 < 4 ? 1 : 2);
    }
    b = read_all(c, 1000);
    CHECK_INT(b->n, 920);
    CHECK_INT(b->ts[0], (1000 + 4000 / 7) * 1000); /* the first bid is event 4 */
    slbatch_free(b);
    /* an auction expires within twice the time of 100 auctions (1666 events) */
    slnexmark_conf_free(c);
}

TEST(nexmark_out_of_order_bound) {
    /* 50 ms at 10,000 events/s: groups of 501 events; 100,000 is not a
     * multiple, so the last group is partial. */
    static const char *const opts[] = {"nexmark.table=all", "events.num=100000",
                                       "nexmark.out-of-order.bound=50 ms", NULL};
    slnexmark_conf *c = conf_of(opts);
    CHECK_INT(c->group, 501);
    slbatch *b = read_all(c, 100000);
    CHECK_INT(b->n, 100000);
    int64_t max_ts = INT64_MIN, max_late = 0, late = 0;
    uint8_t *seen_p = calloc(2000, 1), *seen_a = calloc(6000, 1);
    int64_t count[3] = {0, 0, 0};
    bool ok = true;
    for (uint32_t i = 0; i < b->n; i++) {
        int64_t ts = i64(b, "dateTime", i);
        if (ts < max_ts) {
            late++;
            max_late = SL_MAX(max_late, max_ts - ts);
        }
        max_ts = SL_MAX(max_ts, ts);
        int64_t k = i64(b, "event_type", i);
        count[k]++;
        if (k == 0) {
            int64_t id = i64(b, "person_id", i) - 1000;
            ok &= id >= 0 && id < 2000 && !seen_p[id];
            seen_p[id] = 1;
        } else if (k == 1) {
            int64_t id = i64(b, "auction_id", i) - 1000;
            ok &= id >= 0 && id < 6000 && !seen_a[id];
            seen_a[id] = 1;
        }
    }
    CHECK(ok); /* every person and auction exactly once */
    CHECK_INT(count[0], 2000);
    CHECK_INT(count[1], 6000);
    CHECK_INT(count[2], 92000);
    CHECK(late > 50000);
    CHECK(max_late <= 50 * 1000);
    CHECK(max_late >= 45 * 1000);
    free(seen_p);
    free(seen_a);
    slbatch_free(b);
    slnexmark_conf_free(c);
    /* a bid source of the same events: the same bound */
    static const char *const bid_opts[] = {"nexmark.table=bid", "events.num=100000",
                                           "nexmark.out-of-order.bound=50 ms", NULL};
    c = conf_of(bid_opts);
    b = read_all(c, 100000);
    CHECK_INT(b->n, 92000);
    max_ts = INT64_MIN;
    max_late = 0;
    for (uint32_t i = 0; i < b->n; i++) {
        if (i > 0) {
            max_late = SL_MAX(max_late, max_ts - b->ts[i]);
        }
        max_ts = SL_MAX(max_ts, b->ts[i]);
    }
    CHECK(max_late > 0 && max_late <= 50 * 1000);
    slbatch_free(b);
    slnexmark_conf_free(c);
}

/* Sort the lines of a buffer (for comparing multisets of rows). */
static int cmp_line(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static char *sorted_lines(slbuf *in) {
    char *text = slmem_strdup(slbuf_cstr(in));
    size_t n = 0, cap = 1024;
    char **lines = malloc(cap * sizeof *lines);
    for (char *p = strtok(text, "\n"); p; p = strtok(NULL, "\n")) {
        if (n == cap) {
            cap *= 2;
            lines = realloc(lines, cap * sizeof *lines);
        }
        lines[n++] = p;
    }
    qsort(lines, n, sizeof *lines, cmp_line);
    slbuf out = {0};
    for (size_t i = 0; i < n; i++) {
        slbuf_puts(&out, lines[i]);
        slbuf_putc(&out, '\n');
    }
    free(lines);
    slmem_free(text);
    char *r = slmem_strdup(slbuf_cstr(&out));
    slbuf_free(&out);
    return r;
}

TEST(nexmark_parallel_equals_sequential) {
    static const char *const tables[] = {"nexmark.table=person", "nexmark.table=bid",
                                         "nexmark.table=all"};
    for (int t = 0; t < 3; t++) {
        for (int ooo = 0; ooo < 2; ooo++) {
            const char *opts[] = {tables[t], "events.num=20000",
                                  ooo ? "nexmark.out-of-order.bound=20ms" : "nexmark.seed=0",
                                  NULL};
            slnexmark_conf *c = conf_of(opts);
            slbuf seq = {0};
            collect(c, 1024, 0, 1, &seq);
            char *want = sorted_lines(&seq);
            for (int p = 2; p <= 3; p++) {
                slbuf par = {0};
                for (int k = 0; k < p; k++) {
                    size_t before = par.len;
                    collect(c, 7, k, p, &par);
                    CHECK(par.len > before); /* every subtask has rows */
                }
                char *got = sorted_lines(&par);
                CHECK(strcmp(got, want) == 0);
                slmem_free(got);
                slbuf_free(&par);
            }
            slmem_free(want);
            slbuf_free(&seq);
            slnexmark_conf_free(c);
        }
    }
}

TEST(nexmark_rate_limited) {
    static const char *const opts[] = {"nexmark.table=all", "events.num=100",
                                       "first-event.rate=1000", "rate.limited=true", NULL};
    slnexmark_conf *c = conf_of(opts);
    slopctx ctx;
    manual_now = 5000000;
    slsource *s = open_source(c, 0, 1, &ctx);
    slbatch *b = slbatch_new(c->schema, 1024);
    CHECK_INT(s->vt->read(s, b), SLSRC_MORE);
    CHECK_INT(b->n, 1); /* event 0 is due at once */
    slbatch_clear(b);
    CHECK_INT(s->vt->read(s, b), SLSRC_IDLE);
    CHECK_INT(b->n, 0);
    manual_now += 2500; /* 2.5 ms: events 1 and 2 */
    CHECK_INT(s->vt->read(s, b), SLSRC_MORE);
    CHECK_INT(b->n, 2);
    slbatch_clear(b);
    manual_now += 1000000;
    CHECK_INT(s->vt->read(s, b), SLSRC_MORE);
    CHECK_INT(b->n, 97);
    slbatch_clear(b);
    CHECK_INT(s->vt->read(s, b), SLSRC_END);
    slbatch_free(b);
    s->vt->free(s);
    slnexmark_conf_free(c);
}

TEST(nexmark_rate_limited_without_clock) {
    /* no clock in the context: the system clock paces (1e9 events/s: the 100
     * events are due within a microsecond of the first read) */
    static const char *const opts[] = {"nexmark.table=all", "events.num=100",
                                       "first-event.rate=1000000000", "rate.limited=true", NULL};
    slnexmark_conf *c = conf_of(opts);
    slopctx ctx;
    slsource *s = open_source(c, 0, 1, &ctx);
    ctx.clock = NULL;
    slbatch *b = slbatch_new(c->schema, 1024);
    int reads = 0;
    while (s->vt->read(s, b) != SLSRC_END && ++reads < 10000000) {
    }
    CHECK_INT(b->n, 100);
    slbatch_free(b);
    s->vt->free(s);
    slnexmark_conf_free(c);
}

TEST(nexmark_unbounded_and_proportions) {
    /* events.num 0 = unbounded */
    static const char *const opts[] = {"nexmark.table=bid", "events.num=0", NULL};
    slnexmark_conf *c = conf_of(opts);
    CHECK_INT(c->n_events, -1);
    slopctx ctx;
    slsource *s = open_source(c, 0, 1, &ctx);
    slbatch *b = slbatch_new(c->schema, 1000);
    for (int k = 0; k < 20; k++) {
        slbatch_clear(b);
        CHECK_INT(s->vt->read(s, b), SLSRC_MORE);
        CHECK_INT(b->n, 1000);
    }
    slbatch_free(b);
    s->vt->free(s);
    slnexmark_conf_free(c);
    /* other proportions: 2 people, 1 auction, 0 bids */
    static const char *const p[] = {"nexmark.table=all", "events.num=30", "person.proportion=2",
                                    "auction.proportion=1", "bid.proportion=0", NULL};
    c = conf_of(p);
    b = read_all(c, 100);
    CHECK_INT(b->n, 30);
    for (uint32_t i = 0; i < b->n; i++) {
        CHECK_INT(i64(b, "event_type", i), i % 3 < 2 ? 0 : 1);
    }
    CHECK_INT(i64(b, "person_id", 3), 1002);
    CHECK_INT(i64(b, "auction_id", 5), 1001);
    slbatch_free(b);
    slnexmark_conf_free(c);
    static const char *const nobids[] = {"nexmark.table=bid", "events.num=0",
                                         "bid.proportion=0", NULL};
    c = conf_of(nobids);
    s = open_source(c, 0, 1, &ctx);
    b = slbatch_new(c->schema, 10);
    CHECK_INT(s->vt->read(s, b), SLSRC_END);
    CHECK_INT(b->n, 0);
    slbatch_free(b);
    s->vt->free(s);
    slnexmark_conf_free(c);
}

TEST(nexmark_options) {
    slnexmark_conf *c = slnexmark_conf_new();
    CHECK_INT(c->rate, 10000);
    CHECK_INT(c->hot_auction_ratio, 2);
    CHECK_INT(c->hot_bidder_ratio, 4);
    CHECK_INT(c->hot_seller_ratio, 4);
    CHECK_INT(c->first_event_ms, INT64_C(1436918400000));
    CHECK_INT(slnexmark_conf_set(c, "events.num", "-3"), SL_ERR_ARG);
    CHECK_STR(sl_errmsg(), "nexmark option 'events.num': bad value '-3' (a count; 0 = unbounded)");
    CHECK_INT(slnexmark_conf_set(c, "nexmark.table", "bids"), SL_ERR_ARG);
    CHECK_STR(sl_errmsg(),
              "nexmark option 'nexmark.table': bad value 'bids' (person, auction, bid or all)");
    CHECK_INT(slnexmark_conf_set(c, "bid.hot-ratio.auctions", "0"), SL_ERR_ARG);
    CHECK_CONTAINS(sl_errmsg(), "an integer from 1 to");
    CHECK_INT(slnexmark_conf_set(c, "auction.proportion", "0"), SL_ERR_ARG);
    CHECK_INT(slnexmark_conf_set(c, "rate.shape", "sine"), SL_ERR_ARG);
    CHECK_CONTAINS(sl_errmsg(), "nexmark: unknown option 'rate.shape' (known: nexmark.table,");
    CHECK_INT(slnexmark_conf_set(c, "first-event.rate", "5000"), SL_OK);
    CHECK_INT(slnexmark_conf_set(c, "next-event.rate", "5000"), SL_OK);
    CHECK_INT(slnexmark_conf_set(c, "next-event.rate", "6000"), SL_ERR_UNSUPPORTED);
    CHECK_CONTAINS(sl_errmsg(), "a rate different from 'first-event.rate' (5000)");
    CHECK_INT(slnexmark_conf_set(c, "bid.avg-size", "2kb"), SL_OK);
    CHECK_INT(c->avg_bytes[2], 2048);
    CHECK_INT(slnexmark_conf_set(c, "person.avg-size", "300 bytes"), SL_OK);
    CHECK_INT(c->avg_bytes[0], 300);
    CHECK_INT(slnexmark_conf_set(c, "auction.avg-size", "2gb"), SL_ERR_ARG);
    CHECK_INT(slnexmark_conf_set(c, "nexmark.first-event.time", "2024-02-29 12:00:00.5"),
              SL_OK);
    CHECK_INT(c->first_event_ms, INT64_C(1709208000500));
    CHECK_INT(slnexmark_conf_set(c, "nexmark.first-event.time", "yesterday"), SL_ERR_ARG);
    CHECK_INT(slnexmark_conf_set(c, "nexmark.out-of-order.bound", "2 s"), SL_OK);
    CHECK_INT(c->ooo_bound_ms, 2000);
    CHECK_INT(slnexmark_conf_set(c, "rate.limited", "maybe"), SL_ERR_ARG);
    CHECK_INT(slnexmark_conf_set(c, "nexmark.seed", "-5"), SL_OK);
    /* columns: a subset in another order; wrong names and types */
    sl_schema *want = schema_of("price BIGINT, dateTime TIMESTAMP, AUCTION BIGINT");
    CHECK_INT(slnexmark_conf_prepare(c, want), SL_OK);
    CHECK_INT(c->group, 2 * 5000 + 1);
    slbatch *b = read_all(c, 5);
    CHECK_INT(b->n, 5);
    CHECK_INT(b->schema->n, 3);
    CHECK(b->cols[0].v.i64[0] >= 100 && b->cols[2].v.i64[0] >= 1000);
    CHECK_INT(b->cols[1].v.i64[0], b->ts[0]);
    slbatch_free(b);
    sl_schema_free(want);
    want = schema_of("price DOUBLE");
    CHECK_INT(slnexmark_conf_prepare(c, want), SL_ERR_TYPE);
    CHECK_STR(sl_errmsg(),
              "column 'price' is declared DOUBLE, but the nexmark bid table's 'price' is BIGINT");
    sl_schema_free(want);
    want = schema_of("auction BIGINT, bidder_id BIGINT");
    CHECK_INT(slnexmark_conf_prepare(c, want), SL_ERR_ARG);
    CHECK_STR(sl_errmsg(),
              "column 'bidder_id' is not a column of the nexmark bid table (auction BIGINT, "
              "bidder BIGINT, price BIGINT, channel STRING, url STRING, dateTime TIMESTAMP, "
              "extra STRING)");
    sl_schema_free(want);
    slnexmark_conf_free(c);
    slnexmark_conf_free(NULL);
}

TEST(nexmark_table_schemas) {
    static const char *const want[] = {
        "id BIGINT, name STRING, emailAddress STRING, creditCard STRING, city STRING, state "
        "STRING, dateTime TIMESTAMP, extra STRING",
        "id BIGINT, itemName STRING, description STRING, initialBid BIGINT, reserve BIGINT, "
        "dateTime TIMESTAMP, expires TIMESTAMP, seller BIGINT, category BIGINT, extra STRING",
        "auction BIGINT, bidder BIGINT, price BIGINT, channel STRING, url STRING, dateTime "
        "TIMESTAMP, extra STRING",
    };
    for (int t = 0; t < 3; t++) {
        sl_schema *s = slnexmark_table_schema((slnex_table)t);
        slbuf d = {0};
        slschema_describe(s, &d);
        CHECK_STR(slbuf_cstr(&d), want[t]);
        slbuf_free(&d);
        slschema_unref(s);
    }
    sl_schema *all = slnexmark_table_schema(SLNEX_ALL);
    CHECK_INT(all->n, 24);
    CHECK_STR(slnexmark_table_name(SLNEX_ALL), "all");
    slschema_unref(all);
}
