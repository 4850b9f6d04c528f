/*
 * rocksdb_snap.c - snapshots of the RocksDB state backend (slstate_vt
 * snapshot/restore, state.h).
 *
 * Snapshot: every dirty entry of the value cache is written, the memtables
 * are flushed (the WAL is off), and RocksDB's Checkpoint API makes `path`: a
 * directory with the database's live files, SST files hard linked when the
 * checkpoint directory is on the same file system as the database (an SST
 * file is immutable, so consecutive checkpoints share every file that did
 * not change: incremental), copied otherwise. The key layout inside is the
 * one rocksdb.c documents (format version 1), catalog included.
 *
 * Restore: each old snapshot is opened read only; its catalog maps its table
 * ids to names; every entry of key group [kg_lo, kg_hi) is copied into this
 * database under this database's id for the table (created if missing), the
 * value's access-time prefix added or stripped as the tables' TTL layouts
 * differ. Copying is what a rescaled restore needs; at equal parallelism it
 * costs one sequential read of the snapshot.
 *
 * Thread: the owning worker.
 */
#include <errno.h>
#include <stdio.h>
#include <sys/stat.h>

#include "state/rocksdb_int.h"

sl_err slrocks_snapshot(slstate *st, const char *path) {
    rstate *s = (rstate *)st;
    slrocks_flush_all(s);
    if (s->err) {
        return slerr_set(s->err, "%s", s->errmsg);
    }
    char *rerr = NULL;
    rocksdb_flushoptions_t *fo = rocksdb_flushoptions_create();
    rocksdb_flushoptions_set_wait(fo, 1);
    rocksdb_flush(s->db, fo, &rerr);
    rocksdb_flushoptions_destroy(fo);
    if (rerr) {
        sl_err err = slerr_set(SL_ERR_IO, "rocksdb state: flush for checkpoint '%s': %s", path, rerr);
        rocksdb_free(rerr);
        return err;
    }
    rocksdb_checkpoint_t *cp = rocksdb_checkpoint_object_create(s->db, &rerr);
    if (!rerr) {
        rocksdb_checkpoint_create(cp, path, 0, &rerr);
    }
    if (cp) {
        rocksdb_checkpoint_object_destroy(cp);
    }
    if (rerr) {
        sl_err err = slerr_set(SL_ERR_IO, "rocksdb state: checkpoint '%s': %s", path, rerr);
        rocksdb_free(rerr);
        return err;
    }
    return SL_OK;
}

/* An old table: its name, value size and layout, and this database's table. */
typedef struct oldtab {
    uint16_t id;
    bool has_ts;
    rtable *t; /* borrowed */
} oldtab;

typedef struct copy_ctx {
    rstate *s;
    oldtab *tabs; /* indexed by old id */
    size_t n_tabs;
    int kg_lo, kg_hi;
    int64_t now;
} copy_ctx;

static uint16_t be16(const char *p) {
    return (uint16_t)(((unsigned)(unsigned char)p[0] << 8) | (unsigned char)p[1]);
}

