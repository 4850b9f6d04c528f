/*
 * kafka_conf.c - the Kafka connector's options under Flink's keys: parsed one
 * by one (slkafka_conf_set), checked as a whole (slkafka_conf_check), and
 * turned into librdkafka configurations (slkafka_rdconf_new). Called by the
 * SQL planner (src/sql/plan_io.c) at planning time and by the source and
 * sink at open. Every error names the option.
 */
#include <stdio.h>
#include <strings.h>

#include "connectors/kafka_int.h"

#define DEFAULT_CONNECT_TIMEOUT_MS 30000

slkafka_conf *slkafka_conf_new(const char *table) {
    slkafka_conf *c = slmem_calloc(1, sizeof *c);
    c->table = slmem_strdup(table ? table : "kafka");
    c->format = SL_FORMAT_JSON;
    c->key_format = SL_FORMAT_JSON;
    c->csv_delim = ',';
    c->ts_col = -1;
    c->connect_timeout_ms = DEFAULT_CONNECT_TIMEOUT_MS;
    return c;
}

static void free_list(char **v, int n) {
    for (int i = 0; i < n; i++) {
        slmem_free(v[i]);
    }
    slmem_free(v);
}

void slkafka_conf_free(void *conf) {
    slkafka_conf *c = conf;
    if (!c) {
        return;
    }
    slmem_free(c->table);
    free_list(c->topics, c->n_topics);
    slmem_free(c->pattern);
    free_list(c->prop_keys, c->n_props);
    free_list(c->prop_vals, c->n_props);
    slmem_free(c->specific_part);
    slmem_free(c->specific_off);
    free_list(c->key_fields, c->n_key_fields);
    slschema_unref(c->schema);
    slexpr_free(c->ts_expr);
    slmem_free(c->ts_name);
    slmem_free(c);
}

/* Split `v` at ';' into trimmed, non-empty items (replacing *list). */
static void split_list(const char *v, char ***list, int *n) {
    free_list(*list, *n);
    *list = NULL;
    *n = 0;
    size_t cap = 0;
    const char *p = v;
    for (;;) {
        const char *e = strchr(p, ';');
        const char *end = e ? e : p + strlen(p);
        const char *a = p, *b = end;
        while (a < b && (*a == ' ' || *a == '\t')) {
            a++;
        }
        while (b > a && (b[-1] == ' ' || b[-1] == '\t')) {
            b--;
        }
        if (b > a) {
            slmem_grow((void **)list, &cap, (size_t)*n + 1, sizeof **list);
            char *s = slmem_alloc((size_t)(b - a) + 1);
            memcpy(s, a, (size_t)(b - a));
            s[b - a] = 0;
            (*list)[(*n)++] = s;
        }
        if (!e) {
            break;
        }
        p = e + 1;
    }
}

static sl_err bad(const slkafka_conf *c, const char *key, const char *value, const char *want) {
    return slerr_set(SL_ERR_ARG, "table '%s': option '%s': %s, got '%s'", c->table, key, want,
                     value);
}

static sl_err parse_format(const slkafka_conf *c, const char *key, const char *v, sl_format *out) {
    if (strcasecmp(v, "json") == 0) {
        *out = SL_FORMAT_JSON;
    } else if (strcasecmp(v, "csv") == 0) {
        *out = SL_FORMAT_CSV;
    } else {
        return bad(c, key, v, "supported formats are 'json' and 'csv'");
    }
    return SL_OK;
}

/* "partition:0,offset:42;partition:1,offset:300" */
static sl_err parse_specific(slkafka_conf *c, const char *key, const char *v) {
    char **items = NULL;
    int n = 0;
    split_list(v, &items, &n);
    slmem_free(c->specific_part);
    slmem_free(c->specific_off);
    c->specific_part = slmem_calloc((size_t)(n ? n : 1), sizeof *c->specific_part);
    c->specific_off = slmem_calloc((size_t)(n ? n : 1), sizeof *c->specific_off);
    c->n_specific = 0;
    sl_err err = SL_OK;
    for (int i = 0; i < n && !err; i++) {
        long long part, off;
        int used = 0;
        if (sscanf(items[i], " partition : %lld , offset : %lld %n", &part, &off, &used) != 2 ||
            items[i][used] != 0 || part < 0 || part > INT32_MAX || off < 0) {
            err = bad(c, key, v,
                      "expected 'partition:0,offset:42;partition:1,offset:300' (offsets >= 0)");
            break;
        }
        c->specific_part[c->n_specific] = (int32_t)part;
        c->specific_off[c->n_specific++] = off;
    }
    if (!err && n == 0) {
        err = bad(c, key, v, "expected at least one 'partition:P,offset:O'");
    }
    free_list(items, n);
    return err;
}

