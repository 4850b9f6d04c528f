/*
 * test_state_snapshot.c - state backend snapshots (slstate_snapshot /
 * slstate_restore): every table's entries come back, fixed and variable
 * size values, namespaces, empty and huge keys; a restore split by key group
 * (two old subtasks restored into three new ones and back into one) keeps
 * every entry exactly once; a truncated or corrupt snapshot is refused.
 * test_state_snapshot_rocksdb.c runs the same tests on RocksDB.
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "test_backend.h"

enum { NKG = 16 };

static char tmpdir[256];

static void cleanup(void);

static const char *tmp(void) {
    if (!tmpdir[0]) {
        atexit(cleanup);
        snprintf(tmpdir, sizeof tmpdir, "/tmp/sl-snaptest-%d-%s", (int)getpid(), SLTEST_BACKEND);
        slsnap_remove_tree(tmpdir);
        CHECK(slsnap_mkdirs(tmpdir) == SL_OK);
    }
    return tmpdir;
}

static void cleanup(void) {
    if (tmpdir[0]) {
        slsnap_remove_tree(tmpdir);
    }
}

static uint64_t key_hash(uint64_t k) {
    return slhash_u64(k * 2654435761u + 1);
}

/* Fill: table "sum" (fixed 8 bytes) keys 0..n in ns 7 and 9; table "str"
 * (variable) keys 0..n with a string value, one huge key and an empty key. */
static void fill(slstate *s, int n) {
    slkv *a = slstate_table(s, "sum", 8);
    slkv *b = slstate_table(s, "str", 0);
    for (uint64_t k = 0; k < (uint64_t)n; k++) {
        uint64_t h = key_hash(k);
        for (uint64_t ns = 7; ns <= 9; ns += 2) {
            bool created;
            int64_t *v = slkv_upsert(a, ns, &k, 8, h, &created);
            *v = (int64_t)(k * ns);
            slkv_release(a, v, true);
        }
        char val[64];
        int len = snprintf(val, sizeof val, "value-%llu", (unsigned long long)k);
        slkv_put(b, 0, &k, 8, h, val, (uint32_t)len);
        sltest_unpin(s);
    }
    char *huge = slmem_alloc(100000);
    memset(huge, 'k', 100000);
    slkv_put(b, 1, huge, 100000, key_hash(999999), "huge", 4);
    slkv_put(b, 1, "", 0, key_hash(888888), "empty", 5);
    slmem_free(huge);
    sltest_unpin(s);
}

/* Check every key of fill(n) whose key group is in [lo, hi) is present and
 * every other absent; returns entries found. */
static uint64_t verify(slstate *s, int n, int lo, int hi) {
    slkv *a = slstate_table(s, "sum", 8);
    slkv *b = slstate_table(s, "str", 0);
    uint64_t found = 0;
    for (uint64_t k = 0; k < (uint64_t)n; k++) {
        uint64_t h = key_hash(k);
        int kg = slstate_key_group(h, NKG);
        bool mine = kg >= lo && kg < hi;
        for (uint64_t ns = 7; ns <= 9; ns += 2) {
            uint32_t vl = 0;
            int64_t *v = slkv_get(a, ns, &k, 8, h, &vl);
            CHECK(!!v == mine);
            if (v && mine) {
                CHECK(*v == (int64_t)(k * ns));
                found++;
            }
        }
        uint32_t vl = 0;
        char *v = slkv_get(b, 0, &k, 8, h, &vl);
        CHECK(!!v == mine);
        if (v && mine) {
            char want[64];
            int len = snprintf(want, sizeof want, "value-%llu", (unsigned long long)k);
            CHECK(vl == (uint32_t)len && memcmp(v, want, vl) == 0);
            found++;
        }
        sltest_unpin(s);
    }
    return found;
}

TEST(snapshot_and_restore_everything) {
    slstate *s = sltest_state_new(NKG);
    fill(s, 500);
    char path[512];
    snprintf(path, sizeof path, "%s/all", tmp());
    CHECK(slstate_snapshot(s, path) == SL_OK);
    /* Changes after the snapshot are not in it. */
    slkv *a = slstate_table(s, "sum", 8);
    uint64_t k = 3;
    slkv_remove(a, 7, &k, 8, key_hash(k));
    sltest_unpin(s);
    slstate_free(s);

    slstate *r = sltest_state_new(NKG);
    const char *paths[] = {path};
    CHECK(slstate_restore(r, paths, 1, 0, NKG) == SL_OK);
    sltest_unpin(r);
    CHECK_INT(verify(r, 500, 0, NKG), 1500);
    CHECK_INT(slkv_count(slstate_table(r, "sum", 8)), 1000);
    CHECK_INT(slkv_count(slstate_table(r, "str", 0)), 502);
    uint32_t vl = 0;
    char *v = slkv_get(slstate_table(r, "str", 0), 1, "", 0, key_hash(888888), &vl);
    CHECK(v && vl == 5 && memcmp(v, "empty", 5) == 0);
    sltest_unpin(r);
    slstate_free(r);
}

