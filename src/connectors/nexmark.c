/*
 * nexmark.c - the Nexmark benchmark's event generator as a source: people,
 * auctions and bids of an online auction, following the definition of the
 * generator in Apache Beam's Nexmark suite and its Flink port
 * (github.com/nexmark/nexmark), written from that definition.
 *
 * The event stream. Events are numbered n = 0, 1, 2, ... Within every block of
 * T = person + auction + bid proportions (1 + 3 + 46 = 50) events, the first
 * is a person, the next three auctions, the remaining 46 bids. Ids come from
 * the event number: the person of block e has id 1000 + e, the auctions of
 * block e ids 1000 + 3e + 0..2. A bid names an auction and a bidder that exist
 * or are about to: with probability 1 - 1/hot-ratio.auctions (default 2) the
 * first id of the current hundred of auctions (a "hot" auction), else a
 * random one of the last 100 in flight or up to 10 ids ahead; the bidder
 * likewise (hot-ratio.bidders 4: the second id of the current hundred of
 * people, else one of the last 1000 active people or up to 10 ahead). An
 * auction's seller is chosen the same way (hot-ratio.sellers 4: the first id
 * of the current hundred of people). Categories 10..14; prices
 * round(10^(6u) * 100) cents; an auction expires 1 + random(2 * h) ms after
 * it starts, h the event time until 100 more auctions exist. Strings: names
 * from first x last name tables, cities and states from fixed tables, emails
 * "abc@defg.com", credit cards "dddd dddd dddd dddd", item names (< 20) and
 * descriptions (< 100) of letters with a space in 13, bid channels ("Google",
 * "Facebook", "Baidu", "Apple" for half the bids, else one of "channel-0" ..
 * "channel-9999") each with its own URL (drawn once from the seed; 9 in 10
 * end in "&channel_id=" + Java's Math.abs(Integer.reverse(k))), and an
 * `extra` padding of letters that brings each event to its average size
 * (200, 500 and 100 bytes, +-20%).
 *
 * Event time: event n happens at first-event time + floor(n * 1000 / rate) ms
 * (rate = first-event.rate, events per second; Flink's default 10,000, its
 * benchmark suite runs 10,000,000). The first-event time defaults to
 * 2015-07-15 00:00:00 UTC, not the wall clock as in Flink, so that runs are
 * reproducible. Out-of-orderness (nexmark.out-of-order.bound, default 0):
 * Beam's out-of-order groups. Events are emitted in groups of g consecutive
 * numbers, g - 1 = bound * rate / 1000, and the i-th event of a group is the
 * event numbered base + (i * 953) mod g (a permutation as 953 is prime; a last
 * partial group of a bounded stream permutes within itself). So no event is
 * more than `bound` behind an event emitted before it.
 *
 * Randomness: every random choice of event a comes from a wyrand stream
 * seeded with hash(seed, a), so a row is a pure function of (options, a): the
 * same rows at any batch size or parallelism. Where this differs from Flink:
 * Flink draws from an unseeded java.util.Random (not reproducible), so the
 * values are not Flink's, only their distributions are; Flink adds 1000 to
 * the bidder id twice (a bug) and this does not. Speed over texture: random
 * letter strings are slices at random offsets of two seeded 64 KiB pools
 * (letters, and letters with spaces) instead of letters drawn one at a time.
 *
 * Tables. Sluice has no ROW type, so Flink's one `datagen` table with a ROW
 * column per kind cannot be declared; instead each source keeps one kind
 * (nexmark.table = person | auction | bid; every source walks the same event
 * sequence, so ids and times agree between them), with the column names and
 * types of Flink's person/auction/bid views, or all kinds as one wide table
 * ("all": event_type, dateTime, person_*, auction_*, bid_* with NULLs).
 *
 * Invariants: a conf is read-only once prepared and shared by the subtasks;
 * a source's state is only its position (block, offset) and caches.
 *
 * Hot path: read() walks event numbers (jumping straight to the next event of
 * its kind when there is no out-of-order group), writes values into the
 * column arrays and copies strings into blocks of the batch arena (one
 * allocation per up to 16 KiB of rows) in 32-byte chunks. Nothing is
 * allocated per row.
 *
 * Called by: plan_io.c (connector 'nexmark'), the `sluice gen nexmark`
 * command, tests and bench/nexmark_gen_bench.c.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>

#include "connectors/connectors.h"

/* Constants of the definition. */
#define FIRST_PERSON_ID 1000
#define FIRST_AUCTION_ID 1000
#define FIRST_CATEGORY_ID 10
#define NUM_CATEGORIES 5
#define PERSON_ID_LEAD 10
#define AUCTION_ID_LEAD 10
#define HOT_SELLER_BATCH 100
#define HOT_AUCTION_BATCH 100
#define HOT_BIDDER_BATCH 100
#define HOT_CHANNELS_RATIO 2
#define N_CHANNELS 10000
#define N_HOT_CHANNELS 4
#define MIN_STRING_LENGTH 3
#define OOO_MULTIPLIER 953
#define DEFAULT_FIRST_EVENT_MS INT64_C(1436918400000) /* 2015-07-15 00:00:00 UTC */
#define MAX_AVG_BYTES (1 << 20)

/* Random slices start at offsets [0, POOL_SPAN) of the pools. */
#define POOL_SPAN 65536u
/* Prices: 10^(6u) from a table of PRICE_STEPS steps and a cubic in between. */
#define PRICE_STEPS 4096
#define SIX_LN10 13.815510557964274
/* String copies go in 32-byte chunks: every source (pools, table bytes, the
 * scratch) has COPY_SLACK readable bytes after any string, and every row's
 * arena block COPY_SLACK bytes to spare. */
#define COPY_SLACK 32

/* Generated fields (indexes of slnexmark_conf.col_of). */
enum {
    F_TYPE, F_TIME,
    P_ID, P_NAME, P_EMAIL, P_CARD, P_CITY, P_STATE, P_EXTRA,
    A_ID, A_ITEM, A_DESC, A_INITIAL, A_RESERVE, A_EXPIRES, A_SELLER, A_CATEGORY, A_EXTRA,
    B_AUCTION, B_BIDDER, B_PRICE, B_CHANNEL, B_URL, B_EXTRA,
    N_FIELDS
};

typedef struct colspec {
    const char *name;
    int field;
    sl_type type;
} colspec;