static sl_err restore_one(rstate *s, const char *path, int kg_lo, int kg_hi) {
    struct stat sb;
    if (stat(path, &sb) != 0 || !S_ISDIR(sb.st_mode)) {
        return slerr_set(SL_ERR_IO, "rocksdb state snapshot '%s': %s", path,
                         errno ? strerror(errno) : "not a directory");
    }
    rocksdb_options_t *o = rocksdb_options_create();
    rocksdb_options_set_info_log_level(o, 3);
    char *rerr = NULL;
    rocksdb_t *db = rocksdb_open_for_read_only(o, path, 0, &rerr);
    if (rerr || !db) {
        sl_err err = slerr_set(SL_ERR_IO, "rocksdb state snapshot '%s': %s", path,
                               rerr ? rerr : "cannot open");
        rocksdb_free(rerr);
        rocksdb_options_destroy(o);
        return err;
    }
    sl_err err = SL_OK;
    oldtab *tabs = slmem_calloc(65536, sizeof *tabs);
    rocksdb_readoptions_t *ro = rocksdb_readoptions_create();
    rocksdb_readoptions_set_total_order_seek(ro, 1);
    rocksdb_iterator_t *it = rocksdb_create_iterator(db, ro);
    /* Catalog and format: keys starting with [u16 0]. */
    bool format_ok = false;
    for (rocksdb_iter_seek_to_first(it); rocksdb_iter_valid(it); rocksdb_iter_next(it)) {
        size_t kl, vl;
        const char *k = rocksdb_iter_key(it, &kl);
        const char *v = rocksdb_iter_value(it, &vl);
        if (kl < 3 || k[0] != 0 || k[1] != 0) {
            break;
        }
        if (k[2] == 'F') {
            format_ok = vl == 8 && memcmp(v, "SLRK", 4) == 0 && v[7] == FORMAT_VERSION;
        } else if (k[2] == 'T' && vl == 7) {
            char name[1024];
            size_t nl = SL_MIN(kl - 3, sizeof name - 1);
            memcpy(name, k + 3, nl);
            name[nl] = '\0';
            uint16_t id = be16(v);
            uint32_t val_size = ((uint32_t)(unsigned char)v[2] << 24) |
                                ((uint32_t)(unsigned char)v[3] << 16) |
                                ((uint32_t)(unsigned char)v[4] << 8) | (unsigned char)v[5];
            tabs[id].id = id;
            tabs[id].has_ts = v[6] != 0;
            tabs[id].t = (rtable *)slrocks_table(&s->base, name, val_size);
        }
    }
    if (!format_ok) {
        err = slerr_set(SL_ERR_PARSE, "rocksdb state snapshot '%s': not a Sluice state (format)",
                        path);
        goto out;
    }
    /* Entries: [u16 tid >= 1][u64 ns][u16 kg][key]. */
    int64_t now = slclock_now(NULL);
    for (; rocksdb_iter_valid(it); rocksdb_iter_next(it)) {
        size_t kl, vl;
        const char *k = rocksdb_iter_key(it, &kl);
        const char *v = rocksdb_iter_value(it, &vl);
        if (kl < KEY_HDR) {
            continue;
        }
        uint16_t tid = be16(k);
        int kg = be16(k + 10);
        oldtab *ot = &tabs[tid];
        if (!ot->t || kg < kg_lo || kg >= kg_hi) {
            continue;
        }
        rtable *t = ot->t;
        slbuf_reset(&s->ebuf);
        slbuf_put(&s->ebuf, k, kl);
        s->ebuf.data[0] = (char)(t->id >> 8);
        s->ebuf.data[1] = (char)t->id;
        slbuf_reset(&s->vbuf);
        if (ot->has_ts && !t->has_ts) {
            if (vl < 8) {
                continue;
            }
            slbuf_put(&s->vbuf, v + 8, vl - 8);
        } else if (!ot->has_ts && t->has_ts) {
            slbuf_put(&s->vbuf, &now, 8);
            slbuf_put(&s->vbuf, v, vl);
        } else {
            slbuf_put(&s->vbuf, v, vl);
        }
        slrocks_put_raw(s, s->ebuf.data, s->ebuf.len, s->vbuf.data, s->vbuf.len);
        t->n++;
    }
    rocksdb_iter_get_error(it, &rerr);
    if (rerr) {
        err = slerr_set(SL_ERR_IO, "rocksdb state snapshot '%s': %s", path, rerr);
        rocksdb_free(rerr);
    }
out:
    slrocks_commit(s);
    rocksdb_iter_destroy(it);
    rocksdb_readoptions_destroy(ro);
    rocksdb_close(db);
    rocksdb_options_destroy(o);
    slmem_free(tabs);
    if (!err && s->err) {
        err = slerr_set(s->err, "%s", s->errmsg);
    }
    return err;
}

sl_err slrocks_restore(slstate *st, const char *const *paths, int n, int kg_lo, int kg_hi) {
    rstate *s = (rstate *)st;
    slrocks_flush_all(s);
    for (int i = 0; i < n; i++) {
        sl_err err = restore_one(s, paths[i], kg_lo, kg_hi);
        if (err) {
            return err;
        }
    }
    return SL_OK;
}
