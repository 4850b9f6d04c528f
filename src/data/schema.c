/*
 * schema.c - typed schemas (public sl_schema_* and internal helpers).
 * Schemas are reference counted: batches and operators share one copy.
 */

#include "data/data.h"

sl_err sl_schema_new(sl_schema **out) {
    sl_schema *s = slmem_calloc(1, sizeof *s);
    s->refs = 1;
    *out = s;
    return SL_OK;
}

sl_schema *slschema_ref(const sl_schema *cs) {
    sl_schema *s = (sl_schema *)cs;
    __atomic_add_fetch(&s->refs, 1, __ATOMIC_RELAXED);
    return s;
}

void slschema_unref(sl_schema *s) {
    if (!s || __atomic_sub_fetch(&s->refs, 1, __ATOMIC_ACQ_REL) > 0) {
        return;
    }
    for (int i = 0; i < s->n; i++) {
        slmem_free(s->fields[i].name);
    }
    slmem_free(s->fields);
    slmem_free(s);
}

void sl_schema_free(sl_schema *s) {
    slschema_unref(s);
}

static bool valid_name(const char *name) {
    if (!name || !*name) {
        return false;
    }
    for (const char *p = name; *p; p++) {
        if (*p == ',' || *p == '"' || *p == '\n') {
            return false;
        }
    }
    return true;
}

sl_err sl_schema_add(sl_schema *s, const char *name, sl_type type) {
    if (!valid_name(name)) {
        return slerr_set(SL_ERR_ARG, "bad column name '%s'", name ? name : "(null)");
    }
    if (type < SL_BOOLEAN || type > SL_TIMESTAMP) {
        return slerr_set(SL_ERR_ARG, "column '%s': bad type %d", name, (int)type);
    }
    if (sl_schema_find(s, name) >= 0) {
        return slerr_set(SL_ERR_ARG, "duplicate column name '%s'", name);
    }
    if (s->n == s->cap) {
        size_t cap = (size_t)s->cap;
        slmem_grow((void **)&s->fields, &cap, (size_t)s->n + 1, sizeof *s->fields);
        s->cap = (int)cap;
    }
    s->fields[s->n].name = slmem_strdup(name);
    s->fields[s->n].type = type;
    s->n++;
    return SL_OK;
}

int sl_schema_count(const sl_schema *s) {
    return s->n;
}

int sl_schema_find(const sl_schema *s, const char *name) {
    for (int i = 0; i < s->n; i++) {
        if (slstr_ieq0(s->fields[i].name, name)) {
            return i;
        }
    }
    return -1;
}

const char *sl_schema_name(const sl_schema *s, int col) {
    return (col >= 0 && col < s->n) ? s->fields[col].name : NULL;
}

sl_type sl_schema_type(const sl_schema *s, int col) {
    return (col >= 0 && col < s->n) ? s->fields[col].type : (sl_type)0;
}

const char *sl_type_name(sl_type t) {
    switch (t) {
    case SL_BOOLEAN:
        return "BOOLEAN";
    case SL_BIGINT:
        return "BIGINT";
    case SL_DOUBLE:
        return "DOUBLE";
    case SL_STRING:
        return "STRING";
    case SL_TIMESTAMP:
        return "TIMESTAMP";
    }
    return "?";
}

bool sltype_parse(const char *name, size_t len, sl_type *out) {
    static const struct {
        const char *name;
        sl_type t;
    } names[] = {
        {"BOOLEAN", SL_BOOLEAN},      {"BOOL", SL_BOOLEAN},          {"BIGINT", SL_BIGINT},
        {"INT", SL_BIGINT},           {"INTEGER", SL_BIGINT},        {"LONG", SL_BIGINT},
        {"SMALLINT", SL_BIGINT},      {"TINYINT", SL_BIGINT},        {"DOUBLE", SL_DOUBLE},
        {"FLOAT", SL_DOUBLE},         {"REAL", SL_DOUBLE},           {"DECIMAL", SL_DOUBLE},
        {"STRING", SL_STRING},        {"VARCHAR", SL_STRING},        {"CHAR", SL_STRING},
        {"TEXT", SL_STRING},          {"TIMESTAMP", SL_TIMESTAMP},   {"TIMESTAMP_LTZ", SL_TIMESTAMP},
        {"TIMESTAMP(3)", SL_TIMESTAMP}, {"TIMESTAMP(6)", SL_TIMESTAMP},
        {"TIMESTAMP_LTZ(3)", SL_TIMESTAMP}, {"TIMESTAMP_LTZ(6)", SL_TIMESTAMP},
    };
    for (size_t i = 0; i < SL_ARRAY_LEN(names); i++) {
        if (slstr_ieq(names[i].name, name, len)) {
            *out = names[i].t;
            return true;
        }
    }
    return false;
}

sl_err sl_schema_parse(const char *text, sl_schema **out) {
    sl_schema *s;
    sl_schema_new(&s);
    const char *p = text;
    sl_err err = SL_OK;
    for (;;) {
        while (*p == ' ' || *p == '\t' || *p == '\n') {
            p++;
        }
        const char *name = p;
        while (*p && *p != ' ' && *p != '\t' && *p != ',') {
            p++;
        }
        size_t name_len = (size_t)(p - name);
        while (*p == ' ' || *p == '\t') {
            p++;
        }
        const char *type = p;
        while (*p && *p != ',' && *p != ' ' && *p != '\t' && *p != '\n') {
            p++;
        }
        size_t type_len = (size_t)(p - type);
        while (*p == ' ' || *p == '\t' || *p == '\n') {
            p++;
        }
        if (name_len == 0 || type_len == 0) {
            err = slerr_set(SL_ERR_PARSE, "schema '%s': expected 'name TYPE' at offset %d", text,
                            (int)(name - text));
            goto out;
        }
        sl_type t;
        if (!sltype_parse(type, type_len, &t)) {
            err = slerr_set(SL_ERR_PARSE,
                            "schema '%s': unknown type '%.*s' (expected BOOLEAN, BIGINT, "
                            "DOUBLE, STRING or TIMESTAMP)",
                            text, (int)type_len, type);
            goto out;
        }
        char *nm = slmem_strndup(name, name_len);
        err = sl_schema_add(s, nm, t);
        slmem_free(nm);
        if (err) {
            goto out;
        }
        if (*p == ',') {
            p++;
            continue;
        }
        if (*p) {
            err = slerr_set(SL_ERR_PARSE, "schema '%s': expected ',' at offset %d", text,
                            (int)(p - text));
        }
        break;
    }
out:
    if (err) {
        sl_schema_free(s);
        return err;
    }
    *out = s;
    return SL_OK;
}

sl_schema *slschema_copy(const sl_schema *src) {
    sl_schema *s;
    sl_schema_new(&s);
    for (int i = 0; i < src->n; i++) {
        sl_schema_add(s, src->fields[i].name, src->fields[i].type);
    }
    return s;
}

bool slschema_equal(const sl_schema *a, const sl_schema *b) {
    if (a->n != b->n) {
        return false;
    }
    for (int i = 0; i < a->n; i++) {
        if (a->fields[i].type != b->fields[i].type) {
            return false;
        }
    }
    return true;
}

void slschema_describe(const sl_schema *s, slbuf *out) {
    for (int i = 0; i < s->n; i++) {
        slbuf_printf(out, "%s%s %s", i ? ", " : "", s->fields[i].name,
                     sl_type_name(s->fields[i].type));
    }
}