/* Flink's column names (its person / auction / bid views). */
static const colspec person_cols[] = {
    {"id", P_ID, SL_BIGINT},         {"name", P_NAME, SL_STRING},
    {"emailAddress", P_EMAIL, SL_STRING}, {"creditCard", P_CARD, SL_STRING},
    {"city", P_CITY, SL_STRING},     {"state", P_STATE, SL_STRING},
    {"dateTime", F_TIME, SL_TIMESTAMP}, {"extra", P_EXTRA, SL_STRING},
};
static const colspec auction_cols[] = {
    {"id", A_ID, SL_BIGINT},           {"itemName", A_ITEM, SL_STRING},
    {"description", A_DESC, SL_STRING}, {"initialBid", A_INITIAL, SL_BIGINT},
    {"reserve", A_RESERVE, SL_BIGINT}, {"dateTime", F_TIME, SL_TIMESTAMP},
    {"expires", A_EXPIRES, SL_TIMESTAMP}, {"seller", A_SELLER, SL_BIGINT},
    {"category", A_CATEGORY, SL_BIGINT}, {"extra", A_EXTRA, SL_STRING},
};
static const colspec bid_cols[] = {
    {"auction", B_AUCTION, SL_BIGINT}, {"bidder", B_BIDDER, SL_BIGINT},
    {"price", B_PRICE, SL_BIGINT},     {"channel", B_CHANNEL, SL_STRING},
    {"url", B_URL, SL_STRING},         {"dateTime", F_TIME, SL_TIMESTAMP},
    {"extra", B_EXTRA, SL_STRING},
};
static const colspec all_cols[] = {
    {"event_type", F_TYPE, SL_BIGINT},
    {"dateTime", F_TIME, SL_TIMESTAMP},
    {"person_id", P_ID, SL_BIGINT},
    {"person_name", P_NAME, SL_STRING},
    {"person_emailAddress", P_EMAIL, SL_STRING},
    {"person_creditCard", P_CARD, SL_STRING},
    {"person_city", P_CITY, SL_STRING},
    {"person_state", P_STATE, SL_STRING},
    {"person_extra", P_EXTRA, SL_STRING},
    {"auction_id", A_ID, SL_BIGINT},
    {"auction_itemName", A_ITEM, SL_STRING},
    {"auction_description", A_DESC, SL_STRING},
    {"auction_initialBid", A_INITIAL, SL_BIGINT},
    {"auction_reserve", A_RESERVE, SL_BIGINT},
    {"auction_expires", A_EXPIRES, SL_TIMESTAMP},
    {"auction_seller", A_SELLER, SL_BIGINT},
    {"auction_category", A_CATEGORY, SL_BIGINT},
    {"auction_extra", A_EXTRA, SL_STRING},
    {"bid_auction", B_AUCTION, SL_BIGINT},
    {"bid_bidder", B_BIDDER, SL_BIGINT},
    {"bid_price", B_PRICE, SL_BIGINT},
    {"bid_channel", B_CHANNEL, SL_STRING},
    {"bid_url", B_URL, SL_STRING},
    {"bid_extra", B_EXTRA, SL_STRING},
};

static const struct {
    const colspec *cols;
    int n;
} tables[] = {
    {person_cols, (int)SL_ARRAY_LEN(person_cols)},
    {auction_cols, (int)SL_ARRAY_LEN(auction_cols)},
    {bid_cols, (int)SL_ARRAY_LEN(bid_cols)},
    {all_cols, (int)SL_ARRAY_LEN(all_cols)},
};

static const char *const table_names[] = {"person", "auction", "bid", "all"};

static const char *const first_names[] = {"Peter", "Paul",  "Luke",  "John",   "Saul",  "Vicky",
                                          "Kate",  "Julie", "Sarah", "Deiter", "Walter"};
static const char *const last_names[] = {"Shultz", "Abrams", "Spencer", "White", "Bartels",
                                         "Walton", "Smith",  "Jones",   "Noris"};
static const char *const us_cities[] = {"Phoenix", "Los Angeles", "San Francisco", "Boise",
                                        "Portland", "Bend",       "Redmond",       "Seattle",
                                        "Kent",     "Cheyenne"};
static const char *const us_states[] = {"AZ", "CA", "ID", "OR", "WA", "WY"};
static const char *const hot_channels[] = {"Google", "Facebook", "Baidu", "Apple"};

#define N_FIRST ((int)SL_ARRAY_LEN(first_names))
#define N_LAST ((int)SL_ARRAY_LEN(last_names))

typedef struct strref {
    uint32_t off, len;
} strref;

/* Tables built once per prepared configuration (from the seed). */
struct slnex_tables {
    char *letters;  /* owned: pool_len random lowercase letters */
    char *spaced;   /* owned: pool_len letters, about 1 in 13 a space */
    size_t pool_len; /* POOL_SPAN + the longest slice + COPY_SLACK */
    size_t max_row;  /* bound on the string bytes of one row, + COPY_SLACK */
    char *bytes;    /* owned: person names, channel names, URLs */
    strref names[N_FIRST * N_LAST];
    strref chan_name[N_CHANNELS + N_HOT_CHANNELS]; /* hot ones last */
    strref chan_url[N_CHANNELS + N_HOT_CHANNELS];
    strref city[SL_ARRAY_LEN(us_cities)];
    strref state[SL_ARRAY_LEN(us_states)];
    double price_base[PRICE_STEPS]; /* 100 * 10^(6 k / PRICE_STEPS) */
};

/* ---- randomness ---- */

typedef struct rng {
    uint64_t s;
} rng;

/* wyrand: a Weyl sequence through a 64x64->128 multiply-fold. */
static inline uint64_t rnd_next(rng *r) {
    r->s += UINT64_C(0xa0761d6478bd642f);
    __uint128_t t = (__uint128_t)r->s * (r->s ^ UINT64_C(0xe7037ed1a0b428db));
    return (uint64_t)(t >> 64) ^ (uint64_t)t;
}

/* Uniform in [0, n) for n < 2^32 (multiply-shift; bias below n / 2^32). */
static inline uint32_t rnd_int(rng *r, uint32_t n) {
    return (uint32_t)(((rnd_next(r) >> 32) * (uint64_t)n) >> 32);
}

/* Uniform in [0, n). */
static inline uint64_t rnd_long(rng *r, uint64_t n) {
    return (uint64_t)(((__uint128_t)rnd_next(r) * n) >> 64);
}

static inline double rnd_double(rng *r) {
    return (double)(rnd_next(r) >> 11) * (1.0 / 9007199254740992.0);
}

static inline rng event_rng(const slnexmark_conf *c, uint64_t a) {
    rng r = {slhash_u64(a ^ c->seed_hash)};
    return r;
}