sl_err slkafka_conf_set(slkafka_conf *c, const char *key, const char *v) {
    if (strcasecmp(key, "connector") == 0) {
        return SL_OK;
    }
    if (strcasecmp(key, "topic") == 0) {
        split_list(v, &c->topics, &c->n_topics);
        if (c->n_topics == 0) {
            return bad(c, key, v, "expected a topic name or a ';'-separated list");
        }
    } else if (strcasecmp(key, "topic-pattern") == 0) {
        slmem_free(c->pattern);
        c->pattern = slmem_strdup(v);
    } else if (strncasecmp(key, "properties.", 11) == 0) {
        const char *k = key + 11;
        if (!*k) {
            return bad(c, key, v, "expected 'properties.<librdkafka property>'");
        }
        /* librdkafka judges the property now, so the error points at it. */
        rd_kafka_conf_t *rc = rd_kafka_conf_new();
        char err[512];
        rd_kafka_conf_res_t res = rd_kafka_conf_set(rc, k, v, err, sizeof err);
        rd_kafka_conf_destroy(rc);
        if (res != RD_KAFKA_CONF_OK) {
            return slerr_set(SL_ERR_ARG, "table '%s': option '%s': %s", c->table, key, err);
        }
        size_t cap = (size_t)c->n_props;
        slmem_grow((void **)&c->prop_keys, &cap, (size_t)c->n_props + 1, sizeof *c->prop_keys);
        cap = (size_t)c->n_props;
        slmem_grow((void **)&c->prop_vals, &cap, (size_t)c->n_props + 1, sizeof *c->prop_vals);
        c->prop_keys[c->n_props] = slmem_strdup(k);
        c->prop_vals[c->n_props++] = slmem_strdup(v);
    } else if (strcasecmp(key, "scan.startup.mode") == 0) {
        static const struct {
            const char *name;
            slkafka_startup mode;
        } modes[] = {{"earliest-offset", SLKAFKA_EARLIEST},
                     {"latest-offset", SLKAFKA_LATEST},
                     {"group-offsets", SLKAFKA_GROUP_OFFSETS},
                     {"timestamp", SLKAFKA_TIMESTAMP},
                     {"specific-offsets", SLKAFKA_SPECIFIC}};
        size_t i = 0;
        while (i < SL_ARRAY_LEN(modes) && strcasecmp(v, modes[i].name) != 0) {
            i++;
        }
        if (i == SL_ARRAY_LEN(modes)) {
            return bad(c, key, v,
                       "known modes are earliest-offset, latest-offset, group-offsets, "
                       "timestamp, specific-offsets");
        }
        c->startup = modes[i].mode;
        c->startup_set = true;
    } else if (strcasecmp(key, "scan.startup.specific-offsets") == 0) {
        return parse_specific(c, key, v);
    } else if (strcasecmp(key, "scan.startup.timestamp-millis") == 0) {
        if (!slparse_i64(v, strlen(v), &c->startup_ts_ms) || c->startup_ts_ms < 0) {
            return bad(c, key, v, "expected milliseconds since the epoch (>= 0)");
        }
    } else if (strcasecmp(key, "scan.bounded.mode") == 0) {
        if (strcasecmp(v, "unbounded") == 0) {
            c->bounded = false;
        } else if (strcasecmp(v, "latest-offset") == 0) {
            c->bounded = true;
        } else if (strcasecmp(v, "group-offsets") == 0 || strcasecmp(v, "timestamp") == 0 ||
                   strcasecmp(v, "specific-offsets") == 0) {
            return slerr_set(SL_ERR_UNSUPPORTED,
                             "table '%s': option '%s' = '%s' is not built yet (built: "
                             "'unbounded', 'latest-offset')",
                             c->table, key, v);
        } else {
            return bad(c, key, v, "known modes are 'unbounded' and 'latest-offset'");
        }
    } else if (strcasecmp(key, "format") == 0 || strcasecmp(key, "value.format") == 0) {
        c->format_set = true;
        return parse_format(c, key, v, &c->format);
    } else if (strcasecmp(key, "key.format") == 0) {
        c->key_format_set = true;
        return parse_format(c, key, v, &c->key_format);
    } else if (strcasecmp(key, "key.fields") == 0) {
        split_list(v, &c->key_fields, &c->n_key_fields);
        if (c->n_key_fields > (int)SL_ARRAY_LEN(c->key_cols)) {
            return bad(c, key, v, "at most 8 key fields");
        }
    } else if (strcasecmp(key, "value.fields-include") == 0) {
        if (strcasecmp(v, "ALL") != 0) {
            return slerr_set(SL_ERR_UNSUPPORTED,
                             "table '%s': option '%s' = '%s' is not built yet (values hold every "
                             "column: 'ALL')",
                             c->table, key, v);
        }
    } else if (strcasecmp(key, "csv.field-delimiter") == 0 ||
               strcasecmp(key, "value.csv.field-delimiter") == 0) {
        if (strcmp(v, "\\t") == 0) {
            c->csv_delim = '\t';
        } else if (strlen(v) == 1 && v[0] != '"' && v[0] != '\n' && v[0] != '\r') {
            c->csv_delim = v[0];
        } else {
            return bad(c, key, v, "expected one character");
        }
    } else if (strncasecmp(key, "json.", 5) == 0 || strncasecmp(key, "value.json.", 11) == 0 ||
               strncasecmp(key, "key.json.", 9) == 0) {
        /* Flink's JSON options (fail-on-missing-field, ignore-parse-errors,
         * timestamp-format.standard): records that do not decode always go
         * to the dead-letter output, missing fields are NULL. */
    } else if (strcasecmp(key, "sink.partitioner") == 0) {
        if (strcasecmp(v, "default") == 0) {
            c->partitioner = SLKAFKA_PART_DEFAULT;
        } else if (strcasecmp(v, "fixed") == 0) {
            c->partitioner = SLKAFKA_PART_FIXED;
        } else if (strcasecmp(v, "round-robin") == 0) {
            c->partitioner = SLKAFKA_PART_ROUND_ROBIN;
        } else {
            return bad(c, key, v, "known partitioners are 'default', 'fixed', 'round-robin'");
        }
    } else if (strcasecmp(key, "sink.delivery-guarantee") == 0) {
        if (strcasecmp(v, "none") == 0) {
            c->at_least_once = false;
        } else if (strcasecmp(v, "at-least-once") == 0) {
            c->at_least_once = true;
        } else if (strcasecmp(v, "exactly-once") == 0) {
            return slerr_set(SL_ERR_UNSUPPORTED,
                             "table '%s': option 'sink.delivery-guarantee' = 'exactly-once' needs "
                             "Kafka transactions, which Sluice does not implement yet; use "
                             "'at-least-once' or 'none'",
                             c->table);
        } else {
            return bad(c, key, v, "known guarantees are 'none', 'at-least-once', 'exactly-once'");
        }
    } else if (strcasecmp(key, "connect.timeout") == 0) {
        int64_t us;
        if (sl_parse_duration(v, &us) != SL_OK || us <= 0) {
            return bad(c, key, v, "expected a duration such as '30s' or '500ms'");
        }
        c->connect_timeout_ms = us / 1000 ? us / 1000 : 1;
    } else {
        return slerr_set(SL_ERR_ARG,
                         "table '%s': unknown option '%s' for connector 'kafka' (known: topic, "
                         "topic-pattern, properties.*, scan.startup.mode, "
                         "scan.startup.specific-offsets, scan.startup.timestamp-millis, "
                         "scan.bounded.mode, format, value.format, key.format, key.fields, "
                         "value.fields-include, csv.field-delimiter, json.*, sink.partitioner, "
                         "sink.delivery-guarantee, connect.timeout)",
                         c->table, key);
    }
    return SL_OK;
}

