/*
 * formats.h - record decoders: one JSON object (a line of a JSON-lines file)
 * or one CSV record into a new row of a batch, by schema. The encoders for
 * sinks are in data.h (slfmt_json_row, slfmt_csv_row).
 *
 * Contract of every decode function: on success the row is appended (b->n
 * grows by one; blank input appends nothing and still succeeds); on failure
 * the batch is left exactly as it was (row and arena rolled back) and a short
 * reason is written to `reason` (NUL-terminated, truncated to `cap`). The
 * decoders never read outside [rec, rec + len) and allocate nothing per row
 * except string bytes in the batch's arena. Bad data is not an sl_err: the
 * caller turns the reason into a dead letter.
 *
 * Thread: a decoder belongs to one thread (its source's worker).
 */
#ifndef SL_FORMATS_H
#define SL_FORMATS_H

#include "data/data.h"

#define SLFMT_REASON_MAX 256

/* ---- JSON (json.c) ---- */

typedef struct sljson_dec {
    const sl_schema *schema; /* borrowed: the caller keeps it alive */
    uint32_t *name_len;      /* owned: strlen of each column name */
    int hint;                /* the column expected next (fields usually come in order) */
} sljson_dec;

void sljson_dec_init(sljson_dec *d, const sl_schema *schema);
void sljson_dec_free(sljson_dec *d);
/*
 * Decode one JSON object into a new row of `b` (schema d->schema, not full).
 * Fields match columns by name (exact, then case-insensitive); missing fields
 * and JSON null are NULL; unknown fields are skipped. BIGINT takes integer
 * literals, DOUBLE any number, BOOLEAN true/false, STRING strings, TIMESTAMP a
 * timestamp string or an integer of epoch milliseconds. A UTF-8 BOM and
 * surrounding whitespace are ignored; blank input adds no row.
 */
bool sljson_decode_row(sljson_dec *d, slbatch *b, const char *rec, size_t len, char *reason,
                       size_t cap);

/* ---- CSV (csv.c) ---- */

typedef struct slcsv_dec {
    const sl_schema *schema; /* borrowed */
    char delim;
    int n_fields; /* fields a record must have */
    int *col_of;  /* owned: record field -> schema column, -1 = ignored */
} slcsv_dec;

/* Fields in schema order until slcsv_dec_header maps them by name. */
void slcsv_dec_init(slcsv_dec *d, const sl_schema *schema, char delim);
void slcsv_dec_free(slcsv_dec *d);
/* Map record fields to columns by the names of a header record (names
 * compare case-insensitively; unknown names are ignored; columns the header
 * lacks are NULL). Fails if no header name matches a column. */
bool slcsv_dec_header(slcsv_dec *d, const char *rec, size_t len, char *reason, size_t cap);
/*
 * Decode one RFC 4180 record (without its line terminator; it may contain
 * newlines inside quoted fields). An empty unquoted field is NULL; a quoted
 * empty field is "" for STRING columns (NULL for other types). Numbers and
 * booleans may be surrounded by blanks. Blank input adds no row.
 */
bool slcsv_decode_row(slcsv_dec *d, slbatch *b, const char *rec, size_t len, char *reason,
                      size_t cap);
/*
 * Feed one physical line (without '\n') of a record to the quote tracker;
 * `*state` starts at 0 for each record. Returns true when the record goes on
 * past this line (a quoted field holds a newline).
 */
bool slcsv_continues(int *state, const char *line, size_t len, char delim);

#endif /* SL_FORMATS_H */