/* ---- configuration ---- */

slnexmark_conf *slnexmark_conf_new(void) {
    slnexmark_conf *c = slmem_calloc(1, sizeof *c);
    c->table = SLNEX_BID;
    c->n_events = -1;
    c->rate = 10000;
    c->first_event_ms = DEFAULT_FIRST_EVENT_MS;
    c->prop[0] = 1;
    c->prop[1] = 3;
    c->prop[2] = 46;
    c->hot_auction_ratio = 2;
    c->hot_bidder_ratio = 4;
    c->hot_seller_ratio = 4;
    c->avg_bytes[0] = 200;
    c->avg_bytes[1] = 500;
    c->avg_bytes[2] = 100;
    c->active_people = 1000;
    c->in_flight_auctions = 100;
    c->group = 1;
    for (int f = 0; f < (int)SL_ARRAY_LEN(c->col_of); f++) {
        c->col_of[f] = -1;
    }
    return c;
}

static void tables_free(slnex_tables *t) {
    if (t) {
        slmem_free(t->letters);
        slmem_free(t->spaced);
        slmem_free(t->bytes);
        slmem_free(t);
    }
}

void slnexmark_conf_free(void *conf) {
    slnexmark_conf *c = conf;
    if (c) {
        slschema_unref(c->schema);
        tables_free(c->tabs);
        slmem_free(c);
    }
}

const char *slnexmark_table_name(slnex_table t) {
    return table_names[t];
}

sl_schema *slnexmark_table_schema(slnex_table t) {
    sl_schema *s;
    sl_schema_new(&s);
    for (int k = 0; k < tables[t].n; k++) {
        sl_schema_add(s, tables[t].cols[k].name, tables[t].cols[k].type);
    }
    return s;
}

static const char *const known_opts =
    "nexmark.table, events.num, first-event.rate, next-event.rate, rate.limited, "
    "person.proportion, auction.proportion, bid.proportion, bid.hot-ratio.auctions, "
    "bid.hot-ratio.bidders, auction.hot-ratio.sellers, person.avg-size, auction.avg-size, "
    "bid.avg-size, nexmark.seed, nexmark.first-event.time, nexmark.out-of-order.bound, "
    "nexmark.active-people, nexmark.in-flight-auctions";

static sl_err bad(const char *key, const char *value, const char *want) {
    return slerr_set(SL_ERR_ARG, "nexmark option '%s': bad value '%s' (%s)", key, value, want);
}

static bool parse_int(const char *v, int64_t lo, int64_t hi, int64_t *out) {
    int64_t x;
    if (!slparse_i64(v, strlen(v), &x) || x < lo || x > hi) {
        return false;
    }
    *out = x;
    return true;
}

/* A byte count as Flink's MemorySize: "200", "200b", "2kb", "1 mb" (k = 1024). */
static bool parse_size(const char *v, int64_t *out) {
    char *end;
    long long x = strtoll(v, &end, 10);
    if (end == v || x < 0) {
        return false;
    }
    while (*end == ' ') {
        end++;
    }
    int64_t mul = 1;
    if (*end == 'k' || *end == 'K') {
        mul = 1024;
        end++;
    } else if (*end == 'm' || *end == 'M') {
        mul = 1024 * 1024;
        end++;
    }
    if (*end == 'i' && mul > 1) {
        end++;
    }
    if (strcasecmp(end, "b") == 0 || strcasecmp(end, "bytes") == 0) {
        end += strlen(end);
    }
    if (*end || x > MAX_AVG_BYTES / mul) {
        return false;
    }
    *out = x * mul;
    return true;
}

static bool parse_bool(const char *v, bool *out) {
    if (strcasecmp(v, "true") == 0) {
        *out = true;
    } else if (strcasecmp(v, "false") == 0) {
        *out = false;
    } else {
        return false;
    }
    return true;
}

sl_err slnexmark_conf_set(slnexmark_conf *c, const char *key, const char *v) {
    int64_t x;
    static const struct {
        const char *key;
        size_t off;
        int64_t lo, hi;
    } ints[] = {
        {"person.proportion", offsetof(slnexmark_conf, prop[0]), 1, 1000},
        {"auction.proportion", offsetof(slnexmark_conf, prop[1]), 1, 1000},
        {"bid.proportion", offsetof(slnexmark_conf, prop[2]), 0, 1000},
        {"bid.hot-ratio.auctions", offsetof(slnexmark_conf, hot_auction_ratio), 1, 1 << 30},
        {"bid.hot-ratio.bidders", offsetof(slnexmark_conf, hot_bidder_ratio), 1, 1 << 30},
        {"auction.hot-ratio.sellers", offsetof(slnexmark_conf, hot_seller_ratio), 1, 1 << 30},
        {"nexmark.active-people", offsetof(slnexmark_conf, active_people), 1, 1 << 30},
        {"nexmark.in-flight-auctions", offsetof(slnexmark_conf, in_flight_auctions), 1, 1 << 30},
    };
    for (size_t k = 0; k < SL_ARRAY_LEN(ints); k++) {
        if (strcasecmp(key, ints[k].key) == 0) {
            if (!parse_int(v, ints[k].lo, ints[k].hi, &x)) {
                char want[64];
                snprintf(want, sizeof want, "an integer from %lld to %lld",
                         (long long)ints[k].lo, (long long)ints[k].hi);
                return bad(key, v, want);
            }
            *(int *)((char *)c + ints[k].off) = (int)x;
            return SL_OK;
        }
    }
    static const char *const sizes[] = {"person.avg-size", "auction.avg-size", "bid.avg-size"};
    for (int k = 0; k < 3; k++) {
        if (strcasecmp(key, sizes[k]) == 0) {
            if (!parse_size(v, &x)) {
                return bad(key, v, "a size in bytes up to 1 mb, as '200b'");
            }
            c->avg_bytes[k] = (int)x;
            return SL_OK;
        }
    }
    if (strcasecmp(key, "nexmark.table") == 0) {
        for (int t = 0; t < 4; t++) {
            if (strcasecmp(v, table_names[t]) == 0) {
                c->table = (slnex_table)t;
                return SL_OK;
            }
        }
        return bad(key, v, "person, auction, bid or all");
    }
    if (strcasecmp(key, "events.num") == 0) {
        if (!parse_int(v, 0, INT64_MAX, &x)) {
            return bad(key, v, "a count; 0 = unbounded");
        }
        c->n_events = x == 0 ? -1 : x;
        return SL_OK;
    }
    if (strcasecmp(key, "first-event.rate") == 0) {
        if (!parse_int(v, 1, INT64_C(1000000000000), &x)) {
            return bad(key, v, "events per second, at least 1");
        }
        c->rate = x;
        return SL_OK;
    }
    if (strcasecmp(key, "next-event.rate") == 0) {
        /* Flink's generator reads only first-event.rate; a different rate
         * would be silently ignored there, so it is refused here. */
        if (!parse_int(v, 1, INT64_C(1000000000000), &x)) {
            return bad(key, v, "events per second, at least 1");
        }
        if (x != c->rate) {
            return slerr_set(SL_ERR_UNSUPPORTED,
                             "nexmark option 'next-event.rate' = '%s': a rate different from "
                             "'first-event.rate' (%lld) is not supported (set it first, or set "
                             "both equal)",
                             v, (long long)c->rate);
        }
        return SL_OK;
    }
    if (strcasecmp(key, "rate.limited") == 0) {
        if (!parse_bool(v, &c->rate_limited)) {
            return bad(key, v, "true or false");
        }
        return SL_OK;
    }
    if (strcasecmp(key, "nexmark.seed") == 0) {
        if (!slparse_i64(v, strlen(v), &x)) {
            return bad(key, v, "an integer");
        }
        c->seed = (uint64_t)x;
        return SL_OK;
    }
    if (strcasecmp(key, "nexmark.first-event.time") == 0) {
        int64_t us;
        if (slparse_i64(v, strlen(v), &x)) {
            c->first_event_ms = x; /* epoch milliseconds */
        } else if (sl_parse_timestamp(v, strlen(v), &us) == SL_OK) {
            c->first_event_ms = us / 1000 - (us % 1000 < 0);
        } else {
            return bad(key, v, "a timestamp as '2015-07-15 00:00:00', or epoch milliseconds");
        }
        return SL_OK;
    }
    if (strcasecmp(key, "nexmark.out-of-order.bound") == 0) {
        int64_t us;
        if (sl_parse_duration(v, &us) != SL_OK || us < 0) {
            return bad(key, v, "a duration as '2 s' or '500 ms'");
        }
        c->ooo_bound_ms = us / 1000;
        return SL_OK;
    }
    return slerr_set(SL_ERR_ARG, "nexmark: unknown option '%s' (known: %s)", key, known_opts);
}