const char *slkafka_prop(const slkafka_conf *c, const char *key) {
    const char *v = NULL;
    for (int i = 0; i < c->n_props; i++) {
        if (strcmp(c->prop_keys[i], key) == 0) {
            v = c->prop_vals[i];
        }
    }
    return v;
}

void slkafka_log_cb(const rd_kafka_t *rk, int level, const char *fac, const char *buf) {
    if (level <= 3) {
        sllog_warn("kafka %s: %s: %s", rk ? rd_kafka_name(rk) : "", fac, buf);
    }
}

rd_kafka_conf_t *slkafka_rdconf_new(const slkafka_conf *c, const char *const *extra) {
    rd_kafka_conf_t *rc = rd_kafka_conf_new();
    char err[512];
    for (int i = 0; extra && extra[i]; i += 2) {
        if (rd_kafka_conf_set(rc, extra[i], extra[i + 1], err, sizeof err) != RD_KAFKA_CONF_OK) {
            rd_kafka_conf_destroy(rc);
            slerr_set(SL_ERR_ARG, "table '%s': kafka property '%s': %s", c->table, extra[i], err);
            return NULL;
        }
    }
    for (int i = 0; i < c->n_props; i++) {
        if (rd_kafka_conf_set(rc, c->prop_keys[i], c->prop_vals[i], err, sizeof err) !=
            RD_KAFKA_CONF_OK) {
            rd_kafka_conf_destroy(rc);
            slerr_set(SL_ERR_ARG, "table '%s': option 'properties.%s': %s", c->table,
                      c->prop_keys[i], err);
            return NULL;
        }
    }
    rd_kafka_conf_set_log_cb(rc, slkafka_log_cb);
    return rc;
}