TEST(restore_with_another_key_group_split) {
    /* Two old subtasks own kg [0, 8) and [8, 16): each holds its keys only. */
    char p0[512], p1[512];
    snprintf(p0, sizeof p0, "%s/old0", tmp());
    snprintf(p1, sizeof p1, "%s/old1", tmp());
    for (int sub = 0; sub < 2; sub++) {
        slstate *s = sltest_state_new(NKG);
        slkv *a = slstate_table(s, "sum", 8);
        slkv *b = slstate_table(s, "str", 0);
        for (uint64_t k = 0; k < 300; k++) {
            uint64_t h = key_hash(k);
            int kg = slstate_key_group(h, NKG);
            if ((kg < 8) != (sub == 0)) {
                continue;
            }
            for (uint64_t ns = 7; ns <= 9; ns += 2) {
                int64_t val = (int64_t)(k * ns);
                slkv_put(a, ns, &k, 8, h, &val, 8);
            }
            char val[64];
            int len = snprintf(val, sizeof val, "value-%llu", (unsigned long long)k);
            slkv_put(b, 0, &k, 8, h, val, (uint32_t)len);
            sltest_unpin(s);
        }
        CHECK(slstate_snapshot(s, sub ? p1 : p0) == SL_OK);
        slstate_free(s);
    }
    /* Three new subtasks: [0,5) [5,11) [11,16); together everything once. */
    const char *paths[] = {p0, p1};
    int bounds[] = {0, 5, 11, 16};
    uint64_t total = 0;
    for (int sub = 0; sub < 3; sub++) {
        slstate *r = sltest_state_new(NKG);
        CHECK(slstate_restore(r, paths, 2, bounds[sub], bounds[sub + 1]) == SL_OK);
        sltest_unpin(r);
        uint64_t got = verify(r, 300, bounds[sub], bounds[sub + 1]);
        CHECK_INT(slkv_count(slstate_table(r, "sum", 8)) + slkv_count(slstate_table(r, "str", 0)),
                  got);
        total += got;
        slstate_free(r);
    }
    CHECK_INT(total, 900);
    /* And back into one. */
    slstate *one = sltest_state_new(NKG);
    CHECK(slstate_restore(one, paths, 2, 0, NKG) == SL_OK);
    sltest_unpin(one);
    CHECK_INT(verify(one, 300, 0, NKG), 900);
    slstate_free(one);
}

TEST(restore_of_an_empty_state) {
    slstate *s = sltest_state_new(NKG);
    char path[512];
    snprintf(path, sizeof path, "%s/empty", tmp());
    CHECK(slstate_snapshot(s, path) == SL_OK);
    slstate_free(s);
    slstate *r = sltest_state_new(NKG);
    const char *paths[] = {path};
    CHECK(slstate_restore(r, paths, 1, 0, NKG) == SL_OK);
    CHECK_INT(verify(r, 10, NKG, NKG), 0);
    slstate_free(r);
}

TEST(missing_or_corrupt_snapshot_is_refused) {
    slstate *r = sltest_state_new(NKG);
    char path[512];
    snprintf(path, sizeof path, "%s/nothing-here", tmp());
    const char *paths[] = {path};
    CHECK(slstate_restore(r, paths, 1, 0, NKG) != SL_OK);
    slstate_free(r);
#ifndef SL_TEST_ROCKSDB
    /* A truncated memory snapshot. */
    slstate *s = sltest_state_new(NKG);
    fill(s, 50);
    snprintf(path, sizeof path, "%s/trunc", tmp());
    CHECK(slstate_snapshot(s, path) == SL_OK);
    slstate_free(s);
    slbuf f = {0};
    CHECK(slsnap_read_file(path, &f) == SL_OK);
    CHECK(slsnap_write_file(path, f.data, f.len - 3) == SL_OK);
    slbuf_free(&f);
    r = sltest_state_new(NKG);
    CHECK(slstate_restore(r, paths, 1, 0, NKG) == SL_ERR_PARSE);
    CHECK_CONTAINS(sl_errmsg(), "truncated or corrupt");
    slstate_free(r);
#endif
}

/* The snapshot writer: files handed over are on disk after a wait, with
 * their bytes; a failed write is reported by the next wait only, naming the
 * path; freeing writes what is still queued. */
TEST(snapshot_writer_writes_in_the_background) {
    slsnap_writer *w = NULL;
    CHECK(slsnap_writer_new(&w) == SL_OK);
    char dir[] = "/tmp/sluice-snapw-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    char path[128];
    for (int i = 0; i < 20; i++) {
        slbuf b = {0};
        for (int k = 0; k <= i * 1000; k++) {
            slbuf_putc(&b, (char)('a' + k % 26));
        }
        snprintf(path, sizeof path, "%s/f%d", dir, i);
        slsnap_writer_put(w, path, &b);
        CHECK(b.data == NULL && b.len == 0); /* taken */
    }
    CHECK(slsnap_writer_wait(w) == SL_OK);
    for (int i = 0; i < 20; i += 7) {
        slbuf got = {0};
        snprintf(path, sizeof path, "%s/f%d", dir, i);
        CHECK(slsnap_read_file(path, &got) == SL_OK);
        CHECK_INT(got.len, i * 1000 + 1);
        CHECK(got.len && got.data[got.len - 1] == (char)('a' + (i * 1000) % 26));
        slbuf_free(&got);
    }
    slbuf b = {0};
    slbuf_puts(&b, "x");
    snprintf(path, sizeof path, "%s/no/such/dir/f", dir);
    slsnap_writer_put(w, path, &b);
    CHECK(slsnap_writer_wait(w) == SL_ERR_IO);
    CHECK_CONTAINS(sl_errmsg(), "no/such/dir/f");
    CHECK(slsnap_writer_wait(w) == SL_OK); /* reported once */
    slbuf_puts(&b, "last");
    snprintf(path, sizeof path, "%s/last", dir);
    slsnap_writer_put(w, path, &b);
    slsnap_writer_free(w); /* writes it first */
    slbuf got = {0};
    CHECK(slsnap_read_file(path, &got) == SL_OK);
    CHECK_INT(got.len, 4);
    slbuf_free(&got);
    slsnap_writer_free(NULL);
    slsnap_remove_tree(dir);
}