/* n random letters; with `special`, about 1 in 13 is that character instead. */
static void fill_letters(rng *r, char *p, size_t n, char special) {
    for (size_t k = 0; k < n; k++) {
        p[k] = special && rnd_int(r, 13) == 0 ? special : (char)('a' + rnd_int(r, 26));
    }
}

static strref put_bytes(slbuf *b, const char *p, size_t n) {
    strref s = {(uint32_t)b->len, (uint32_t)n};
    slbuf_put(b, p, n);
    return s;
}

/* A channel URL: "https://www.nexmark.com/" + three 3-4 letter path parts
 * (underscores for spaces) + "/item.htm?query=1". */
static void base_url(rng *r, slbuf *b) {
    slbuf_puts(b, "https://www.nexmark.com/");
    for (int k = 0; k < 3; k++) {
        char part[4];
        size_t n = MIN_STRING_LENGTH + rnd_int(r, 5 - MIN_STRING_LENGTH);
        fill_letters(r, part, n, '_');
        slbuf_put(b, part, n);
        slbuf_putc(b, '/');
    }
    slbuf_puts(b, "item.htm?query=1");
}

static slnex_tables *tables_build(const slnexmark_conf *c) {
    slnex_tables *t = slmem_calloc(1, sizeof *t);
    /* one stream per table, so that no table depends on another's size */
    rng r = {slhash_u64(c->seed ^ UINT64_C(0x7461626C6573))};
    rng r_letters = {slhash_u64(c->seed ^ UINT64_C(0x6C657474657273))};
    rng r_spaced = {slhash_u64(c->seed ^ UINT64_C(0x737061636564))};
    int longest = 128;
    for (int k = 0; k < 3; k++) {
        longest = SL_MAX(longest, c->avg_bytes[k] + c->avg_bytes[k] / 4 + 2);
    }
    t->pool_len = POOL_SPAN + (size_t)longest + COPY_SLACK;
    t->letters = slmem_alloc(t->pool_len);
    t->spaced = slmem_alloc(t->pool_len);
    fill_letters(&r_letters, t->letters, t->pool_len, 0);
    fill_letters(&r_spaced, t->spaced, t->pool_len, ' ');
    slbuf b = {0};
    for (int i = 0; i < N_FIRST; i++) {
        for (int j = 0; j < N_LAST; j++) {
            strref *s = &t->names[i * N_LAST + j];
            s->off = (uint32_t)b.len;
            slbuf_puts(&b, first_names[i]);
            slbuf_putc(&b, ' ');
            slbuf_puts(&b, last_names[j]);
            s->len = (uint32_t)(b.len - s->off);
        }
    }
    for (size_t i = 0; i < SL_ARRAY_LEN(us_cities); i++) {
        t->city[i] = put_bytes(&b, us_cities[i], strlen(us_cities[i]));
    }
    for (size_t i = 0; i < SL_ARRAY_LEN(us_states); i++) {
        t->state[i] = put_bytes(&b, us_states[i], strlen(us_states[i]));
    }
    for (int k = 0; k < PRICE_STEPS; k++) {
        t->price_base[k] = 100.0 * exp(SIX_LN10 * k / PRICE_STEPS);
    }
    if (c->table == SLNEX_BID || c->table == SLNEX_ALL) {
        for (int k = 0; k < N_HOT_CHANNELS; k++) {
            t->chan_name[N_CHANNELS + k] =
                put_bytes(&b, hot_channels[k], strlen(hot_channels[k]));
            strref *u = &t->chan_url[N_CHANNELS + k];
            u->off = (uint32_t)b.len;
            base_url(&r, &b);
            u->len = (uint32_t)(b.len - u->off);
        }
        for (int k = 0; k < N_CHANNELS; k++) {
            char name[32];
            int n = snprintf(name, sizeof name, "channel-%d", k);
            t->chan_name[k] = put_bytes(&b, name, (size_t)n);
            strref *u = &t->chan_url[k];
            u->off = (uint32_t)b.len;
            base_url(&r, &b);
            if (rnd_int(&r, 10) > 0) {
                /* Java's Math.abs(Integer.reverse(k)): the bits of k reversed
                 * as an int32, made positive (INT32_MIN stays negative). */
                uint32_t x = (uint32_t)k, rev = 0;
                for (int bit = 0; bit < 32; bit++) {
                    rev = (rev << 1) | ((x >> bit) & 1);
                }
                int64_t v = (int32_t)rev;
                if (v < 0 && v != INT32_MIN) {
                    v = -v;
                }
                slbuf_printf(&b, "&channel_id=%lld", (long long)v);
            }
            u->len = (uint32_t)(b.len - u->off);
        }
    }
    /* A row holds at most: name 14, email 15, card 19, city 13, state 2;
     * item 19, description 99; channel 12 and a URL; an extra each. */
    size_t max_url = 0;
    for (int k = 0; k < N_CHANNELS + N_HOT_CHANNELS; k++) {
        max_url = SL_MAX(max_url, t->chan_url[k].len);
    }
    t->max_row = 256 + max_url + COPY_SLACK;
    for (int k = 0; k < 3; k++) {
        t->max_row += (size_t)(c->avg_bytes[k] + c->avg_bytes[k] / 4 + 2);
    }
    static const char slack[COPY_SLACK] = {0};
    slbuf_put(&b, slack, sizeof slack); /* read by the chunked copies */
    t->bytes = b.data;
    return t;
}