sl_err slkafka_conf_check(const slkafka_conf *c, bool sink) {
    if (c->n_topics == 0 && !c->pattern) {
        return slerr_set(SL_ERR_ARG, "table '%s' needs a 'topic' option%s", c->table,
                         sink ? "" : " (or 'topic-pattern')");
    }
    if (c->n_topics && c->pattern) {
        return slerr_set(SL_ERR_ARG,
                         "table '%s': options 'topic' and 'topic-pattern' exclude each other",
                         c->table);
    }
    if (sink && (c->pattern || c->n_topics > 1)) {
        return slerr_set(SL_ERR_ARG,
                         "table '%s': a kafka sink writes to one topic: option '%s' must name "
                         "exactly one",
                         c->table, c->pattern ? "topic-pattern" : "topic");
    }
    if (!slkafka_prop(c, "bootstrap.servers")) {
        return slerr_set(SL_ERR_ARG, "table '%s' needs a 'properties.bootstrap.servers' option",
                         c->table);
    }
    if (!sink) {
        if (c->startup == SLKAFKA_GROUP_OFFSETS && !slkafka_prop(c, "group.id")) {
            return slerr_set(SL_ERR_ARG,
                             "table '%s': 'scan.startup.mode' = 'group-offsets'%s needs a "
                             "'properties.group.id' option",
                             c->table, c->startup_set ? "" : " (the default)");
        }
        if (c->startup == SLKAFKA_TIMESTAMP && c->startup_ts_ms == 0) {
            return slerr_set(SL_ERR_ARG,
                             "table '%s': 'scan.startup.mode' = 'timestamp' needs a "
                             "'scan.startup.timestamp-millis' option",
                             c->table);
        }
        if (c->startup == SLKAFKA_SPECIFIC && c->n_specific == 0) {
            return slerr_set(SL_ERR_ARG,
                             "table '%s': 'scan.startup.mode' = 'specific-offsets' needs a "
                             "'scan.startup.specific-offsets' option",
                             c->table);
        }
    }
    if (c->n_key_fields && !c->key_format_set) {
        return slerr_set(SL_ERR_ARG, "table '%s': option 'key.fields' needs a 'key.format'",
                         c->table);
    }
    /* Let librdkafka judge the properties now rather than at run time. */
    rd_kafka_conf_t *rc = slkafka_rdconf_new(c, NULL);
    if (!rc) {
        return SL_ERR_ARG;
    }
    rd_kafka_conf_destroy(rc);
    return SL_OK;
}

sl_err slkafka_conf_prepare(slkafka_conf *c, const sl_schema *phys, const char *const *pk,
                            int n_pk) {
    slschema_unref(c->schema);
    c->schema = slschema_ref(phys);
    c->n_key_cols = 0;
    int n = c->n_key_fields ? c->n_key_fields : n_pk;
    if (n > (int)SL_ARRAY_LEN(c->key_cols)) {
        return slerr_set(SL_ERR_ARG, "table '%s': at most 8 key columns", c->table);
    }
    for (int i = 0; i < n; i++) {
        const char *name = c->n_key_fields ? c->key_fields[i] : pk[i];
        int k = sl_schema_find(phys, name);
        if (k < 0) {
            return slerr_set(SL_ERR_ARG, "table '%s': %s column '%s' is not a physical column",
                             c->table, c->n_key_fields ? "option 'key.fields':" : "primary key",
                             name);
        }
        c->key_cols[c->n_key_cols++] = k;
    }
    return SL_OK;
}

void slkafka_describe(const slkafka_conf *c, slbuf *out) {
    if (c->pattern) {
        slbuf_printf(out, "topic pattern '%s'", c->pattern);
        return;
    }
    slbuf_puts(out, c->n_topics > 1 ? "topics '" : "topic '");
    for (int i = 0; i < c->n_topics; i++) {
        slbuf_puts(out, i ? ";" : "");
        slbuf_puts(out, c->topics[i]);
    }
    slbuf_putc(out, '\'');
}
