/*
 * snapio.c - small file helpers for state snapshots and checkpoints: whole
 * files written and fsync'ed, read back, directory trees made and removed.
 * Used by the backends' snapshot/restore and by the runtime's checkpoint
 * coordinator. Thread: any (no shared state).
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "state/state.h"

sl_err slsnap_write_file(const char *path, const void *data, size_t len) {
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        return slerr_set(SL_ERR_IO, "cannot create '%s': %s", path, strerror(errno));
    }
    const char *p = data;
    while (len > 0) {
        ssize_t k = write(fd, p, len);
        if (k < 0 && errno == EINTR) {
            continue;
        }
        if (k < 0) {
            int e = errno;
            close(fd);
            return slerr_set(SL_ERR_IO, "cannot write '%s': %s", path, strerror(e));
        }
        p += k;
        len -= (size_t)k;
    }
    if (fsync(fd) != 0) {
        int e = errno;
        close(fd);
        return slerr_set(SL_ERR_IO, "cannot sync '%s': %s", path, strerror(e));
    }
    if (close(fd) != 0) {
        return slerr_set(SL_ERR_IO, "cannot close '%s': %s", path, strerror(errno));
    }
    return SL_OK;
}

sl_err slsnap_read_file(const char *path, slbuf *out) {
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        return slerr_set(SL_ERR_IO, "cannot read '%s': %s", path, strerror(errno));
    }
    for (;;) {
        slbuf_reserve(out, 65536);
        ssize_t k = read(fd, out->data + out->len, 65536);
        if (k < 0 && errno == EINTR) {
            continue;
        }
        if (k < 0) {
            int e = errno;
            close(fd);
            return slerr_set(SL_ERR_IO, "cannot read '%s': %s", path, strerror(e));
        }
        if (k == 0) {
            break;
        }
        out->len += (size_t)k;
    }
    close(fd);
    return SL_OK;
}

void slsnap_sync_dir(const char *dir) {
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        fsync(fd);
        close(fd);
    }
}

sl_err slsnap_mkdirs(const char *dir) {
    slbuf b = {0};
    slbuf_puts(&b, dir);
    char *p = (char *)slbuf_cstr(&b);
    sl_err err = SL_OK;
    for (char *q = p + 1;; q++) {
        if (*q == '/' || *q == '\0') {
            char c = *q;
            *q = '\0';
            if (mkdir(p, 0777) != 0 && errno != EEXIST) {
                err = slerr_set(SL_ERR_IO, "cannot create directory '%s': %s", p,
                                strerror(errno));
                break;
            }
            *q = c;
            if (c == '\0') {
                break;
            }
        }
    }
    slbuf_free(&b);
    return err;
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
    SL_UNUSED(st);
    SL_UNUSED(flag);
    SL_UNUSED(ftw);
    remove(path);
    return 0;
}

void slsnap_remove_tree(const char *path) {
    struct stat st;
    if (lstat(path, &st) != 0) {
        return;
    }
    nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}