sl_err slnexmark_conf_prepare(slnexmark_conf *c, const sl_schema *want) {
    const colspec *cols = tables[c->table].cols;
    int n_cols = tables[c->table].n;
    sl_schema *full = slnexmark_table_schema(c->table);
    const sl_schema *s = want ? want : full;
    for (int f = 0; f < (int)SL_ARRAY_LEN(c->col_of); f++) {
        c->col_of[f] = -1;
    }
    for (int j = 0; j < s->n; j++) {
        const char *name = s->fields[j].name;
        int k = 0;
        while (k < n_cols && !slstr_ieq0(cols[k].name, name)) {
            k++;
        }
        if (k == n_cols) {
            slbuf d = {0};
            slschema_describe(full, &d);
            sl_err err = slerr_set(SL_ERR_ARG,
                                   "column '%s' is not a column of the nexmark %s table (%s)",
                                   name, table_names[c->table], slbuf_cstr(&d));
            slbuf_free(&d);
            slschema_unref(full);
            return err;
        }
        if (s->fields[j].type != cols[k].type) {
            slschema_unref(full);
            return slerr_set(SL_ERR_TYPE,
                             "column '%s' is declared %s, but the nexmark %s table's '%s' is %s",
                             name, sl_type_name(s->fields[j].type), table_names[c->table],
                             cols[k].name, sl_type_name(cols[k].type));
        }
        if (c->col_of[cols[k].field] >= 0) {
            slschema_unref(full);
            return slerr_set(SL_ERR_ARG, "column '%s' is declared twice", name);
        }
        c->col_of[cols[k].field] = j;
    }
    slschema_unref(c->schema);
    c->schema = slschema_ref(s);
    slschema_unref(full);
    /* Out-of-order groups: g - 1 events span at most the bound. */
    c->group = 1;
    if (c->ooo_bound_ms > 0) {
        __uint128_t span = (__uint128_t)c->ooo_bound_ms * (uint64_t)c->rate / 1000;
        c->group = span >= (uint64_t)1 << 40 ? (int64_t)1 << 40 : (int64_t)span + 1;
    }
    c->seed_hash = slhash_u64(c->seed + UINT64_C(0x6E65786D61726B));
    tables_free(c->tabs);
    c->tabs = tables_build(c);
    return SL_OK;
}

/* ---- the event sequence ---- */

static inline int total_prop(const slnexmark_conf *c) {
    return c->prop[0] + c->prop[1] + c->prop[2];
}

/* The event emitted n-th: its number after the out-of-order permutation. */
static inline uint64_t adjusted(const slnexmark_conf *c, uint64_t n) {
    uint64_t g = (uint64_t)c->group;
    if (g == 1) {
        return n;
    }
    uint64_t base = n - n % g;
    if (c->n_events >= 0 && base + g > (uint64_t)c->n_events) {
        g = (uint64_t)c->n_events - base; /* the last, partial group */
    }
    if (g % OOO_MULTIPLIER == 0) {
        return n; /* 953 would not permute this group: keep it in order */
    }
    return base + (uint64_t)(((__uint128_t)(n - base) * OOO_MULTIPLIER) % g);
}

/* An event: its number, block (epoch) and offset in the block, kind, time. */
typedef struct ev {
    uint64_t a;
    int64_t epoch;
    int off;
    int kind; /* 0 person, 1 auction, 2 bid */
    int64_t ts_ms;
} ev;

static inline int kind_at(const slnexmark_conf *c, int off) {
    return off < c->prop[0] ? 0 : off < c->prop[0] + c->prop[1] ? 1 : 2;
}

static inline int64_t time_ms(const slnexmark_conf *c, uint64_t a) {
    return c->first_event_ms + (int64_t)((__uint128_t)a * 1000 / (uint64_t)c->rate);
}

void slnexmark_event_at(const slnexmark_conf *c, uint64_t n, int *kind, int64_t *ts_ms) {
    uint64_t a = adjusted(c, n);
    *kind = kind_at(c, (int)(a % (uint64_t)total_prop(c)));
    *ts_ms = time_ms(c, a);
}

/* The last person id (base 0) at event e: the current one for a person. */
static inline int64_t last_person(const slnexmark_conf *c, const ev *e) {
    return e->epoch * c->prop[0] + SL_MIN(e->off, c->prop[0] - 1);
}

/* The last auction id (base 0) at event e: the current one for an auction. */
static inline int64_t last_auction(const slnexmark_conf *c, const ev *e) {
    if (e->off < c->prop[0]) {
        return e->epoch * c->prop[1] - 1; /* the last of the block before */
    }
    return e->epoch * c->prop[1] + SL_MIN(e->off - c->prop[0], c->prop[1] - 1);
}

/* A random active person (base 0), up to PERSON_ID_LEAD ahead of the last. */
static inline int64_t random_person(const slnexmark_conf *c, rng *r, const ev *e) {
    int64_t n_people = last_person(c, e) + 1;
    int64_t active = SL_MIN(n_people, (int64_t)c->active_people);
    return n_people - active + (int64_t)rnd_long(r, (uint64_t)(active + PERSON_ID_LEAD));
}

/* A random auction (base 0) likely still in flight, up to AUCTION_ID_LEAD ahead. */
static inline int64_t random_auction(const slnexmark_conf *c, rng *r, const ev *e) {
    int64_t max = last_auction(c, e);
    int64_t min = SL_MAX(max - c->in_flight_auctions, 0);
    return min + (int64_t)rnd_long(r, (uint64_t)(max - min + 1 + AUCTION_ID_LEAD));
}

/* round(10^(6u) * 100) for a uniform u: the top 12 of 53 random bits pick a
 * table step, e^y over the rest of the step (y < 0.0034) is a cubic (relative
 * error below 1e-11). */
static inline int64_t price(const slnex_tables *t, rng *r) {
    uint64_t x = rnd_next(r) >> 11;
    double f = (double)(x & ((UINT64_C(1) << 41) - 1)) * (1.0 / 2199023255552.0);
    double y = f * (SIX_LN10 / PRICE_STEPS);
    double p = t->price_base[x >> 41] * (1.0 + y * (1.0 + y * (0.5 + y * (1.0 / 6.0))));
    return (int64_t)(p + 0.5);
}

/* ---- rows ---- */

/* Where one row goes: the column arrays of each produced field (NULL: not
 * produced). Strings are copied to `cur`, in a block of the batch arena with
 * room for at least one row (tables->max_row bytes). */
typedef struct rowout {
    uint32_t row;
    bool set_nulls;            /* table 'all': clear the null flags of written fields */
    char *cur, *end;           /* borrowed: free bytes of the current arena block */
    int64_t *i64[N_FIELDS];    /* borrowed: BIGINT / TIMESTAMP column values */
    slstr *str[N_FIELDS];      /* borrowed: STRING column values */
    uint8_t *nulls[N_FIELDS];  /* borrowed: null flags */
    char scratch[96];          /* email [0, 32), credit card [32, 64) */
} rowout;

static inline void put_i64(rowout *o, int f, int64_t v) {
    if (o->i64[f]) {
        o->i64[f][o->row] = v;
        if (o->set_nulls) {
            o->nulls[f][o->row] = 0;
        }
    }
}

static inline void put_str(rowout *o, int f, const char *p, size_t len) {
    if (o->str[f]) {
        char *d = o->cur;
        for (size_t i = 0; i < len; i += COPY_SLACK) {
            memcpy(d + i, p + i, COPY_SLACK);
        }
        slstr *v = &o->str[f][o->row];
        v->ptr = len ? d : "";
        v->len = (uint32_t)len;
        o->cur = d + len;
        if (o->set_nulls) {
            o->nulls[f][o->row] = 0;
        }
    }
}

/* Beam's nextString(max): 3 to max-1 letters with spaces, trimmed. */
static inline const char *rand_string(const slnex_tables *t, rng *r, int max, size_t *len) {
    size_t n = MIN_STRING_LENGTH + rnd_int(r, (uint32_t)(max - MIN_STRING_LENGTH));
    const char *p = t->spaced + rnd_int(r, POOL_SPAN);
    while (n && *p == ' ') {
        p++;
        n--;
    }
    while (n && p[n - 1] == ' ') {
        n--;
    }
    *len = n;
    return p;
}

/* Padding bringing an event of `cur` bytes to `avg` on average (+-20%). */
static inline const char *rand_extra(const slnex_tables *t, rng *r, int cur, int avg,
                                     size_t *len) {
    if (cur > avg) {
        *len = 0;
        return "";
    }
    int d = avg - cur;
    int delta = (2 * d + 5) / 10; /* round(d * 0.2) */
    *len = (size_t)(d - delta) + (delta ? rnd_int(r, (uint32_t)(2 * delta)) : 0);
    return t->letters + rnd_int(r, POOL_SPAN);
}

static void gen_person(const slnexmark_conf *c, rowout *o, rng *r, const ev *e) {
    const slnex_tables *t = c->tabs;
    put_i64(o, P_ID, last_person(c, e) + FIRST_PERSON_ID);
    uint32_t first = rnd_int(r, N_FIRST), last = rnd_int(r, N_LAST);
    strref name = t->names[first * N_LAST + last];
    put_str(o, P_NAME, t->bytes + name.off, name.len);
    size_t n1, n2;
    const char *user = rand_string(t, r, 7, &n1);
    const char *host = rand_string(t, r, 5, &n2);
    char *em = o->scratch;
    memcpy(em, user, n1);
    em[n1] = '@';
    memcpy(em + n1 + 1, host, n2);
    memcpy(em + n1 + 1 + n2, ".com", 4);
    size_t email_len = n1 + n2 + 5;
    put_str(o, P_EMAIL, em, email_len);
    char *cc = o->scratch + 32;
    for (int k = 0; k < 4; k++) {
        uint32_t v = rnd_int(r, 10000);
        char *d = cc + k * 5;
        d[0] = (char)('0' + v / 1000);
        d[1] = (char)('0' + v / 100 % 10);
        d[2] = (char)('0' + v / 10 % 10);
        d[3] = (char)('0' + v % 10);
        d[4] = ' ';
    }
    put_str(o, P_CARD, cc, 19);
    strref city = t->city[rnd_int(r, (uint32_t)SL_ARRAY_LEN(us_cities))];
    strref state = t->state[rnd_int(r, (uint32_t)SL_ARRAY_LEN(us_states))];
    put_str(o, P_CITY, t->bytes + city.off, city.len);
    put_str(o, P_STATE, t->bytes + state.off, state.len);
    int cur = 8 + (int)name.len + (int)email_len + 19 + (int)city.len + (int)state.len;
    size_t n;
    const char *extra = rand_extra(t, r, cur, c->avg_bytes[0], &n);
    put_str(o, P_EXTRA, extra, n);
}

static void gen_auction(const slnexmark_conf *c, rowout *o, rng *r, const ev *e) {
    const slnex_tables *t = c->tabs;
    put_i64(o, A_ID, last_auction(c, e) + FIRST_AUCTION_ID);
    int64_t seller;
    if (rnd_int(r, (uint32_t)c->hot_seller_ratio) > 0) {
        seller = last_person(c, e) / HOT_SELLER_BATCH * HOT_SELLER_BATCH;
    } else {
        seller = random_person(c, r, e);
    }
    int64_t category = FIRST_CATEGORY_ID + rnd_int(r, NUM_CATEGORIES);
    int64_t initial = price(t, r);
    /* Expires within twice the event time it takes to create
     * in_flight_auctions more auctions. */
    uint64_t ahead = (uint64_t)c->in_flight_auctions * (uint64_t)total_prop(c) /
                     (uint64_t)c->prop[1];
    int64_t horizon = time_ms(c, e->a + ahead) - e->ts_ms;
    int64_t expires = e->ts_ms + 1 + (int64_t)rnd_long(r, (uint64_t)SL_MAX(horizon * 2, 1));
    size_t n_item, n_desc, n_extra;
    const char *item = rand_string(t, r, 20, &n_item);
    const char *desc = rand_string(t, r, 100, &n_desc);
    int64_t reserve = initial + price(t, r);
    int cur = 8 + (int)n_item + (int)n_desc + 8 + 8 + 8 + 8 + 8;
    const char *extra = rand_extra(t, r, cur, c->avg_bytes[1], &n_extra);
    put_str(o, A_ITEM, item, n_item);
    put_str(o, A_DESC, desc, n_desc);
    put_i64(o, A_INITIAL, initial);
    put_i64(o, A_RESERVE, reserve);
    put_i64(o, A_EXPIRES, expires * 1000);
    put_i64(o, A_SELLER, seller + FIRST_PERSON_ID);
    put_i64(o, A_CATEGORY, category);
    put_str(o, A_EXTRA, extra, n_extra);
}

static void gen_bid(const slnexmark_conf *c, rowout *o, rng *r, const ev *e) {
    const slnex_tables *t = c->tabs;
    int64_t auction;
    if (rnd_int(r, (uint32_t)c->hot_auction_ratio) > 0) {
        auction = last_auction(c, e) / HOT_AUCTION_BATCH * HOT_AUCTION_BATCH;
    } else {
        auction = random_auction(c, r, e);
    }
    int64_t bidder;
    if (rnd_int(r, (uint32_t)c->hot_bidder_ratio) > 0) {
        /* the second person of the batch, so hot bidders are not hot sellers */
        bidder = last_person(c, e) / HOT_BIDDER_BATCH * HOT_BIDDER_BATCH + 1;
    } else {
        bidder = random_person(c, r, e);
    }
    put_i64(o, B_AUCTION, auction + FIRST_AUCTION_ID);
    put_i64(o, B_BIDDER, bidder + FIRST_PERSON_ID);
    put_i64(o, B_PRICE, price(t, r));
    uint32_t ch;
    if (rnd_int(r, HOT_CHANNELS_RATIO) > 0) {
        ch = N_CHANNELS + rnd_int(r, N_HOT_CHANNELS);
    } else {
        ch = rnd_int(r, N_CHANNELS);
    }
    put_str(o, B_CHANNEL, t->bytes + t->chan_name[ch].off, t->chan_name[ch].len);
    put_str(o, B_URL, t->bytes + t->chan_url[ch].off, t->chan_url[ch].len);
    size_t n;
    const char *extra = rand_extra(t, r, 8 + 8 + 8 + 8, c->avg_bytes[2], &n);
    put_str(o, B_EXTRA, extra, n);
}

/* Write event e as row o->row (its event time is set by the caller). */
static inline void gen_event(const slnexmark_conf *c, rowout *o, const ev *e) {
    rng r = event_rng(c, e->a);
    put_i64(o, F_TIME, e->ts_ms * 1000);
    put_i64(o, F_TYPE, e->kind);
    if (e->kind == 2) {
        gen_bid(c, o, &r, e);
    } else if (e->kind == 1) {
        gen_auction(c, o, &r, e);
    } else {
        gen_person(c, o, &r, e);
    }
}

/* ---- the source ---- */

typedef struct nxsrc {
    slsource base;
    const slnexmark_conf *conf; /* borrowed: owned by the graph */
    /* The next candidate event number is blk * block + off. */
    uint64_t blk;
    int off;
    int block;          /* events per block (total proportion) */
    uint64_t stride;    /* parallelism: this subtask's blocks are k, k + stride, ... */
    int lo, hi;         /* offsets in a block of the kept kind (in-order streams) */
    /* event time cache: events [ts_lo, ts_hi) have time ts_cached */
    uint64_t ts_lo, ts_hi;
    int64_t ts_cached;
    bool started;
    int64_t start_us;   /* first read (rate limiting) */
    int subtask;
} nxsrc;

static sl_err nx_open(slsource *s, slopctx *c) {
    s->ctx = c;
    return SL_OK;
}

/* Event time of event a, with one division per millisecond of event time
 * while events come in order. */
static inline int64_t event_time(nxsrc *g, uint64_t a) {
    if (a - g->ts_lo < g->ts_hi - g->ts_lo) {
        return g->ts_cached;
    }
    const slnexmark_conf *c = g->conf;
    uint64_t rate = (uint64_t)c->rate;
    uint64_t ms = (uint64_t)((__uint128_t)a * 1000 / rate);
    /* the events of millisecond ms: ceil(ms * rate / 1000) up to ceil((ms+1) * rate / 1000) */
    g->ts_lo = (uint64_t)(((__uint128_t)ms * rate + 999) / 1000);
    g->ts_hi = (uint64_t)(((__uint128_t)(ms + 1) * rate + 999) / 1000);
    g->ts_cached = c->first_event_ms + (int64_t)ms;
    return g->ts_cached;
}

/* The next event of this subtask's kind below `limit` into *e; false when
 * there is none (the position is then at or past limit, or at a skipped one). */
static inline bool next_event(nxsrc *g, uint64_t limit, ev *e) {
    const slnexmark_conf *c = g->conf;
    if (c->group == 1) {
        for (;;) {
            if (g->off < g->lo) {
                g->off = g->lo;
            }
            if (g->off >= g->hi) {
                g->blk += g->stride;
                g->off = g->lo;
            }
            uint64_t n = g->blk * (uint64_t)g->block + (uint64_t)g->off;
            if (n >= limit) {
                return false;
            }
            e->a = n;
            e->epoch = (int64_t)g->blk;
            e->off = g->off;
            e->kind = kind_at(c, g->off);
            e->ts_ms = event_time(g, n);
            g->off++;
            return true;
        }
    }
    for (;;) {
        if (g->off >= g->block) {
            g->blk += g->stride;
            g->off = 0;
        }
        uint64_t n = g->blk * (uint64_t)g->block + (uint64_t)g->off;
        if (n >= limit) {
            return false;
        }
        g->off++;
        uint64_t a = adjusted(c, n);
        e->a = a;
        e->epoch = (int64_t)(a / (uint64_t)g->block);
        e->off = (int)(a % (uint64_t)g->block);
        e->kind = kind_at(c, e->off);
        if (c->table == SLNEX_ALL || e->kind == (int)c->table) {
            e->ts_ms = event_time(g, a);
            return true;
        }
    }
}

static slsrc_status nx_read(slsource *s, slbatch *b) {
    nxsrc *g = (nxsrc *)s;
    const slnexmark_conf *c = g->conf;
    if (g->lo >= g->hi) {
        return SLSRC_END; /* a proportion of 0: this kind never occurs */
    }
    uint64_t end = c->n_events >= 0 ? (uint64_t)c->n_events : UINT64_MAX / 2;
    uint64_t limit = end;
    if (c->rate_limited) {
        int64_t now = slclock_now(s->ctx ? s->ctx->clock : NULL); /* NULL: the system clock */
        if (!g->started) {
            g->started = true;
            g->start_us = now;
        }
        /* events whose event time offset has passed on the clock */
        __uint128_t due = (__uint128_t)(uint64_t)SL_MAX(now - g->start_us, 0) *
                              (uint64_t)c->rate / 1000000 + 1;
        if (due < limit) {
            limit = (uint64_t)due;
        }
    }
    uint32_t n0 = b->n, cap = b->cap;
    bool all = c->table == SLNEX_ALL;
    for (int col = 0; col < b->schema->n; col++) {
        memset(b->cols[col].nulls + n0, all ? 1 : 0, cap - n0);
    }
    memset(b->kind + n0, SL_INSERT, cap - n0);
    rowout o;
    o.set_nulls = all;
    o.cur = o.end = NULL;
    size_t max_row = c->tabs->max_row;
    for (int f = 0; f < N_FIELDS; f++) {
        int col = c->col_of[f];
        bool str = col >= 0 && b->cols[col].type == SL_STRING;
        o.i64[f] = col >= 0 && !str ? b->cols[col].v.i64 : NULL;
        o.str[f] = str ? b->cols[col].v.s : NULL;
        o.nulls[f] = col >= 0 ? b->cols[col].nulls : NULL;
    }
    int64_t *ts = b->ts;
    ev e;
    uint32_t i = n0;
    while (i < cap && next_event(g, limit, &e)) {
        if ((size_t)(o.end - o.cur) < max_row) {
            /* a block for up to 16 KiB of rows (the tail of the last is lost) */
            size_t n = SL_MAX(max_row, SL_MIN((size_t)16384, (size_t)(cap - i) * max_row));
            o.cur = slarena_alloc(&b->arena, n);
            o.end = o.cur + n;
        }
        o.row = i;
        ts[i] = e.ts_ms * 1000;
        gen_event(c, &o, &e);
        i++;
    }
    b->n = i;
    slsrc_status st = i > n0 ? SLSRC_MORE
                      : g->blk * (uint64_t)g->block + (uint64_t)g->off >= end
                          ? SLSRC_END
                          : SLSRC_IDLE; /* rate limited */
    if (c->on_read) {
        c->on_read(c->on_read_user, g->subtask, b, n0, st == SLSRC_END);
    }
    return st;
}

static void nx_free(slsource *s) {
    slmem_free(s);
}

/* Position: [u64 blk][u64 off] (host order); the output is a pure function
 * of the event number, so this is all a restore needs. */
static sl_err nx_snapshot(slsource *s, int64_t id, slbuf *pos) {
    SL_UNUSED(id);
    nxsrc *g = (nxsrc *)s;
    uint64_t v[2] = {g->blk, (uint64_t)g->off};
    slbuf_put(pos, v, sizeof v);
    return SL_OK;
}

static sl_err nx_restore(slsource *s, const slbuf *pos, int n) {
    nxsrc *g = (nxsrc *)s;
    int sub = s->ctx->subtask;
    if (n != s->ctx->parallelism) {
        return slerr_set(SL_ERR_ARG,
                         "the nexmark source cannot be restored with another parallelism "
                         "(checkpointed with %d, now %d)",
                         n, s->ctx->parallelism);
    }
    uint64_t v[2];
    if (pos[sub].len != sizeof v) {
        return slerr_set(SL_ERR_PARSE, "nexmark source: bad position in the checkpoint");
    }
    memcpy(v, pos[sub].data, sizeof v);
    g->blk = v[0];
    g->off = (int)v[1];
    return SL_OK;
}

static const slsource_vt nx_vt = {
    .name = "nexmark",
    .open = nx_open,
    .read = nx_read,
    .free = nx_free,
    .snapshot = nx_snapshot,
    .restore = nx_restore,
};

slsource *slnexmark_source_new(void *conf, int subtask, int parallelism) {
    const slnexmark_conf *c = conf;
    nxsrc *g = slmem_calloc(1, sizeof *g);
    g->base.vt = &nx_vt;
    g->base.schema = c->schema;
    g->conf = c;
    g->block = total_prop(c);
    g->stride = (uint64_t)(parallelism > 0 ? parallelism : 1);
    g->blk = (uint64_t)subtask;
    g->subtask = subtask;
    g->ts_lo = g->ts_hi = 0; /* empty cache */
    switch (c->table) {
    case SLNEX_PERSON:
        g->lo = 0;
        g->hi = c->prop[0];
        break;
    case SLNEX_AUCTION:
        g->lo = c->prop[0];
        g->hi = c->prop[0] + c->prop[1];
        break;
    case SLNEX_BID:
        g->lo = c->prop[0] + c->prop[1];
        g->hi = g->block;
        break;
    case SLNEX_ALL:
        g->lo = 0;
        g->hi = g->block;
        break;
    }
    return &g->base;
}

/* ---- Flink's nested JSON form of an event ---- */

void slnexmark_json_event(const slnexmark_conf *c, const slbatch *b, uint32_t i, slbuf *out) {
    int kind = (int)b->cols[c->col_of[F_TYPE]].v.i64[i];
    slbuf_printf(out, "{\"event_type\":%d", kind);
    for (int t = 0; t < 3; t++) {
        slbuf_printf(out, ",\"%s\":", table_names[t]);
        if (t != kind) {
            slbuf_puts(out, "null");
            continue;
        }
        slbuf_putc(out, '{');
        for (int k = 0; k < tables[t].n; k++) {
            int col = c->col_of[tables[t].cols[k].field];
            slbuf_printf(out, "%s\"%s\":", k ? "," : "", tables[t].cols[k].name);
            if (col < 0) {
                slbuf_puts(out, "null");
            } else {
                slfmt_json_value(out, b, col, i);
            }
        }
        slbuf_putc(out, '}');
    }
    slbuf_putc(out, '}');
}
